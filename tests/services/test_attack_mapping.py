"""Attacks on #14's column mappings: a mapping saved for one factor must not silently read
another factor's file (amounts from the wrong column)."""

from __future__ import annotations

import pytest
from helpers import dump, write_csv_file
from test_reports import PURCHASE_HEADER, purchase_row, write_csv

from factor_desk.domain.errors import InputRefused
from factor_desk.services import company
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.reports import ColumnsNotPlaced

PAY_HEADER = ["Invoice Number", "Payment Date", "Total", "Amount Paid"]


def _rts_mapping(db):
    with db.write() as work:
        company.add_factoring_company(work, "RTS Financial", remit_to="RTS, Box 1")
    # RTS's payments portal: "Total" is what was paid
    Desk(db).save_mapping("RTS Financial", "payments", {
        "invoice_number": "Invoice Number", "payment_date": "Payment Date",
        "amount_paid": "Total"})


@pytest.fixture
def financed(db, batch, tmp_path):
    rows = [purchase_row(n) for n in "1234"]
    run_to_end(Desk(db).apply_report("purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                                           rows), batch=batch))
    return db


def test_another_factors_mapping_does_not_read_this_factors_payments(db, financed, tmp_path):
    """Capital Depot's payment file has "Total" (the invoice's total) and "Amount Paid";
    RTS's saved mapping fits its headers. Applying it without naming a factor must not pay
    $1,000.00 from "Total": the invoices are Capital Depot's."""
    _rts_mapping(db)
    path = write_csv_file(tmp_path / "cd.csv", [
        PAY_HEADER, ["1", "12/28/2026", "1000.00", "600.00"]])
    before = dump(db)
    for run in (Desk(db).preview_report, Desk(db).apply_report):
        with pytest.raises(InputRefused, match="mapping saved for RTS Financial") as refused:
            run_to_end(run("payments", path))
        assert "Capital Depot" in str(refused.value) and "--factor" in str(refused.value)
        # a ColumnsNotPlaced: the window opens the assistant, the file as read without it
        assert isinstance(refused.value, ColumnsNotPlaced)
        assert refused.value.look.placed["amount_paid"] == "Amount Paid"
    assert dump(db) == before
    # naming the factor reads it by Capital Depot's columns: $600.00 paid
    shown = run_to_end(Desk(db).preview_report("payments", path, factor="Capital Depot"))
    assert shown.mapping_note == "" and shown.totals["paid"] == 600


def test_a_mapping_naming_a_header_the_file_has_twice_is_refused(db, financed, tmp_path):
    """A portal's file with two columns called "Amount" (the invoice's, then the amount
    paid): a mapping amount_paid=Amount cannot say which; reading the first silently paid
    the invoice's total."""
    path = write_csv_file(tmp_path / "two.csv", [
        ["Inv", "Paid On", "Amount", "Amount"], ["1", "12/28/2026", "1000.00", "600.00"]])
    mapping = {"invoice_number": "Inv", "payment_date": "Paid On", "amount_paid": "Amount"}
    before = dump(db)
    for run in (Desk(db).preview_report, Desk(db).apply_report):
        with pytest.raises(InputRefused, match="'Amount'.*twice|twice.*'Amount'"):
            run_to_end(run("payments", path, mapping=mapping))
    assert dump(db) == before


def test_two_clerks_saving_a_factors_mapping_at_once_both_succeed(db, financed, tmp_path):
    """PostgreSQL: one clerk saves Capital Depot's payments mapping while another applies a
    payments file with --map (which saves it too): the second waits, its payments apply and
    its mapping replaces the first; no raw IntegrityError reaches the clerk."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing interleaves")
    from test_attack_races import _while_held

    from factor_desk.services.factors import find_factor
    from factor_desk.services.reports import columns as report_columns
    from factor_desk.services.reports import mapping as mappings

    path = write_csv_file(tmp_path / "pay.csv", [
        ["Inv", "Paid On", "Paid"], ["1", "12/28/2026", "1000.00"]])
    mine = {"invoice_number": "Inv", "payment_date": "Paid On", "amount_paid": "Paid"}
    theirs = {"invoice_number": "X", "payment_date": "Y", "amount_paid": "Z"}

    def hold(work):
        mappings.save_mapping(work, find_factor(work, "Capital Depot"),
                              report_columns.report_fields_of("payments"), theirs, "other")

    result = _while_held(db, hold, lambda: run_to_end(
        Desk(db).apply_report("payments", path, mapping=mine)))
    assert not isinstance(result, Exception), repr(result)
    assert result.rows_applied == 1
    assert Desk(db).saved_mapping("Capital Depot", "payments").columns == mine


@pytest.mark.parametrize("kept", [["Inv", "Paid"], {"invoice_number": 7, "amount_paid": None},
                                  "invoice_number=Inv"])
def test_a_saved_mapping_broken_by_hand_is_a_clerks_message(db, financed, tmp_path, kept):
    """A mapping edited by hand in the database to something that is no mapping: the
    upload is refused naming the factor and how to set it again, not a traceback."""
    from sqlalchemy import update

    from factor_desk.db.models import ColumnMapping

    Desk(db).save_mapping("Capital Depot", "payments", {
        "invoice_number": "Inv", "payment_date": "Paid On", "amount_paid": "Paid"})
    with db.write() as work:
        work.execute(update(ColumnMapping).values(columns=kept))
    path = write_csv_file(tmp_path / "pay.csv", [
        ["Inv", "Paid On", "Paid"], ["1", "12/28/2026", "600.00"]])
    for call in (lambda: run_to_end(Desk(db).preview_report("payments", path)),
                 lambda: Desk(db).saved_mapping("Capital Depot", "payments")):
        with pytest.raises(InputRefused, match="mapping saved for Capital Depot.*factors "
                                               "mapping"):
            call()
    assert Desk(db).forget_mapping("Capital Depot", "payments") is True
    assert run_to_end(Desk(db).preview_report("payments", path, mapping={
        "invoice_number": "Inv", "payment_date": "Paid On", "amount_paid": "Paid"})
    ).totals["paid"] == 600


def test_a_column_titled_as_the_template_wins_over_a_looser_spelling(db, financed, tmp_path):
    """No mapping: a payment file with "Amount" (the invoice's) before "Amount Paid". The
    template's own title says which column is the amount paid; "Amount" is only one of its
    other spellings."""
    path = write_csv_file(tmp_path / "pay.csv", [
        ["Invoice Number", "Payment Date", "Amount", "Amount Paid"],
        ["1", "12/28/2026", "1000.00", "600.00"]])
    shown = run_to_end(Desk(db).preview_report("payments", path))
    assert shown.totals["paid"] == 600
    assert Desk(db).look_at_report("payments", path).placed["amount_paid"] == "Amount Paid"


def test_a_file_with_the_amount_paid_column_twice_is_refused(db, financed, tmp_path):
    """No mapping: a portal's export with two columns titled "Amount Paid" (say this
    payment and the total paid to date). Reading the first one silently is a guess."""
    path = write_csv_file(tmp_path / "pay.csv", [
        ["Invoice Number", "Payment Date", "Amount Paid", "Amount Paid"],
        ["1", "12/28/2026", "1000.00", "600.00"]])
    before = dump(db)
    for run in (Desk(db).preview_report, Desk(db).apply_report):
        with pytest.raises(InputRefused, match="'Amount Paid' twice"):
            run_to_end(run("payments", path))
    assert dump(db) == before
