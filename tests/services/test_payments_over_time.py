"""Payments over time (#13): a partial payment leaves the load Financed with its balance
open; a later one (same file or another report) completes it; a Final row or a short pay
reason closes it with a short pay entry; undo reverses exactly what an import did; a clerk
closes a load with a short pay or records a debtor's direct payment of a Charged back
load; the load's money lines say where each movement came from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers import dump
from sqlalchemy import select
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    outcomes,
    payment_row,
    preview,
    purchase_row,
    refused,
    statuses,
    undo,
    write_csv,
)

from factor_desk.db.models import Batch, Invoice, LedgerEntry, Load, StatusHistory
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.services.desk import Desk
from factor_desk.services.ledger import invoice_balance
from factor_desk.services.lifecycle import move_loads

D = Decimal


@pytest.fixture
def financed(db, batch, tmp_path):
    """Invoices 1..4 of $1,000.00 bought by the factor: loads 1..4 Financed."""
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in "1234"]), batch)
    return batch


def pay(db, tmp_path, name: str, rows: list[dict]):
    return apply(db, "payments", write_csv(tmp_path / name, PAYMENT_HEADER, rows))


def balance(db, load_number: str):
    with db.read() as work:
        invoice_id = work.execute(
            select(Invoice.id).join(Load, Load.id == Invoice.load_id)
            .where(Load.load_number == load_number, Invoice.recalled_at.is_(None))
        ).scalar_one()
        return invoice_balance(work, invoice_id)


def entries(db, kind: EntryKind | None = None) -> list[tuple]:
    with db.read() as work:
        stmt = (select(Load.load_number, LedgerEntry.kind, LedgerEntry.amount_cents,
                       LedgerEntry.import_id, LedgerEntry.row_number, LedgerEntry.reason,
                       LedgerEntry.reference)
                .join(Load, Load.id == LedgerEntry.load_id).order_by(LedgerEntry.id))
        if kind is not None:
            stmt = stmt.where(LedgerEntry.kind == kind.value)
        return [tuple(r) for r in work.execute(stmt)]


def charge_back(db, load_number: str, cents: int = 100000) -> None:
    """What the reserve report (another part of #13) does to a load: a chargeback entry,
    and Financed -> Charged back."""
    with db.write() as work:
        load_id, invoice_id, factor_id = work.execute(
            select(Load.id, Invoice.id, Batch.factoring_company_id)
            .join(Invoice, Invoice.load_id == Load.id)
            .join(Batch, Batch.id == Invoice.batch_id)
            .where(Load.load_number == load_number)).one()
        work.add(LedgerEntry(kind=EntryKind.CHARGEBACK.value, invoice_id=invoice_id,
                             load_id=load_id, factoring_company_id=factor_id,
                             entry_date=dt.date(2027, 2, 1), amount_cents=cents,
                             reference=f"CB-{load_number}", reason="unpaid 90 days",
                             by="test-clerk"))  # the login: the server writes it on PostgreSQL
        move_loads(work, [(load_id, load_number)], BillingStatus.FINANCED,
                   BillingStatus.CHARGED_BACK, by="test-clerk", reason="charged back",
                   exception=True)


# ------------------------------------------------------------------ the payment report


def test_a_partial_payment_leaves_the_load_financed_and_a_later_report_completes_it(
        db, financed, tmp_path):
    first = pay(db, tmp_path, "pay1.csv", [payment_row("1", "400.00", ref="A-1")])
    assert statuses(db)["1"] == "Financed"
    b = balance(db, "1")
    assert (b.paid, b.short_pay, b.balance) == (40000, 0, 60000)
    money = Desk(db).load_money("1").invoice
    assert money is not None and money.partially_paid
    assert (money.paid, money.open_balance) == (D("400.00"), D("600.00"))
    assert first.preview.totals["stays_open"] == D("600.00")
    assert first.preview.totals["short_pay"] == 0

    p = preview(db, "payments", write_csv(tmp_path / "pay2.csv", PAYMENT_HEADER,
                                          [payment_row("1", "600.00", ref="A-2")]))
    assert outcomes(p)[2] == ("applies", "completes invoice 1: $1,000.00 paid in all of "
                                         "$1,000.00")
    pay(db, tmp_path, "pay2.csv", [payment_row("1", "600.00", ref="A-2")])
    assert statuses(db)["1"] == "Completed"
    assert balance(db, "1").balance == 0
    assert entries(db) == []  # paid in full: nothing written off


def test_rows_of_one_invoice_add_up_in_file_order(db, financed, tmp_path):
    rows = [payment_row("1", "250.00", ref="R-1"), payment_row("1", "250.00", ref="R-2"),
            payment_row("2", "300.00", ref="R-3"), payment_row("1", "500.00", ref="R-4")]
    p = preview(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, rows))
    got = outcomes(p)
    assert "partial payment: $250.00 of $1,000.00, $750.00 stays open" in got[2][1]
    assert "partial payment: $250.00 of $750.00, $500.00 stays open" in got[3][1]
    assert "partial payment: $300.00 of $1,000.00, $700.00 stays open" in got[4][1]
    assert "completes invoice 1: $1,000.00 paid in all" in got[5][1]
    assert (p.totals["paid"], p.totals["stays_open"], p.totals["short_pay"]) == (
        D("1300.00"), D("700.00"), D("0.00"))
    pay(db, tmp_path, "pay.csv", rows)
    assert (statuses(db)["1"], statuses(db)["2"]) == ("Completed", "Financed")


@pytest.mark.parametrize("word", ["yes", "Y", "TRUE", "1", "x"])
def test_a_final_row_closes_with_a_short_pay_entry(db, financed, tmp_path, word):
    result = pay(db, tmp_path, "pay.csv", [
        payment_row("1", "300.00", ref="F-1"),
        payment_row("1", "650.00", ref="F-2", Final=word),
        payment_row("2", "1000.00", ref="F-3", Final=word)])
    assert statuses(db)["1"] == "Completed" and statuses(db)["2"] == "Completed"
    assert entries(db) == [("1", "short_pay", 5000, result.import_id, 3,
                            "marked final, no reason given", "F-2")]
    b = balance(db, "1")
    assert (b.paid, b.short_pay, b.balance) == (95000, 5000, 0)
    assert "short pay of $50.00 (marked final, no reason given) written off" in \
        outcomes(result.preview)[3][1]


def test_a_short_pay_reason_closes_and_a_later_payment_in_another_report_counts_before(
        db, financed, tmp_path):
    pay(db, tmp_path, "pay1.csv", [payment_row("1", "500.00", ref="S-1")])
    result = pay(db, tmp_path, "pay2.csv", [
        payment_row("1", "420.00", ref="S-2", **{"Short Pay Reason": "lumper disputed"})])
    assert statuses(db)["1"] == "Completed"
    assert entries(db) == [("1", "short_pay", 8000, result.import_id, 2, "lumper disputed",
                            "S-2")]
    assert result.preview.totals["short_pay"] == D("80.00")
    with db.read() as work:  # the Final flag of a row is kept with its payment
        from factor_desk.db.models import Payment
        assert work.execute(select(Payment.final)).scalars().all() == [False, False]


def test_no_final_no_reason_and_nothing_paid_yet_is_not_a_short_pay(db, financed,
                                                                     tmp_path):
    pay(db, tmp_path, "pay.csv", [payment_row("1", "1000.00", ref="N-1", Final="no")])
    assert statuses(db)["1"] == "Completed" and entries(db) == []


def test_an_overpay_completes_and_stays_visible(db, financed, tmp_path):
    result = pay(db, tmp_path, "pay.csv", [payment_row("1", "700.00", ref="O-1"),
                                           payment_row("1", "400.00", ref="O-2")])
    got = outcomes(result.preview)
    assert got[3][0] == "warning" and "overpaid by $100.00" in got[3][1]
    assert result.preview.totals["overpay"] == D("100.00")
    assert statuses(db)["1"] == "Completed"
    money = Desk(db).load_money("1").invoice
    assert money is not None and (money.overpay, money.open_balance) == (D("100.00"), 0)


def test_a_bad_final_word_is_refused_naming_row_and_column(db, financed, tmp_path):
    path = write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, [
        payment_row("1", "500.00"), payment_row("2", "500.00", Final="maybe")])
    message = refused(db, "payments", path)
    assert "pay.csv, row 3: Final: expected yes or no, found 'maybe'" in message


def test_a_payment_after_the_final_row_of_its_invoice_is_refused(db, financed, tmp_path):
    path = write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, [
        payment_row("1", "500.00", ref="X-1", Final="yes"),
        payment_row("1", "500.00", ref="X-2")])
    message = refused(db, "payments", path)
    assert "row 3: invoice 1 is closed by row 2 above" in message


def test_a_payment_to_a_charged_back_load_is_refused_pointing_to_loads_pay(
        db, financed, tmp_path):
    charge_back(db, "1")
    message = refused(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                                                [payment_row("1", "1000.00")]))
    assert "load 1 is Charged back" in message and "loads pay 1" in message


def test_a_completed_load_still_refuses_another_payment(db, financed, tmp_path):
    first = pay(db, tmp_path, "pay1.csv", [payment_row("1", "1000.00", ref="C-1")])
    message = refused(db, "payments", write_csv(tmp_path / "pay2.csv", PAYMENT_HEADER,
                                                [payment_row("1", "5.00", ref="C-2")]))
    assert f"load 1 is already Completed by import #{first.import_id}" in message


# ------------------------------------------------------------------ undo


def test_undo_reverses_exactly_what_the_import_did(db, financed, tmp_path):
    partial = pay(db, tmp_path, "pay1.csv", [payment_row("1", "400.00", ref="U-1"),
                                             payment_row("2", "400.00", ref="U-2")])
    before = dump(db)
    second = pay(db, tmp_path, "pay2.csv", [
        payment_row("1", "600.00", ref="U-3"),  # completes 1
        payment_row("2", "100.00", ref="U-4", **{"Short Pay Reason": "damage"}),
        payment_row("3", "100.00", ref="U-5")])  # a partial: moves nothing
    assert [statuses(db)[n] for n in "123"] == ["Completed", "Completed", "Financed"]
    result = undo(db, second.import_id)
    assert (result.loads_moved_back, result.records_removed) == (2, 4)  # 3 payments, 1 entry
    assert [statuses(db)[n] for n in "123"] == ["Financed", "Financed", "Financed"]
    after = dump(db)
    for table in ("payments", "ledger_entries", "loads", "invoices", "purchase_records"):
        assert after[table] == before[table], table
    assert balance(db, "2").balance == 60000
    with db.read() as work:  # a history row for each load moved back, none for load 3
        back = work.execute(select(Load.load_number).join(StatusHistory)
                            .where(StatusHistory.import_id == second.import_id,
                                   StatusHistory.to_status == "Financed")).scalars().all()
    assert sorted(back) == ["1", "2"]
    undo(db, partial.import_id)
    assert balance(db, "1").balance == 100000


def test_undo_is_refused_while_a_later_import_paid_the_same_invoice(db, financed,
                                                                    tmp_path):
    first = pay(db, tmp_path, "pay1.csv", [payment_row("1", "400.00", ref="L-1")])
    later = pay(db, tmp_path, "pay2.csv", [payment_row("1", "100.00", ref="L-2")])
    before = dump(db)
    with pytest.raises(InputRefused, match=f"payment import #{later.import_id} .*also paid "
                                           f"invoice 1 after it. Undo import "
                                           f"#{later.import_id} first"):
        undo(db, first.import_id)
    assert dump(db) == before
    undo(db, later.import_id)
    undo(db, first.import_id)
    assert statuses(db)["1"] == "Financed" and balance(db, "1").paid == 0


def test_undo_is_refused_after_a_clerk_closed_the_invoice(db, financed, tmp_path):
    first = pay(db, tmp_path, "pay1.csv", [payment_row("1", "400.00", ref="K-1")])
    Desk(db).close_load("1", "debtor will not pay the detention")
    with pytest.raises(InputRefused, match="test-clerk recorded a short pay for load 1"):
        undo(db, first.import_id)


def test_a_purchase_undo_is_refused_after_a_partial_payment(db, batch, tmp_path):
    purchase = apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                               [purchase_row(n) for n in "1234"]), batch)
    payments = pay(db, tmp_path, "pay.csv", [payment_row("2", "10.00")])
    assert statuses(db)["2"] == "Financed"
    with pytest.raises(InputRefused, match=f"payment import #{payments.import_id} .* paid "
                                           "load 2.* Undo that import first"):
        undo(db, purchase.import_id)
    undo(db, payments.import_id)
    undo(db, purchase.import_id)
    assert statuses(db)["2"] == "Invoiced"


# ------------------------------------------------------------------ loads close


def test_close_writes_off_the_open_rest(db, financed, tmp_path):
    pay(db, tmp_path, "pay.csv", [payment_row("1", "900.00", ref="W-1")])
    move = Desk(db).close_load("1", "  lumper   not reimbursed ")
    assert (move.status, move.amount, move.completed, move.reason) == (
        "Completed", D("100.00"), True, "lumper not reimbursed")
    assert entries(db) == [("1", "short_pay", 10000, None, None, "lumper not reimbursed",
                            "")]
    last = Desk(db).load_history("1")[-1]
    assert (last.from_status, last.to_status) == ("Financed", "Completed")
    assert last.reason == "Closed with a short pay of $100.00: lumper not reimbursed"
    b = balance(db, "1")
    assert (b.paid, b.short_pay, b.balance) == (90000, 10000, 0)


def test_close_of_a_charged_back_load(db, financed):
    charge_back(db, "1")
    move = Desk(db).close_load("1", "debtor out of business")
    assert move.status == "Completed" and move.amount == D("1000.00")


@pytest.mark.parametrize("load,why", [
    ("9", "it is Queued; only a Financed or Charged back load"),
    ("1", "it is Completed already: nothing is left open"),
])
def test_close_is_refused_with_clear_words(db, financed, tmp_path, load, why):
    pay(db, tmp_path, "pay.csv", [payment_row("1", "1000.00", ref="Z-1")])
    before = dump(db)
    with pytest.raises(InputRefused, match=why):
        Desk(db).close_load(load, "written off")
    with pytest.raises(InputRefused, match="Give the reason"):
        Desk(db).close_load("2", "   ")
    assert dump(db) == before


def test_close_of_an_invoiced_load_says_the_factor_has_not_bought_it(db, batch):
    with pytest.raises(InputRefused, match="the factor has not bought it yet"):
        Desk(db).close_load("1", "written off")


# ------------------------------------------------------------------ loads pay


def test_direct_payments_of_a_charged_back_load(db, financed, tmp_path):
    pay(db, tmp_path, "pay.csv", [payment_row("1", "200.00", ref="P-0")])
    charge_back(db, "1", 80000)
    desk = Desk(db)
    first = desk.pay_load("1", D("500.00"), "CHK-1", dt.date(2027, 2, 10))
    assert (first.status, first.open_balance, first.completed) == (
        "Charged back", D("300.00"), False)
    last = desk.load_history("1")[-1]
    assert (last.from_status, last.to_status) == ("Charged back", "Charged back")
    assert last.reason == ("Direct payment of $500.00 (CHK-1) on 02/10/2027: $300.00 "
                           "stays open")
    second = desk.pay_load("1", D("300.00"), "CHK-2")
    assert (second.status, second.open_balance, second.completed) == (
        "Completed", D("0.00"), True)
    last = desk.load_history("1")[-1]
    assert (last.from_status, last.to_status) == ("Charged back", "Completed")
    b = balance(db, "1")
    assert (b.factor_paid, b.direct_paid, b.balance) == (20000, 80000, 0)


def test_a_direct_payment_is_refused_with_reasons(db, financed, tmp_path):
    charge_back(db, "1")
    desk = Desk(db)
    desk.pay_load("1", D("100.00"), "DUP-1", dt.date(2027, 2, 10))
    before = dump(db)
    with pytest.raises(InputRefused, match="reference DUP-1 was recorded already "
                                           r"\(load 1, 02/10/2027, by test-clerk\)"):
        desk.pay_load("1", D("100.00"), "DUP-1")
    for amount in (D("0"), D("-5.00")):
        with pytest.raises(InputRefused, match="must be more than zero"):
            desk.pay_load("1", amount, "NEW-1")
    with pytest.raises(InputRefused, match="whole number of cents"):
        desk.pay_load("1", D("1.005"), "NEW-1")
    with pytest.raises(InputRefused, match="Load 2 cannot take a direct payment: it is "
                                           "Financed: the factor owns the invoice"):
        desk.pay_load("2", D("10.00"), "NEW-2")
    with pytest.raises(InputRefused, match="Load 9 cannot take a direct payment: it is "
                                           "Queued"):
        desk.pay_load("9", D("10.00"), "NEW-3")
    assert dump(db) == before


def test_the_unique_index_stops_a_second_direct_payment_of_the_same_reference(db, financed):
    """Two clerks at once both pass the check; the index refuses the later one and the
    Desk says so as it says for one recorded before."""
    from sqlalchemy.exc import IntegrityError

    charge_back(db, "1")
    charge_back(db, "2")
    Desk(db).pay_load("1", D("100.00"), "RACE-1")
    with pytest.raises(IntegrityError), db.write() as work:  # as if the check had passed
        load_id, invoice_id = work.execute(
            select(Load.id, Invoice.id).join(Invoice, Invoice.load_id == Load.id)
            .where(Load.load_number == "2")).one()
        work.add(LedgerEntry(kind="direct_payment", invoice_id=invoice_id, load_id=load_id,
                             entry_date=dt.date(2027, 2, 1), amount_cents=100,
                             reference="RACE-1"))
        work.flush()
    import factor_desk.services.load_payments as lp

    real = lp.reference_taken
    calls = []

    def passes_first(work, reference):  # the first check sees nothing: the other clerk
        calls.append(reference)         # had not committed yet
        return None if len(calls) == 1 else real(work, reference)

    lp.reference_taken = passes_first
    try:
        with pytest.raises(InputRefused, match="reference RACE-1 was recorded already"):
            Desk(db).pay_load("2", D("100.00"), "RACE-1")
    finally:
        lp.reference_taken = real
    assert len(calls) == 2 and statuses(db)["2"] == "Charged back"


# ------------------------------------------------------------------ the load's money lines


def test_the_load_page_lists_every_movement_with_where_it_came_from(db, financed,
                                                                    tmp_path):
    first = pay(db, tmp_path, "pay1.csv", [
        payment_row("1", "300.00", ref="M-1", **{"Payment Date": "2026-12-20"})])
    charge_back(db, "1", 70000)
    Desk(db).pay_load("1", D("650.00"), "CHK-9", dt.date(2027, 2, 15))
    Desk(db).close_load("1", "bank fee")
    money = Desk(db).load_money("1")
    got = {ln.kind: (ln.amount, ln.reference, ln.source, ln.detail) for ln in money.lines}
    assert len(money.lines) == len(got) == 5
    assert got["purchase"][:2] == (D("1000.00"), "")
    assert got["purchase"][2].startswith("import #") and got["purchase"][2].endswith("p.csv")
    assert got["purchase"][3] == "advance $975.00, fee $25.00, reserve $0.00"
    assert got["payment"][:3] == (D("300.00"), "M-1", f"import #{first.import_id} pay1.csv")
    assert got["chargeback"][:3] == (D("700.00"), "CB-1", "by test-clerk")
    assert got["direct_payment"][:3] == (D("650.00"), "CHK-9", "by test-clerk")
    assert got["short_pay"] == (D("50.00"), "", "by test-clerk", "bank fee")
    assert [ln.what for ln in money.lines if ln.kind == "short_pay"] == [
        "Short pay written off"]
    assert [ln.date for ln in money.lines] == sorted(ln.date for ln in money.lines)
    assert money.status == "Completed"


# ------------------------------------------------------------------ races (PostgreSQL)


def test_a_payment_report_waits_for_a_close_of_the_same_load(db, financed, tmp_path):
    """A clerk closes load 1 while another applies a partial payment of it: the upload
    waits for the close, then sees the load Completed and is refused (SQLite runs one
    writer at a time: nothing interleaves)."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time")
    from test_attack_races import _while_held

    from factor_desk.services.load_payments import close_load

    path = write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                     [payment_row("1", "400.00", ref="RC-1")])
    outcome = _while_held(db, lambda work: close_load(work, "1", "written off"),
                          lambda: apply(db, "payments", path))
    assert isinstance(outcome, InputRefused), outcome
    assert "load 1 is already Completed" in str(outcome)
    b = balance(db, "1")
    assert (b.paid, b.short_pay, b.balance) == (0, 100000, 0)


