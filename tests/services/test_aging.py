"""Aging (services/aging.py): every open invoice's balance in the bucket of its days past
due, per debtor, subsidiary or batch, one SQL aggregate; and the money of the last months."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv
from sqlalchemy import select, update
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.db.models import Invoice, LedgerEntry, Load, Payment, ReportImport
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.lifecycle import OPEN_STATUSES, BillingStatus
from factor_desk.services.desk import Desk
from factor_desk.services.ledger import invoice_money
from factor_desk.services.lifecycle import move_loads

AS_OF = dt.date(2027, 3, 1)
# load number: (customer, days past due on AS_OF)
EDGES = {"10": ("Alpha Logistics", -5), "11": ("Alpha Logistics", 0),
         "12": ("Alpha Logistics", 1), "13": ("Alpha Logistics", 30),
         "14": ("Beta Brokers", 31), "15": ("Beta Brokers", 60),
         "16": ("Beta Brokers", 61), "17": ("Beta Brokers", 90),
         "18": ("Beta Brokers", 91)}


def _set_due(db, days_past_due: dict[str, int]) -> None:
    """Give each load's (open) invoice a due date so many days before AS_OF."""
    with db.write() as work:
        for number, days in days_past_due.items():
            load_id = work.execute(select(Load.id).where(Load.load_number == number)
                                   ).scalar_one()
            work.execute(update(Invoice).where(Invoice.load_id == load_id,
                                               Invoice.recalled_at.is_(None))
                         .values(due_date=AS_OF - dt.timedelta(days=days)))


def _carrier_with(db, tmp_path, loads: dict[str, tuple[str, str]]) -> str:
    """Loads {number: (customer, total)} imported and submitted in one batch."""
    make_carrier(db, required=())
    rows = [load_row(n, Customer=c, **{"Customer MC": ""}, Linehaul=t, Accessorials="",
                     Total=t) for n, (c, t) in loads.items()]
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", rows), "Acme Freight")
    return Desk(db).submit_batch("Acme Freight", list(loads)).batch


def _open_balance(db) -> int:
    """The sum of the positive balances of open invoices, straight from invoice_money()."""
    m = invoice_money()
    with db.read() as work:
        balances = work.execute(
            select(m.c.balance).join(Load, Load.id == m.c.load_id)
            .where(Load.status.in_([s.value for s in OPEN_STATUSES]))).scalars().all()
    return sum(b for b in balances if b > 0)


def _row(aging, name):
    return next(r for r in aging.rows if r.name == name)


def test_each_invoice_falls_in_the_bucket_of_its_days_past_due(db, tmp_path):
    _carrier_with(db, tmp_path, {n: (c, f"{100 * (i + 1)}.00")
                                 for i, (n, (c, _)) in enumerate(EDGES.items())})
    _set_due(db, {n: d for n, (_, d) in EDGES.items()})
    aging = Desk(db).aging(AS_OF, "debtor")
    assert [r.name for r in aging.rows] == ["Alpha Logistics", "Beta Brokers"]
    # not yet due and due today are current; 1 and 30 days are 1-30; 31 and 60, 31-60...
    assert _row(aging, "Alpha Logistics").cents == (100_00 + 200_00, 300_00 + 400_00, 0, 0, 0)
    assert _row(aging, "Beta Brokers").cents == (0, 0, 500_00 + 600_00, 700_00 + 800_00,
                                                 900_00)
    assert aging.total == Decimal("4500.00") == Decimal(_open_balance(db)) / 100
    assert aging.to_dict() == {
        "as_of": "2027-03-01",
        "rows": [{"name": "Alpha Logistics", "current": "300.00", "days_1_30": "700.00",
                  "days_31_60": "0.00", "days_61_90": "0.00", "days_over_90": "0.00",
                  "total": "1000.00"},
                 {"name": "Beta Brokers", "current": "0.00", "days_1_30": "0.00",
                  "days_31_60": "1100.00", "days_61_90": "1500.00",
                  "days_over_90": "900.00", "total": "3500.00"}],
        "total": "4500.00"}
    # A day later each invoice has aged a day: due today is now 1-30, 30 became 31-60...
    later = Desk(db).aging(AS_OF + dt.timedelta(days=1))
    assert _row(later, "Alpha Logistics").cents == (100_00, 200_00 + 300_00, 400_00, 0, 0)
    assert _row(later, "Beta Brokers").cents == (0, 0, 500_00, 600_00 + 700_00,
                                                 800_00 + 900_00)


