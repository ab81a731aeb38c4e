"""Attacks on the money after the purchase (#13), as a careless clerk, a bad file and a race
would make them: what is refused leaves the database as it was, and no money is lost,
doubled or half-applied."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from helpers import dump
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.domain.errors import InputRefused
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.ledger import invoice_balance
from factor_desk.services.load_payments import close_load
from factor_desk.services.reports.history import undo_import

RESERVE_HEADER = ["Date", "Type", "Invoice Number", "Amount", "Reference"]


def _bought(db, batch, tmp_path):
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in "1234"]), batch)


def _pay(db, tmp_path, name, rows):
    return apply(db, "payments", write_csv(tmp_path / name, PAYMENT_HEADER, rows))


def _reserve(db, tmp_path, name, rows):
    return apply(db, "reserve", write_csv(tmp_path / name, RESERVE_HEADER, rows))


def _charge_back(db, tmp_path, number, amount="1000.00", ref=None):
    return _reserve(db, tmp_path, f"cb-{number}.csv", [
        {"Date": "2026-12-29", "Type": "chargeback", "Invoice Number": number,
         "Amount": amount, "Reference": ref or f"CB-{number}"}])


def _refused(db, act) -> str:
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        act()
    assert dump(db) == before, "a refused action must change nothing"
    return str(err.value)


# ------------------------------------------------------------------ a bad file, a careless clerk

def test_a_payment_reference_too_long_for_its_column_is_refused_naming_the_row(
        db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    path = write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, [
        payment_row("1", "400.00", ref="R" * 101)])
    message = _refused(db, lambda: apply(db, "payments", path))
    assert "Reference Number" in message and "100" in message


def test_a_direct_payment_reference_too_long_is_refused(db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    _charge_back(db, tmp_path, "1")
    message = _refused(db, lambda: Desk(db).pay_load("1", Decimal("10.00"), "C" * 101))
    assert "100" in message


@pytest.mark.parametrize("amount", ["1e17", "100000000000.00"])
def test_a_huge_direct_payment_is_refused(db, batch, tmp_path, amount):
    _bought(db, batch, tmp_path)
    _charge_back(db, tmp_path, "1")
    message = _refused(db, lambda: Desk(db).pay_load("1", Decimal(amount), "CHK-1"))
    assert "too large" in message


def test_a_direct_payment_under_a_factor_payments_reference_is_refused(db, batch, tmp_path):
    """The factor's report paid 400.00 under ACH-7; the rest was charged back; the clerk
    enters ACH-7 as the debtor's direct payment: the same money counted twice."""
    _bought(db, batch, tmp_path)
    _pay(db, tmp_path, "pay.csv", [payment_row("1", "400.00", ref="ACH-7")])
    _charge_back(db, tmp_path, "1", "600.00")
    message = _refused(db, lambda: Desk(db).pay_load("1", Decimal("600.00"), "ACH-7"))
    assert "ACH-7" in message and "payment report" in message


# ------------------------------------------------------------------ two clerks at once (PostgreSQL)

def _postgres(db):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing interleaves")


def _while_held(db, hold, other):
    """``hold(work)`` in a write left open until ``other`` (a thread) waits on a lock or
    ends; then committed. Gives what ``other`` returned or raised."""
    from test_attack_races import _waiting_on_a_lock

    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(other())
        except Exception as exc:  # the refusal, or a bug: the caller looks
            outcome.append(exc)

    thread = threading.Thread(target=run)
    with db.write() as work:
        hold(work)
        thread.start()
        waited = threading.Event()
        for _ in range(1000):  # 20 s at most
            if _waiting_on_a_lock(db) or not thread.is_alive():
                break
            waited.wait(0.02)
        else:
            pytest.fail("the other clerk never waited")
    thread.join(30)
    (result,) = outcome
    return result


def _money_of(db, number):
    with db.read() as work:
        from sqlalchemy import select
        from test_attack_races import _statuses

        from factor_desk.db.models import Invoice
        invoice_id = work.execute(select(Invoice.id).where(
            Invoice.invoice_number == number, Invoice.recalled_at.is_(None))).scalar_one()
        return _statuses(db)[number], invoice_balance(work, invoice_id)


