"""The money after the purchase (issue #13), with hypothesis: whatever sequence of purchase,
payment and reserve reports, partial and final payments, direct payments, closes with a
short pay, the clerk's take back of one, and undos happens, every load is in the status
its money says, and the figures of the reconciliation and the aging add up to the cent —
checked against sums taken here, row by row, from the tables themselves."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.db.models import Base, Invoice, LedgerEntry, Load, Payment, PurchaseRecord
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.money import from_cents
from factor_desk.services.desk import Desk

RESERVE_HEADER = ["Date", "Type", "Invoice Number", "Amount", "Reference"]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
LOADS = "1234"
AMOUNTS = st.sampled_from(["1000.00", "400.00", "600.00", "0.01", "999.99", "1025.00",
                           "250.50"])


@st.composite
def operations(draw):
    ops: list[tuple] = [("purchase", draw(st.lists(st.sampled_from(LOADS), min_size=1,
                                                    max_size=4, unique=True)),
                         draw(st.sampled_from(["0", "100.00"])))]
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["payments", "payments", "reserve", "chargeback",
                                     "chargeback", "pay", "pay", "close", "take back",
                                     "undo", "purchase"]))
        if kind == "purchase":
            ops.append(("purchase", draw(st.lists(st.sampled_from(LOADS), min_size=1,
                                                  max_size=4, unique=True)),
                        draw(st.sampled_from(["0", "100.00"]))))
        elif kind == "payments":
            ops.append(("payments", draw(st.lists(st.tuples(
                st.sampled_from(LOADS), AMOUNTS,
                st.sampled_from(["", "", "yes", "no"]),
                st.sampled_from(["", "", "disputed lumper"])), min_size=1, max_size=4))))
        elif kind == "reserve":
            money = st.sampled_from(["10.00", "50.00", "600.00", "1000.00"])
            ops.append(("reserve", draw(st.lists(st.one_of(
                # a chargeback names its invoice; the other movements may name none
                st.tuples(st.just("chargeback"), st.sampled_from(LOADS), money,
                          st.just(False)),
                st.tuples(st.sampled_from(["release", "fee", "adjustment"]),
                          st.sampled_from(["", *LOADS]), money, st.booleans())),
                min_size=1, max_size=3))))
        elif kind == "pay":
            ops.append(("pay", draw(st.sampled_from(LOADS)), draw(AMOUNTS)))
        elif kind in ("close", "take back"):
            ops.append((kind, draw(st.sampled_from(LOADS))))
        elif kind == "chargeback":
            ops.append(("chargeback", draw(st.sampled_from(LOADS)),
                        draw(st.sampled_from(["1000.00", "600.00", "400.00"]))))
        else:
            ops.append(("undo", draw(st.integers(0, 10))))
    return ops


def _run(db, batch, tmp_path, step: int, op: tuple, applied: list[int], seed: int) -> None:
    desk = Desk(db)
    kind = op[0]
    if kind == "purchase":
        _, numbers, reserve = op
        rows = []
        for n in numbers:
            row = purchase_row(n)
            fee = Decimal(row["Fee Amount"])
            row["Reserve Amount"] = reserve
            row["Advance Amount"] = str(Decimal("1000.00") - fee - Decimal(reserve))
            rows.append(row)
        path = write_csv(tmp_path / f"p{step}.csv", PURCHASE_HEADER, rows)
        applied.append(apply(db, "purchase", path, batch, allow_missing=True).import_id)
    elif kind == "payments":
        rows = []
        for i, (n, amount, final, reason) in enumerate(op[1]):
            row = payment_row(n, amount, ref=f"P{seed}-{step}-{i}")
            row["Final"] = final
            row["Short Pay Reason"] = reason
            rows.append(row)
        path = write_csv(tmp_path / f"pay{step}.csv", [*PAYMENT_HEADER, "Final"], rows)
        applied.append(apply(db, "payments", path).import_id)
    elif kind == "reserve":
        rows = [{"Date": "2027-01-15", "Type": t, "Invoice Number": n,
                 "Amount": f"-{amount}" if negative and t == "adjustment" else amount,
                 "Reference": f"R{seed}-{step}-{i}"}
                for i, (t, n, amount, negative) in enumerate(op[1])]
        path = write_csv(tmp_path / f"r{step}.csv", RESERVE_HEADER, rows)
        applied.append(apply(db, "reserve", path).import_id)
    elif kind == "chargeback":  # a reserve report of one chargeback, of a Financed load
        financed = [ld.load_number for ld in desk.list_loads(status="Financed")]
        number = financed[int(op[1]) % len(financed)] if financed else op[1]
        path = write_csv(tmp_path / f"cb{step}.csv", RESERVE_HEADER, [
            {"Date": "2027-01-20", "Type": "chargeback", "Invoice Number": number,
             "Amount": op[2], "Reference": f"CB{seed}-{step}"}])
        applied.append(apply(db, "reserve", path).import_id)
    elif kind == "pay":  # mostly a load charged back when the step runs, sometimes any
        charged = [ld.load_number for ld in desk.list_loads(status="Charged back")]
        number = charged[int(op[1]) % len(charged)] if charged else op[1]
        desk.pay_load(number, Decimal(op[2]), f"D{seed}-{step}", dt.date(2027, 2, 1))
    elif kind == "close":
        desk.close_load(op[1], "debtor disputes the rest")
    elif kind == "take back":  # mostly a load with a clerk's entry, sometimes any
        with db.read() as work:
            clerks = sorted(work.execute(select(Load.load_number).join(
                LedgerEntry, LedgerEntry.load_id == Load.id).where(
                LedgerEntry.import_id.is_(None))).scalars())
        desk.take_back_payment(clerks[int(op[1]) % len(clerks)] if clerks else op[1],
                               "a slip")
    elif applied:
        target = applied[op[1] % len(applied)]
        desk.undo_import(target)
        applied.remove(target)


def _tables(db):
    """Every figure taken here from the rows themselves, per invoice number, in cents."""
    with db.read() as s:
        invoices = {inv_id: (number, status, amount) for inv_id, number, status, amount in
                    s.execute(select(Invoice.id, Invoice.invoice_number, Load.status,
                                     Invoice.amount_cents)
                              .join(Load, Load.id == Invoice.load_id)
                              .where(Invoice.recalled_at.is_(None)))}
        paid: defaultdict[int, int] = defaultdict(int)
        for inv_id, cents in s.execute(select(Payment.invoice_id, Payment.amount_cents)):
            paid[inv_id] += cents
        entries: defaultdict[tuple[int | None, str], int] = defaultdict(int)
        for inv_id, kind, cents in s.execute(select(LedgerEntry.invoice_id, LedgerEntry.kind,
                                                    LedgerEntry.amount_cents)):
            entries[inv_id, kind] += cents
        bought = {inv_id: (adv or 0, fee or 0, res or 0, factor) for
                  inv_id, adv, fee, res, factor in s.execute(
                      select(PurchaseRecord.invoice_id, PurchaseRecord.advance_cents,
                             PurchaseRecord.fee_cents, PurchaseRecord.reserve_cents,
                             PurchaseRecord.invoice_amount_cents)
                      .where(PurchaseRecord.status == "purchased"))}
        reserve_moves = defaultdict(int)
        for kind, cents in s.execute(select(LedgerEntry.kind, LedgerEntry.amount_cents)):
            reserve_moves[kind] += cents
    return invoices, paid, entries, bought, reserve_moves


def check_money(db) -> None:
    invoices, paid, entries, bought, moves = _tables(db)
    totals: defaultdict[str, int] = defaultdict(int)
    for inv_id, (number, status, amount) in invoices.items():
        got = paid[inv_id] + entries[inv_id, "direct_payment"]
        short = entries[inv_id, "short_pay"]
        balance = amount - got - short
        # the status says what the money says
        if status == "Invoiced":
            assert (got, short) == (0, 0), number
        elif status in ("Financed", "Charged back"):
            assert balance > 0, (number, status, balance)
            assert inv_id in bought, number
        elif status == "Completed":
            assert balance <= 0, (number, balance)
            assert short == 0 or balance == 0, number  # a short pay closes it exactly
        assert (status == "Charged back") <= (entries[inv_id, "chargeback"] > 0), number
        totals["invoiced"] += amount
        totals["paid"] += got
        totals["short_pay"] += short
        totals["overpay"] += max(0, -balance)
        totals["charged_back" if status == "Charged back" else "open"] += max(0, balance)
    assert totals["invoiced"] == (totals["paid"] + totals["short_pay"] + totals["charged_back"]
                                  + totals["open"] - totals["overpay"])
    reserve = sum(r for _, _, r, _ in bought.values())
    held = (reserve - moves["release"] - moves["chargeback"] - moves["fee"]
            + moves["adjustment"])
    recon = Desk(db).reconcile()
    t = recon.totals
    assert t["invoiced"] == from_cents(totals["invoiced"])
    assert t["paid"] == from_cents(totals["paid"])
    assert t["short_pay"] == from_cents(totals["short_pay"])
    assert t["overpay"] == from_cents(totals["overpay"])
    assert t["charged_back"] == from_cents(totals["charged_back"])
    assert t["open_balance"] == from_cents(totals["open"] + totals["charged_back"])
    assert t["invoiced"] == t["paid"] + t["short_pay"] + t["open_balance"] - t["overpay"]
    assert t["factor_amount"] == t["advance"] + t["fee"] + t["reserve"] + t["not_itemised"]
    if recon.reserve_totals:
        r = recon.reserve_totals
        assert r["reserve"] == from_cents(reserve)
        assert (r["released"], r["charged_back"], r["fees"], r["adjustments"]) == tuple(
            from_cents(moves[k]) for k in ("release", "chargeback", "fee", "adjustment"))
        assert r["held"] == from_cents(held)
    # the aging counts what is still owed, to the cent
    assert Desk(db).aging(dt.date(2027, 6, 1)).total == t["open_balance"]


def _fresh(db, tmp_path) -> str:
    """An empty database again, with batch ACME-0001 of invoices 1..4 at $1,000.00: each
    example starts from the same place (hypothesis runs them all in one test's database,
    and a direct payment or a close is not undone)."""
    with db.write() as work:
        for table in reversed(Base.metadata.sorted_tables):
            work.execute(table.delete())
    make_carrier(db, required=())
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", [
        load_row(n, Linehaul="1000.00", Accessorials="", Total="1000.00") for n in LOADS]),
        "Acme Freight")
    return Desk(db).submit_batch("Acme Freight", list(LOADS)).batch


@SETTINGS
@given(ops=operations(), seed=st.integers(0, 10**6))
@pytest.mark.slow
def test_after_any_reports_payments_and_undos_the_money_adds_up(db, tmp_path, ops, seed):
    batch = _fresh(db, tmp_path)
    applied: list[int] = []
    for step, op in enumerate(ops):
        with contextlib.suppress(InputRefused):  # a refusal changes nothing: checked below
            _run(db, batch, tmp_path, step, op, applied, seed)
        check_money(db)
    # undo what is left, newest first (an import a clerk's payment or close depends on
    # stays, and says why)
    for import_id in sorted(applied, reverse=True):
        try:
            Desk(db).undo_import(import_id)
        except InputRefused as exc:
            assert "cannot be undone" in str(exc)
        check_money(db)