def test_two_partial_payment_reports_of_one_load_take_turns(db, financed, tmp_path):
    """Two uploads pay the rest of load 1 at the same moment: the second waits for the
    first and sees its payment, so the load is Completed (not left Financed paid in
    full)."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time")
    from test_attack_races import _while_held

    from factor_desk.services import reports

    def apply_in(work, path):
        upload = reports.read_report(path, "payments", None)
        steps = reports.apply_report(work, upload)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    one = write_csv(tmp_path / "one.csv", PAYMENT_HEADER,
                    [payment_row("1", "400.00", ref="T-1")])
    two = write_csv(tmp_path / "two.csv", PAYMENT_HEADER,
                    [payment_row("1", "600.00", ref="T-2")])
    outcome = _while_held(db, lambda work: apply_in(work, one),
                          lambda: apply(db, "payments", two))
    assert not isinstance(outcome, Exception), outcome
    assert statuses(db)["1"] == "Completed" and balance(db, "1").balance == 0


# ------------------------------------------------------------------ taking one back


def test_a_close_or_a_direct_payment_taken_back_leaves_the_load_as_it_was(
        db, financed, tmp_path):
    desk = Desk(db)
    pay(db, tmp_path, "pay.csv", [payment_row("1", "600.00", ref="A-1")])
    desk.close_load("1", "debtor disputes")
    assert balance(db, "1").balance == 0
    move = desk.take_back_payment("1", "closed the wrong load")
    assert (move.status, move.amount, move.open_balance) == ("Financed", D("400.00"),
                                                             D("400.00"))
    assert balance(db, "1").balance == 40000
    assert entries(db, EntryKind.SHORT_PAY) == []
    with db.read() as work:  # each step is in the load's history, with why
        reasons = work.execute(select(StatusHistory.from_status, StatusHistory.to_status,
                                      StatusHistory.reason)
                               .join(Load, Load.id == StatusHistory.load_id)
                               .where(Load.load_number == "1")
                               .order_by(StatusHistory.id)).all()
    assert reasons[-1][:2] == ("Completed", "Financed")
    assert "Took back the short pay of $400.00" in reasons[-1][2]
    assert "closed the wrong load" in reasons[-1][2]
    # a charged-back load paid directly in full, then taken back: Charged back again
    charge_back(db, "2")
    desk.pay_load("2", D("1000.00"), "CHK-2")
    desk.take_back_payment("2", "the check bounced")
    assert desk.load_money("2").status == "Charged back"
    assert balance(db, "2").balance == 100000
    # and a partial one, which left it Charged back: the money goes, the status stays
    desk.pay_load("2", D("300.00"), "CHK-2c")
    desk.take_back_payment("2", "typed 300 for 30")
    assert (desk.load_money("2").status, balance(db, "2").balance) == ("Charged back",
                                                                      100000)


def test_only_the_clerks_last_entry_is_taken_back(db, financed, tmp_path):
    desk = Desk(db)
    imported = pay(db, tmp_path, "pay.csv", [
        {**payment_row("1", "900.00", ref="A-1"), "Short Pay Reason": "lumper"}])
    before = dump(db)
    for load, why in (("1", "came from import #"), ("3", "no close or direct payment")):
        with pytest.raises(InputRefused, match=why):
            desk.take_back_payment(load, "oops")
    with pytest.raises(InputRefused, match="reason"):
        desk.take_back_payment("3", "  ")
    assert dump(db) == before
    # the import's own short pay goes with its undo, not with a take back
    desk.undo_import(imported.import_id)
    assert desk.load_money("1").status == "Financed"


def test_the_loads_list_shows_a_load_paid_in_part(db, financed, tmp_path):
    pay(db, tmp_path, "pay.csv", [payment_row("1", "400.00", ref="A-1"),
                                  payment_row("2", "1000.00", ref="A-2")])
    shown = {ld.load_number: (ld.status_text, ld.open_cents)
             for ld in Desk(db).list_loads()}
    assert shown["1"] == ("Financed (partially paid)", 60000)
    assert shown["2"] == ("Completed", None)  # paid in full
    assert shown["3"] == ("Financed", None)  # nothing paid yet
    charge_back(db, "3")
    Desk(db).pay_load("3", D("250.00"), "CHK-3")
    assert {ld.load_number: ld.status_text for ld in Desk(db).list_loads()}["3"] == \
        "Charged back (partially paid)"
