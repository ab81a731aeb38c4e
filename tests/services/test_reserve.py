"""The factor's reserve report (issue #13): releases, chargebacks, fees and adjustments;
preview, all-or-nothing apply, no double count, undo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import dump
from sqlalchemy import select
from test_reports import (
    PURCHASE_HEADER,
    apply,
    outcomes,
    preview,
    purchase_row,
    refused,
    statuses,
    undo,
    write_csv,
)

from factor_desk.db.models import LedgerEntry, Load
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.services import company, reports
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.ledger import reserve_figures
from factor_desk.services.lifecycle import move_loads

RESERVE_HEADER = ["Date", "Type", "Invoice Number", "Amount", "Reference"]


def reserve_row(kind: str, amount: str, invoice: str = "", ref: str | None = None,
                date: str = "01/15/2027") -> dict:
    return {"Date": date, "Type": kind, "Invoice Number": invoice, "Amount": amount,
            "Reference": ref if ref is not None else f"{kind[:3].upper()}-{invoice}{amount}"}


@pytest.fixture
def bought(db, batch, tmp_path):
    """Batch ACME-0001 bought with a 10% reserve (87.5% advance, 2.5% fee): loads 1-4
    Financed, $400.00 held."""
    Desk(db).set_factor_terms("Capital Depot", advance=Decimal("87.5"), reserve=Decimal(10),
                              recourse_days=90)
    apply(db, "purchase", write_csv(tmp_path / "purchase.csv", PURCHASE_HEADER, [
        purchase_row(n, **{"Advance Amount": "875.00", "Reserve Amount": "100.00"})
        for n in "1234"]), batch)
    return batch


def purchase_import(db) -> int:
    return next(h.id for h in Desk(db).import_history() if h.kind == "purchase")


def reserve_file(tmp_path, rows, name="reserve.csv", header=RESERVE_HEADER):
    return write_csv(tmp_path / name, header, rows)


def held(db) -> tuple[int, int, int, int, int, int]:
    with db.read() as work:
        r = reserve_figures(work)
    return r.reserve, r.released, r.charged_back, r.fees, r.adjustments, r.held


def history_of(db, load_number):
    return [(h.from_status, h.to_status) for h in Desk(db).load_history(load_number)]


def test_the_template_is_shipped_and_reads_back(db, bought, tmp_path):
    from importlib.resources import files

    shipped = files("factor_desk.resources").joinpath("templates/Reserve_Report.csv")
    text = shipped.read_text(encoding="utf-8")
    assert text.splitlines() == reports.report_template("reserve").splitlines()
    assert text.splitlines()[0] == "Date,Type,Invoice Number,Amount,Reference"


def test_a_reserve_report_applies_every_movement_and_charges_back_a_financed_load(
        db, bought, tmp_path):
    path = reserve_file(tmp_path, [
        reserve_row("Chargeback", "1000.00", "1", "CB-1"),
        reserve_row("Reserve Release", "150.00", "", "REL-1"),
        reserve_row("fee", "5.00", "2", "FEE-1"),
        reserve_row("Adjustment", "(2.50)", "", "ADJ-1"),
        reserve_row("adjustment", "7.25", "", ""),
    ])
    before = dump(db)
    p = preview(db, "reserve", path)
    assert dump(db) == before  # a preview changes nothing
    found = outcomes(p)
    assert found[2] == ("applies", "")
    assert [found[n][0] for n in (3, 4, 5)] == ["applies"] * 3
    assert found[6] == ("warning", "no reference: the same movement in another file could "
                                   "not be recognised")
    assert {k: str(v) for k, v in p.totals.items()} == {
        "released": "150.00", "charged_back": "1000.00", "fees": "5.00",
        "adjustments": "4.75", "rows": "5", "chargebacks": "1"}
    assert held(db) == (40000, 0, 0, 0, 0, 40000)
    result = apply(db, "reserve", path)
    assert result.rows_applied == 5
    assert statuses(db)["1"] == BillingStatus.CHARGED_BACK
    assert statuses(db)["2"] == BillingStatus.FINANCED
    assert history_of(db, "1")[-1] == ("Financed", "Charged back")
    assert held(db) == (40000, 15000, 100000, 500, 475, 40000 - 15000 - 100000 - 500 + 475)
    with db.read() as work:
        entries = work.execute(select(LedgerEntry.kind, LedgerEntry.amount_cents,
                                      LedgerEntry.import_id, LedgerEntry.row_number,
                                      LedgerEntry.factoring_company_id)
                               .order_by(LedgerEntry.row_number)).all()
    assert [(k, c, r) for k, c, _, r, _ in entries] == [
        ("chargeback", 100000, 2), ("release", 15000, 3), ("fee", 500, 4),
        ("adjustment", -250, 5), ("adjustment", 725, 6)]
    assert {(i, f) for _, _, i, _, f in entries} == {(result.import_id, 1)}
    info = Desk(db).import_history()[0]
    assert (info.kind, info.rows_applied) == ("reserve", 5)


def test_bad_rows_are_errors_that_say_why_and_nothing_applies(db, bought, tmp_path):
    Desk(db).undo_import(purchase_import(db))  # loads back to Invoiced
    apply(db, "purchase", write_csv(tmp_path / "p2.csv", PURCHASE_HEADER, [
        purchase_row(n) for n in "123"]), bought, allow_missing=True)
    with db.write() as work:  # load 3 paid (Completed)
        move_loads(work, [(work.execute(select(Load.id).where(Load.load_number == "3"))
                           .scalar_one(), "3")], BillingStatus.FINANCED,
                   BillingStatus.COMPLETED, by="t", reason="paid")
    path = reserve_file(tmp_path, [
        reserve_row("chargeback", "1000.00", "4", "CB-4"),  # Invoiced
        reserve_row("chargeback", "1000.00", "3", "CB-3"),  # Completed
        reserve_row("chargeback", "1000.00", "", "CB-X"),  # no invoice
        reserve_row("chargeback", "900.00", "1", "CB-1"),  # applies, with a warning
        reserve_row("chargeback", "1000.00", "1", "CB-1b"),  # twice
        reserve_row("release", "-50.00", "", "REL-1"),
        reserve_row("adjustment", "0", "", "ADJ-0"),
        reserve_row("rebate", "10.00", "", "REL-2"),
        reserve_row("release", "10.00", "", "REL-2"),  # the same reference twice
        reserve_row("bonus", "10.00", "", "B-1"),
        reserve_row("fee", "abc", "2", "FEE-1"),
        reserve_row("fee", "1.00", "77", "FEE-2"),
        {"Date": "", "Type": "fee", "Amount": "1.00", "Reference": "FEE-3"},
    ])
    p = preview(db, "reserve", path)
    found = outcomes(p)
    assert found[2] == ("error", "load 4 is Invoiced, not Financed: only an invoice the "
                                 "factor bought and has not been paid can be charged back")
    assert found[3][1].startswith("load 3 is Completed, not Financed")
    assert found[4] == ("error", "a chargeback names the invoice it takes back: the Invoice "
                                 "Number is empty")
    assert found[5] == ("warning", "the chargeback of $900.00 is not the invoice's open "
                                   "balance $1,000.00")
    assert found[6] == ("error", "invoice 1 is charged back twice in the file (also row 5)")
    assert found[7] == ("error", "Amount: a release is more than zero, found -$50.00 (an "
                                 "adjustment may be negative)")
    assert found[8] == ("error", "Amount: an adjustment of $0.00 changes nothing")
    assert found[9][0] == "applies"
    assert found[10] == ("error", "reference REL-2 is in the file twice as a release (also "
                                  "row 9)")
    assert found[11] == ("error", "Type: expected release, chargeback, fee or adjustment, "
                                  "found 'bonus'")
    assert found[12][0] == "error" and found[12][1].startswith("Amount: expected an amount")
    assert found[13] == ("error", "unknown invoice 77: no batch sent it")
    assert found[14] == ("error", "Date: the date is empty")
    message = refused(db, "reserve", path)
    assert "was not applied: 11 problem(s); nothing was changed" in message


def test_the_same_file_and_the_same_reference_are_never_counted_twice(db, bought, tmp_path):
    first = reserve_file(tmp_path, [reserve_row("release", "150.00", "", "REL-1"),
                                    reserve_row("chargeback", "1000.00", "1", "CB-1")])
    imported = apply(db, "reserve", first)
    message = refused(db, "reserve", first)
    assert f"already imported as import #{imported.import_id}" in message
    # a later report repeating the movements: already applied, and what is new applies
    again = reserve_file(tmp_path, [reserve_row("release", "150.00", "", "REL-1"),
                                    reserve_row("chargeback", "1000.00", "1", "CB-1"),
                                    reserve_row("release", "50.00", "", "REL-2")],
                         name="again.csv")
    p = preview(db, "reserve", again)
    found = outcomes(p)
    assert found[2] == ("already_applied", f"release REL-1 of $150.00 was applied by import "
                                           f"#{imported.import_id} on "
                                           f"{Desk(db).import_history()[0].imported_at:%m/%d/%Y}"
                                           "; already applied, no change")
    assert found[3][0] == "already_applied"
    assert found[4] == ("applies", "")
    result = apply(db, "reserve", again)
    assert result.rows_applied == 1
    assert held(db)[1] == 20000  # released 150 + 50, not 350
    # the same reference with another amount is an error
    other = reserve_file(tmp_path, [reserve_row("release", "151.00", "", "REL-1")],
                         name="other.csv")
    assert outcomes(preview(db, "reserve", other))[2] == (
        "error", f"reference REL-1 was applied as a release of $150.00 by import "
                 f"#{imported.import_id} on "
                 f"{Desk(db).import_history()[-1].imported_at:%m/%d/%Y}; this row says "
                 "otherwise")


def test_undo_takes_the_entries_away_and_gives_the_load_back_to_the_factor(
        db, bought, tmp_path):
    before = held(db)
    imported = apply(db, "reserve", reserve_file(tmp_path, [
        reserve_row("chargeback", "1000.00", "1", "CB-1"),
        reserve_row("release", "150.00", "", "REL-1")]))
    result = undo(db, imported.import_id)
    assert (result.kind, result.loads_moved_back, result.records_removed) == (
        "reserve", 1, 2)
    assert statuses(db)["1"] == BillingStatus.FINANCED
    assert history_of(db, "1")[-2:] == [("Financed", "Charged back"),
                                        ("Charged back", "Financed")]
    assert held(db) == before
    with pytest.raises(InputRefused, match="already undone"):
        undo(db, imported.import_id)
    # undone, the same file applies again
    again = apply(db, "reserve", tmp_path / "reserve.csv")
    assert statuses(db)["1"] == BillingStatus.CHARGED_BACK
    # a purchase report cannot be undone under the reserve report that names its invoices
    with pytest.raises(InputRefused, match=f"import #{again.import_id} recorded a "
                                           "chargeback for load 1"):
        undo(db, purchase_import(db))


def test_undo_is_refused_when_a_charged_back_load_has_moved_on(db, bought, tmp_path):
    imported = apply(db, "reserve", reserve_file(tmp_path, [
        reserve_row("chargeback", "1000.00", "2", "CB-2")]))
    with db.write() as work:  # the debtor paid the carrier directly (loads pay)
        move_loads(work, [(work.execute(select(Load.id).where(Load.load_number == "2"))
                           .scalar_one(), "2")], BillingStatus.CHARGED_BACK,
                   BillingStatus.COMPLETED, by="t", reason="paid directly", exception=True)
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        undo(db, imported.import_id)
    assert "load 2 is Completed" in str(err.value)
    assert dump(db) == before


def test_undo_is_refused_when_the_carrier_was_paid_in_part_after_the_chargeback(
        db, bought, tmp_path):
    """The load is still Charged back, but the debtor's direct payment stands on the
    chargeback: giving the invoice back to the factor would leave a direct payment on a
    Financed load."""
    imported = apply(db, "reserve", reserve_file(tmp_path, [
        reserve_row("chargeback", "1000.00", "2", "CB-2")]))
    Desk(db).pay_load("2", Decimal("400.00"), "CHK-9")
    assert statuses(db)["2"] == BillingStatus.CHARGED_BACK
    before = dump(db)
    with pytest.raises(InputRefused, match="recorded a direct payment for load 2"):
        undo(db, imported.import_id)
    assert dump(db) == before


def test_rows_without_an_invoice_need_the_factor_when_there_are_several(
        db, bought, tmp_path):
    with db.write() as work:
        company.add_factoring_company(work, "RTS Financial", fee_percent="3")
    path = reserve_file(tmp_path, [reserve_row("fee", "5.00", "2", "FEE-1"),
                                   reserve_row("release", "150.00", "", "REL-1")])
    with pytest.raises(InputRefused) as err:
        preview(db, "reserve", path)
    assert str(err.value) == (
        "reserve.csv: row 3 names no invoice, and there are 2 factoring companies (Capital "
        "Depot, RTS Financial): say whose reserve report this is (reports reserve FILE "
        "--factor NAME; in the window, choose the factor).")
    p = run_preview(db, path, factor="capital depot")
    assert [r.outcome for r in p.rows] == ["applies", "applies"]
    wrong = run_preview(db, path, factor="RTS Financial")
    assert outcomes(wrong)[2] == ("error", "invoice 2 was factored with Capital Depot (batch "
                                           "ACME-0001), not with RTS Financial")
    with pytest.raises(InputRefused, match="No factoring company named 'Apex'"):
        run_preview(db, path, factor="Apex")
    applied = run_apply(db, path, factor="Capital Depot")
    assert applied.rows_applied == 2
    assert held(db)[1] == 15000
    with db.read() as work:
        rts = reserve_figures(work, 2)
    assert (rts.released, rts.fees) == (0, 0)


def test_portal_spellings_and_a_total_footer(db, bought, tmp_path):
    header = ["Transaction Date", "Transaction Type", "Invoice #", "Amt", "Ref #", "Memo"]
    rows = [{"Transaction Date": "2027-01-15", "Transaction Type": "Charge-back",
             "Invoice #": "1", "Amt": "$1,000.00", "Ref #": "CB-1", "Memo": "debtor closed"},
            {"Transaction Date": "2027-01-31", "Transaction Type": "Released",
             "Amt": "1000.00", "Ref #": "REL-9"},  # equal to the rows above: not a footer
            {"Transaction Type": "Total", "Amt": "2000.00"}]
    path = write_csv(tmp_path / "activity.csv", header, rows)
    assert Desk.report_kind(path) == "reserve"
    p = preview(db, "reserve", path)
    assert [r.outcome for r in p.rows] == ["applies", "applies", "warning"]
    assert p.rows[2].reasons == ["a footer row (Total) of $2,000.00: skipped"]
    apply(db, "reserve", path)
    with db.read() as work:
        assert work.execute(select(LedgerEntry.reason).where(
            LedgerEntry.kind == "chargeback")).scalar_one() == "debtor closed"


def run_preview(db, path, **kw):
    return run_to_end(Desk(db).preview_report("reserve", path, **kw))


def run_apply(db, path, **kw):
    return run_to_end(Desk(db).apply_report("reserve", path, **kw))


def test_the_same_reference_applied_by_two_clerks_at_once_counts_once(
        db, bought, tmp_path, monkeypatch):
    """The loser passed its checks before the winner committed; the unique index on (kind,
    reference) stops its write, and it is checked again and refused, naming the winner's
    import. (SQLite takes the write lock before checking: no race.)"""
    import threading

    if db.location.is_sqlite:
        pytest.skip("SQLite serialises the check and the write (BEGIN IMMEDIATE)")
    first = reserve_file(tmp_path, [reserve_row("release", "150.00", "", "REL-9")],
                         name="first.csv")
    late = reserve_file(tmp_path, [reserve_row("release", "160.00", "", "REL-9")],
                        name="late.csv")
    from factor_desk.services.reports import upload

    real = upload.refusals
    checked, winner_done = threading.Event(), threading.Event()
    calls = []

    def held_after_the_check(preview, allow_missing):
        problems = real(preview, allow_missing)
        if preview.file_name != "late.csv":
            return problems
        calls.append(problems)
        if len(calls) == 1:
            checked.set()
            assert winner_done.wait(60)
        return problems

    monkeypatch.setattr(upload, "refusals", held_after_the_check)
    before = held(db)
    outcome: list = []

    def loser():
        try:
            outcome.append(run_apply(db, late))
        except InputRefused as exc:
            outcome.append(exc)

    thread = threading.Thread(target=loser)
    thread.start()
    assert checked.wait(60)
    winner = run_apply(db, first)
    winner_done.set()
    thread.join(60)
    assert len(calls) == 2 and calls[0] == [], "checked again after the database refused"
    (error,) = outcome
    assert isinstance(error, InputRefused), error
    assert "at the same moment" in str(error) and f"import #{winner.import_id}" in str(error)
    assert held(db)[1] == before[1] + 15000


def test_undo_is_refused_after_a_partial_direct_payment_of_a_charged_back_load(
        db, bought, tmp_path):
    """A direct payment short of the balance leaves the load Charged back; undoing the
    chargeback would hand the factor a load the debtor has partly paid the carrier."""
    imported = apply(db, "reserve", reserve_file(tmp_path, [
        reserve_row("chargeback", "1000.00", "3", "CB-3")]))
    Desk(db).pay_load("3", Decimal("400.00"), "CHK-3")
    assert statuses(db)["3"] == BillingStatus.CHARGED_BACK
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        undo(db, imported.import_id)
    assert "recorded a direct payment for load 3" in str(err.value)
    assert dump(db) == before
