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