def _holds(db, number):
    """What the load's status and its figures say agree: a Completed load owes nothing
    (short pay and overpay included), a Financed one has no direct payment."""
    status, money = _money_of(db, number)
    if status == "Completed":
        assert money.balance <= 0, (status, money)
        assert money.balance == 0 or money.short_pay == 0, (status, money)
    if status == "Financed":
        assert money.direct_paid == 0 and money.charged_back == 0, (status, money)
    return status, money


def _partial(db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    return _pay(db, tmp_path, "part.csv", [payment_row("1", "600.00")]).import_id


def test_a_close_while_its_partial_payment_is_undone_writes_off_what_is_open(
        db, batch, tmp_path):
    _postgres(db)
    imp = _partial(db, batch, tmp_path)
    result = _while_held(db, lambda work: undo_import(work, imp),
                         lambda: Desk(db).close_load("1", "debtor disputes"))
    assert not isinstance(result, Exception), result
    status, money = _holds(db, "1")
    assert (status, money.paid, money.short_pay) == ("Completed", 0, 100000)


def test_an_undo_while_the_load_is_closed_is_refused(db, batch, tmp_path):
    _postgres(db)
    imp = _partial(db, batch, tmp_path)
    result = _while_held(db, lambda work: close_load(work, "1", "debtor disputes"),
                         lambda: Desk(db).undo_import(imp))
    assert isinstance(result, InputRefused), result
    status, money = _holds(db, "1")
    assert (status, money.paid, money.short_pay) == ("Completed", 60000, 40000)


def test_an_undo_while_a_later_payment_completes_the_load_is_refused(db, batch, tmp_path):
    _postgres(db)
    imp = _partial(db, batch, tmp_path)
    path = write_csv(tmp_path / "rest.csv", PAYMENT_HEADER, [payment_row("1", "400.00",
                                                                         ref="ACH-1b")])

    def pay_rest(work):
        from factor_desk.services import reports
        steps = reports.apply_report(work, reports.read_report(path, "payments", None))
        while True:
            try:
                next(steps)
            except StopIteration:
                return

    result = _while_held(db, pay_rest, lambda: Desk(db).undo_import(imp))
    assert isinstance(result, InputRefused), result
    status, money = _holds(db, "1")
    assert (status, money.paid) == ("Completed", 100000)


def test_a_chargebacks_undo_while_the_debtor_pays_part_directly_is_refused(
        db, batch, tmp_path):
    _postgres(db)
    _bought(db, batch, tmp_path)
    imp = _charge_back(db, tmp_path, "1").import_id
    from factor_desk.services.load_payments import pay_load
    result = _while_held(db, lambda work: pay_load(work, "1", Decimal("300.00"), "CHK-9"),
                         lambda: Desk(db).undo_import(imp))
    assert isinstance(result, InputRefused), result
    status, money = _holds(db, "1")
    assert (status, money.direct_paid) == ("Charged back", 30000)


def test_the_same_import_undone_by_two_clerks_at_once_is_undone_once(db, batch, tmp_path):
    _postgres(db)
    _bought(db, batch, tmp_path)
    imp = _pay(db, tmp_path, "full.csv", [payment_row("1", "1000.00")]).import_id
    result = _while_held(db, lambda work: undo_import(work, imp),
                         lambda: Desk(db).undo_import(imp))
    assert isinstance(result, InputRefused), result
    assert "already undone" in str(result)
    history = [(h.from_status, h.to_status) for h in Desk(db).load_history("1")]
    assert history.count(("Completed", "Financed")) == 1, history


# ------------------------------------------------------------------ the identities

def _identities(db):
    """The reports reconcile, the aging is the open balance, each status agrees with its
    money, and the reserve held adds up."""
    import datetime as dt

    recon = Desk(db).reconcile()
    t = recon.totals
    assert t["invoiced"] == t["paid"] + t["short_pay"] + t["open_balance"] - t["overpay"], t
    assert Desk(db).aging(dt.date(2027, 6, 1)).total == t["open_balance"]
    if recon.reserve_totals:
        r = recon.reserve_totals
        assert r["held"] == (r["reserve"] - r["released"] - r["charged_back"] - r["fees"]
                             + r["adjustments"]), r
    for number in "1234":
        _holds(db, number)
    return t


def test_one_invoice_in_several_rows_partial_final_and_overpay_adds_up(db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    rows = [payment_row("1", "300.00", ref="A1"), payment_row("1", "200.00", ref="A2"),
            payment_row("1", "100.00", ref="A3", **{"Short Pay Reason": "lumper"}),
            payment_row("2", "600.00", ref="B1"), payment_row("2", "500.00", ref="B2"),
            payment_row("3", "0.00", ref="C1", Final="Y"),
            payment_row("4", "250.00", ref="D1")]
    _pay(db, tmp_path, "mixed.csv", rows)
    t = _identities(db)
    assert (t["paid"], t["short_pay"], t["overpay"], t["open_balance"]) == (
        Decimal("1950.00"), Decimal("1400.00"), Decimal("100.00"), Decimal("750.00"))
    assert [_money_of(db, n)[0] for n in "1234"] == [
        "Completed", "Completed", "Completed", "Financed"]


@pytest.mark.parametrize(("amount", "final", "expected"), [
    ("-50.00", "", "Amount Paid: expected zero or more"),
    ("(50.00)", "", "Amount Paid: expected zero or more"),
    ("50.00", "partial", "Final: expected yes or no, found 'partial'"),
    ("50.001", "", "Amount Paid: expected whole cents"),
])
def test_a_bad_payment_row_is_refused_naming_it(db, batch, tmp_path, amount, final, expected):
    _bought(db, batch, tmp_path)
    path = write_csv(tmp_path / "bad.csv", PAYMENT_HEADER, [
        payment_row("1", "300.00"), payment_row("2", amount, Final=final)])
    message = _refused(db, lambda: apply(db, "payments", path))
    assert "row 3" in message.lower() and expected in message, message


def test_a_row_after_the_final_one_is_refused(db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    path = write_csv(tmp_path / "after.csv", PAYMENT_HEADER, [
        payment_row("1", "300.00", ref="A1", Final="yes"),
        payment_row("1", "200.00", ref="A2")])
    message = _refused(db, lambda: apply(db, "payments", path))
    assert "closed by row 2" in message, message


def test_a_partly_paid_file_uploaded_again_under_another_name_pays_nothing_twice(
        db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    first = _pay(db, tmp_path, "june.csv", [payment_row("1", "300.00", ref="A1")])
    again = tmp_path / "june (1).csv"
    again.write_bytes((tmp_path / "june.csv").read_bytes())
    message = _refused(db, lambda: apply(db, "payments", again))
    assert f"#{first.import_id}" in message
    # the same payment, another file: its reference is applied already
    other = write_csv(tmp_path / "june-b.csv", PAYMENT_HEADER, [
        payment_row("1", "300.00", ref="A1"), payment_row("2", "1000.00")])
    message = _refused(db, lambda: apply(db, "payments", other))
    assert "A1 already applied" in message, message


def test_an_xlsx_of_floats_pays_to_the_cent_and_a_huge_number_is_a_row_error(
        db, batch, tmp_path):
    import openpyxl

    _bought(db, batch, tmp_path)

    def book(name, rows):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["Invoice Number", "Payment Date", "Amount Paid", "Reference Number"])
        for r in rows:
            ws.append(r)
        path = tmp_path / name
        wb.save(path)
        return path

    import datetime as dt
    day = dt.datetime(2026, 12, 28)
    huge = book("huge.xlsx", [["1", day, 1e20, "H1"], ["2", day, 10**19, "H2"]])
    message = _refused(db, lambda: apply(db, "payments", huge))
    assert "too large" in message and "row 3" in message.lower(), message
    apply(db, "payments", book("floats.xlsx", [
        ["1", day, 333.33, "F1"], ["1", day, 333.33, "F2"], ["1", day, 333.34, "F3"],
        ["2", day, 0.1 + 0.2, "F4"]]))
    assert _money_of(db, "1")[0] == "Completed"
    assert _money_of(db, "2")[1].balance == 100000 - 30
    _identities(db)


def test_two_files_of_one_invoice_undone_in_the_wrong_order_refuse_then_reverse_exactly(
        db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    before = dump(db)
    a = _pay(db, tmp_path, "a.csv", [payment_row("1", "300.00", ref="A1")]).import_id
    b = _pay(db, tmp_path, "b.csv", [payment_row("1", "500.00", ref="B1",
                                                 Final="yes")]).import_id
    message = _refused(db, lambda: Desk(db).undo_import(a))
    assert f"Undo import #{b} first" in message, message
    Desk(db).undo_import(b)
    assert _money_of(db, "1")[0] == "Financed"
    _identities(db)
    Desk(db).undo_import(a)
    _identities(db)
    after = dump(db)
    for table in ("payments", "ledger_entries", "loads", "invoices"):
        assert after[table] == before[table], table


# ------------------------------------------------------------------ the reserve report

def test_a_chargeback_of_a_partly_paid_load_then_paid_directly_adds_up(db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    pay = _pay(db, tmp_path, "part.csv", [payment_row("1", "400.00")]).import_id
    cb = _charge_back(db, tmp_path, "1", "600.00").import_id
    assert _identities(db)["charged_back"] == Decimal("600.00")
    _refused(db, lambda: Desk(db).undo_import(pay))
    Desk(db).pay_load("1", Decimal("250.00"), "CHK-1")
    message = _refused(db, lambda: Desk(db).undo_import(cb))
    assert "direct payment" in message
    Desk(db).pay_load("1", Decimal("350.00"), "CHK-2")
    t = _identities(db)
    assert _money_of(db, "1")[0] == "Completed"
    assert (t["paid"], t["direct_paid"]) == (Decimal("1000.00"), Decimal("600.00"))
    message = _refused(db, lambda: Desk(db).undo_import(cb))
    # the message sends the clerk to what can take a direct payment back
    assert "load 1 is Completed" in message and "loads take-back" in message, message
    # taken back one at a time, newest first, the chargeback can go at last
    Desk(db).take_back_payment("1", "the check bounced")
    assert _money_of(db, "1")[0] == "Charged back"
    message = _refused(db, lambda: Desk(db).undo_import(cb))
    assert "recorded a direct payment for load 1" in message, message
    Desk(db).take_back_payment("1", "typed in the wrong load")
    _identities(db)
    Desk(db).undo_import(cb)
    assert _money_of(db, "1")[0] == "Financed"
    assert _identities(db)["charged_back"] == 0


@pytest.mark.parametrize(("rows", "expected"), [
    ([("chargeback", "1", "1000.00", "CB1"), ("chargeback", "1", "1000.00", "CB2")],
     "charged back twice in the file"),
    ([("release", "", "-5.00", "R1")], "a release is more than zero"),
    ([("fee", "", "0", "F1")], "a fee is more than zero"),
    ([("adjustment", "", "0.00", "J1")], "an adjustment of $0.00"),
    ([("chargeback", "", "10.00", "CB1")], "a chargeback names the invoice"),
    ([("chargeback", "9", "10.00", "CB1")], ""),
    ([("release", "", "5.00", "R1"), ("release", "", "6.00", "R1")], "in the file twice"),
    ([("payback", "", "5.00", "R1")], "Type:"),
])
def test_a_bad_reserve_row_is_refused(db, batch, tmp_path, rows, expected):
    _bought(db, batch, tmp_path)
    path = write_csv(tmp_path / "bad-reserve.csv", RESERVE_HEADER, [
        {"Date": "2026-12-29", "Type": k, "Invoice Number": n, "Amount": a, "Reference": r}
        for k, n, a, r in rows])
    message = _refused(db, lambda: apply(db, "reserve", path))
    assert expected in message, message


def test_a_reference_repeated_across_kinds_applies_each_once(db, batch, tmp_path):
    _bought(db, batch, tmp_path)
    rows = [{"Date": "2026-12-29", "Type": k, "Invoice Number": n, "Amount": a,
             "Reference": "WK-48"}
            for k, n, a in [("release", "", "50.00"), ("fee", "", "5.00"),
                            ("chargeback", "2", "1000.00"), ("adjustment", "", "-1.00")]]
    _reserve(db, tmp_path, "wk48.csv", rows)
    r = _identities(db)
    again = write_csv(tmp_path / "wk48-again.csv", RESERVE_HEADER, rows)
    p = run_to_end(Desk(db).preview_report("reserve", again))
    assert p.totals["already_applied"] == 4, p.totals
    assert _identities(db) == r


def test_a_reserve_row_of_a_recalled_invoice_or_another_factor_is_refused(
        db, batch, tmp_path):
    from factor_desk.services import company

    Desk(db).recall_invoices(batch, ["4"], "held by the debtor")
    _bought_three = [purchase_row(n) for n in "123"]
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, _bought_three),
          batch, allow_missing=True)
    with db.write() as work:
        company.add_factoring_company(work, "Other Factor", remit_to="x", fee_percent="2")
    path = write_csv(tmp_path / "r.csv", RESERVE_HEADER, [
        {"Date": "2026-12-29", "Type": "chargeback", "Invoice Number": "4",
         "Amount": "1000.00", "Reference": "CB4"}])
    message = _refused(db, lambda: apply(db, "reserve", path))
    assert "row 2" in message.lower(), message
    path = write_csv(tmp_path / "r2.csv", RESERVE_HEADER, [
        {"Date": "2026-12-29", "Type": "chargeback", "Invoice Number": "1",
         "Amount": "1000.00", "Reference": "CB1"}])
    message = _refused(db, lambda: apply(db, "reserve", path, factor="Other Factor"))
    assert "factored with Capital Depot" in message, message
    message = _refused(db, lambda: apply(db, "reserve", path, factor="Capitol Depot"))
    assert "Capitol Depot" in message and "Capital Depot" in message, message


# ------------------------------------------------------------------ loads close / loads pay

def test_close_and_pay_on_every_status_twice_refuse_or_apply_once(db, batch, tmp_path):
    desk = Desk(db)
    for number in ("9", "1"):  # Queued, Invoiced
        _refused(db, lambda n=number: desk.close_load(n, "x"))
        _refused(db, lambda n=number: desk.pay_load(n, Decimal("1.00"), "P" + n))
    _bought(db, batch, tmp_path)
    _refused(db, lambda: desk.pay_load("1", Decimal("1.00"), "P1"))  # Financed
    _refused(db, lambda: desk.close_load("1", "   "))
    desk.close_load("1", "debtor out of business")
    message = _refused(db, lambda: desk.close_load("1", "again"))
    assert "Completed already" in message
    _charge_back(db, tmp_path, "2")
    desk.pay_load("2", Decimal("400.00"), "P2")
    message = _refused(db, lambda: desk.pay_load("2", Decimal("400.00"), "P2"))
    assert "recorded already" in message
    message = _refused(db, lambda: desk.pay_load("3", Decimal("0.004"), "P3"))
    desk.close_load("2", "rest disputed")
    _refused(db, lambda: desk.pay_load("2", Decimal("1.00"), "P2b"))
    assert _money_of(db, "2")[1].short_pay == 60000
    _identities(db)


def _apply_payments_in(work, path):
    from factor_desk.services import reports

    steps = reports.apply_report(work, reports.read_report(path, "payments", None))
    while True:
        try:
            next(steps)
        except StopIteration:
            return


def test_a_purchase_undo_while_a_partial_payment_is_applied_is_refused(db, batch, tmp_path):
    _postgres(db)
    _bought(db, batch, tmp_path)
    purchase = next(h.id for h in Desk(db).import_history() if h.kind == "purchase")
    path = write_csv(tmp_path / "part.csv", PAYMENT_HEADER, [payment_row("1", "300.00")])
    result = _while_held(db, lambda work: _apply_payments_in(work, path),
                         lambda: Desk(db).undo_import(purchase))
    assert isinstance(result, InputRefused), result
    status, money = _holds(db, "1")
    assert (status, money.paid) == ("Financed", 30000)


def test_two_clerks_closing_or_paying_one_load_at_once_take_turns(db, batch, tmp_path):
    _postgres(db)
    _bought(db, batch, tmp_path)
    _charge_back(db, tmp_path, "1")
    from factor_desk.services.load_payments import pay_load

    result = _while_held(db, lambda work: pay_load(work, "1", Decimal("400.00"), "CHK-4"),
                         lambda: Desk(db).close_load("1", "rest disputed"))
    assert not isinstance(result, Exception), result
    status, money = _holds(db, "1")
    assert (status, money.direct_paid, money.short_pay) == ("Completed", 40000, 60000)
    _charge_back(db, tmp_path, "2")
    result = _while_held(db, lambda work: close_load(work, "2", "gone"),
                         lambda: Desk(db).close_load("2", "gone too"))
    assert isinstance(result, InputRefused) and "Completed already" in str(result), result
    assert _holds(db, "2")[1].short_pay == 100000
    _identities(db)