def test_partial_payments_short_pays_chargebacks_and_what_is_left_out(db, tmp_path):
    loads = {"1": ("Alpha Logistics", "1000.00"), "2": ("Alpha Logistics", "1000.00"),
             "3": ("Beta Brokers", "1000.00"), "4": ("Beta Brokers", "1000.00"),
             "5": ("Beta Brokers", "1000.00"), "6": ("Gamma Freight", "1000.00"),
             "7": ("Gamma Freight", "1000.00")}
    batch = _carrier_with(db, tmp_path, loads)
    desk = Desk(db)
    # 7 is recalled and batched again: its first invoice counts in nothing, its new one once
    desk.recall_invoices(batch, ["7"], "wrong amount")
    second = desk.submit_batch("Acme Freight", ["7"]).batch
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in "123456"]), batch)
    apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                                    [payment_row("6", "1000.00")]))  # 6 is Completed
    with db.write() as work:
        ids = dict(work.execute(select(Load.load_number, Invoice.id)
                                .join(Invoice, Invoice.load_id == Load.id)
                                .where(Invoice.recalled_at.is_(None))).all())
        imp = ReportImport(kind="payments", file_name="by-hand.csv", sha256="x" * 64,
                           status="applied")
        work.add(imp)
        work.flush()
        work.add_all([
            # 1: paid 250.00 of 1000.00, so far
            Payment(import_id=imp.id, invoice_id=ids["1"], row_number=1,
                    payment_date=AS_OF, amount_cents=250_00, reference_number="P-1"),
            # 2: paid 1100.00: overpaid, owed nothing, not in the aging
            Payment(import_id=imp.id, invoice_id=ids["2"], row_number=2,
                    payment_date=AS_OF, amount_cents=1100_00, reference_number="P-2"),
            # 3: 900.00 paid directly and 40.00 written off: 60.00 open
            LedgerEntry(kind=EntryKind.DIRECT_PAYMENT.value, invoice_id=ids["3"],
                        entry_date=AS_OF, amount_cents=900_00, reference="D-3"),
            LedgerEntry(kind=EntryKind.SHORT_PAY.value, invoice_id=ids["3"],
                        entry_date=AS_OF, amount_cents=40_00, reference=""),
            # 4: charged back by the factor: the carrier collects the whole of it now
            LedgerEntry(kind=EntryKind.CHARGEBACK.value, invoice_id=ids["4"],
                        entry_date=AS_OF, amount_cents=1000_00, reference="CB-4"),
        ])
        load_4 = work.execute(select(Load.id).where(Load.load_number == "4")).scalar_one()
        move_loads(work, [(load_4, "4")], BillingStatus.FINANCED, BillingStatus.CHARGED_BACK,
                   by="test", reason="charged back by the factor", exception=True)
    _set_due(db, dict.fromkeys(loads, 10))
    aging = desk.aging(AS_OF, "debtor")
    # 5 is Financed and unpaid, 7 Invoiced on its new invoice
    assert {r.name: r.cents for r in aging.rows} == {
        "Alpha Logistics": (0, 750_00, 0, 0, 0),
        "Beta Brokers": (0, 60_00 + 1000_00 + 1000_00, 0, 0, 0),
        "Gamma Freight": (0, 1000_00, 0, 0, 0)}
    assert aging.totals.total_cents == _open_balance(db) == 3810_00
    by_batch = desk.aging(AS_OF, "batch")
    assert {r.name: r.total_cents for r in by_batch.rows} == {batch: 2810_00,
                                                              second: 1000_00}
    by_subsidiary = desk.aging(AS_OF, "subsidiary")
    assert [(r.name, r.total_cents) for r in by_subsidiary.rows] == [("Acme Freight",
                                                                      3810_00)]


def test_nothing_open_and_a_grouping_that_does_not_exist(db, tmp_path):
    make_carrier(db, required=())
    aging = Desk(db).aging(AS_OF)
    assert aging.rows == [] and aging.to_dict() == {"as_of": "2027-03-01", "rows": [],
                                                    "total": "0.00"}
    with pytest.raises(InputRefused, match="debtor, subsidiary, batch"):
        Desk(db).aging(AS_OF, "factor")


def test_money_by_month_invoiced_purchased_and_paid(db, tmp_path):
    batch = _carrier_with(db, tmp_path, {"1": ("Alpha Logistics", "1000.00"),
                                         "2": ("Alpha Logistics", "500.00")})
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [
        purchase_row("1"), purchase_row("2", "500.00", **{"Purchase Date": "2026-12-03"})]),
        batch)
    apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                                    [payment_row("1", "1000.00")]))  # paid 2026-12-28
    with db.write() as work:
        work.execute(update(Invoice).values(invoice_date=dt.date(2026, 11, 30)))
        work.add(LedgerEntry(kind=EntryKind.DIRECT_PAYMENT.value, entry_date=dt.date(2027, 1, 2),
                             amount_cents=123_45, reference="D-2"))
    months = Desk(db).money_by_month(3, today=dt.date(2027, 1, 15))
    assert [(m.start, m.invoiced, m.purchased, m.paid) for m in months] == [
        (dt.date(2026, 11, 1), Decimal("1500.00"), Decimal("1000.00"), Decimal("0.00")),
        (dt.date(2026, 12, 1), Decimal("0.00"), Decimal("500.00"), Decimal("1000.00")),
        (dt.date(2027, 1, 1), Decimal("0.00"), Decimal("0.00"), Decimal("123.45"))]
    assert len(Desk(db).money_by_month(today=dt.date(2027, 1, 15))) == 12
