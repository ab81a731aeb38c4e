"""Purchase reports after the first (#12): a later report needs only the invoices still open
in the batch, repeats that agree are already applied, ones that disagree are refused; the
factor's reason of a held or rejected invoice; a portal's footer row is skipped."""

from __future__ import annotations

import json

import pytest
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
    write_csv,
)

from factor_desk.domain.factor_reports import Outcome

REASON_HEADER = [*PURCHASE_HEADER, "Reason"]


def _first_report(db, batch, tmp_path):
    """Import #1: invoices 1 and 2 bought, 3 held (missing POD), 4 rejected."""
    rows = [purchase_row("1"), purchase_row("2"),
            purchase_row("3", Status="Held", Reason="missing signed POD"),
            purchase_row("4", Status="Rejected", Reason="debtor over limit",
                         **{"Purchase Date": ""})]
    return apply(db, "purchase", write_csv(tmp_path / "p1.csv", REASON_HEADER, rows), batch)


def test_a_second_report_buys_the_held_invoice_and_the_agreeing_repeats_are_already_applied(
        db, batch, tmp_path):
    first = _first_report(db, batch, tmp_path)
    # the portal's second report lists the whole batch again: 1 and 2 as before, 3 bought
    rows = [purchase_row("1"), purchase_row("2"), purchase_row("3"),
            purchase_row("4", Status="Rejected", Reason="debtor over limit",
                         **{"Purchase Date": ""})]
    path = write_csv(tmp_path / "p2.csv", REASON_HEADER, rows)
    p = preview(db, "purchase", path, batch)
    seen = outcomes(p)
    assert seen[2][0] == seen[3][0] == Outcome.ALREADY_APPLIED
    assert f"by import #{first.import_id}" in seen[2][1] and "no change" in seen[2][1]
    assert seen[4][0] == Outcome.APPLIES
    assert seen[5][0] == Outcome.WARNING and "debtor over limit" in seen[5][1]
    assert p.missing_invoices == []
    assert p.counts[Outcome.ALREADY_APPLIED.value] == 2
    assert p.totals["already_applied"] == 2
    assert p.totals["purchased"] == 1000  # only what this report buys
    result = apply(db, "purchase", path, batch)  # no --allow-missing needed
    assert result.rows_applied == 2  # 3 bought, 4 rejected again
    assert statuses(db) == {"1": "Financed", "2": "Financed", "3": "Financed",
                            "4": "Invoiced", "9": "Queued"}


def test_missing_counts_only_the_invoices_still_invoiced(db, batch, tmp_path):
    _first_report(db, batch, tmp_path)
    path = write_csv(tmp_path / "p2.csv", PURCHASE_HEADER, [purchase_row("3")])
    assert preview(db, "purchase", path, batch).missing_invoices == ["4"]
    message = refused(db, "purchase", path, batch)
    assert "1 invoice(s) of batch ACME-0001 are not in the report: 4" in message
    apply(db, "purchase", path, batch, allow_missing=True)
    assert statuses(db)["3"] == "Financed"


@pytest.mark.parametrize("row, says", [
    (purchase_row("1", "1200.00"), "purchased for $1,200.00"),
    (purchase_row("1", Status="Held"), "held"),
    (purchase_row("1", Status="Rejected", **{"Purchase Date": ""}), "rejected"),
])
def test_a_repeat_that_disagrees_is_refused_naming_the_import(db, batch, tmp_path, row, says):
    first = _first_report(db, batch, tmp_path)
    path = write_csv(tmp_path / "p2.csv", PURCHASE_HEADER, [row, purchase_row("3"),
                                                            purchase_row("4")])
    seen = outcomes(preview(db, "purchase", path, batch))
    assert seen[2][0] == Outcome.ERROR
    assert f"was bought for $1,000.00 by import #{first.import_id}" in seen[2][1]
    assert f"this row says {says}" in seen[2][1]
    message = refused(db, "purchase", path, batch)
    assert f"import #{first.import_id}" in message


def test_reasons_show_in_loads_list_json(db, batch, tmp_path, cli):
    _first_report(db, batch, tmp_path)
    code, out, _ = cli("loads", "list", "--json")
    assert code == 0
    listed = {ld["load_number"]: ld for ld in json.loads(out)}
    assert list(listed["1"])[-2:] == ["factor_flag", "factor_reason"]
    assert list(listed["1"])[:-2] == [
        "load_number", "invoice_number", "subsidiary", "customer", "customer_mc",
        "po_number", "pickup_date", "pickup_location", "delivery_date", "delivery_location",
        "amount", "status", "invoicing_method", "documents", "missing_documents"]
    assert (listed["3"]["factor_flag"], listed["3"]["factor_reason"]) == (
        "held", "missing signed POD")
    assert (listed["4"]["factor_flag"], listed["4"]["factor_reason"]) == (
        "rejected", "debtor over limit")
    assert listed["1"]["factor_flag"] is None and listed["1"]["factor_reason"] is None
    # the eligible list keeps the keys, empty
    code, out, _ = cli("loads", "list", "--eligible", "--subsidiary", "Acme Freight", "--json")
    assert code == 0
    assert [(ld["load_number"], ld["factor_flag"]) for ld in json.loads(out)] == [("9", None)]
    # bought later: the flag goes
    apply(db, "purchase", write_csv(tmp_path / "p2.csv", PURCHASE_HEADER, [purchase_row("3")]),
          batch, allow_missing=True)
    code, out, _ = cli("loads", "list", "--json")
    listed = {ld["load_number"]: ld for ld in json.loads(out)}
    assert listed["3"]["factor_flag"] is None and listed["3"]["status"] == "Financed"


@pytest.mark.parametrize("column", ["Reason", "Notes", "Comments"])
def test_the_reason_column_goes_by_several_names(db, batch, tmp_path, cli, column):
    rows = [purchase_row("1"), purchase_row("2"), purchase_row("3"),
            purchase_row("4", Status="Held", **{column: "rate con unsigned"})]
    path = write_csv(tmp_path / "p.csv", [*PURCHASE_HEADER, column], rows)
    assert "rate con unsigned" in outcomes(preview(db, "purchase", path, batch))[5][1]
    apply(db, "purchase", path, batch)
    code, out, _ = cli("loads", "list", "--status", "Invoiced", "--json")
    assert [(ld["load_number"], ld["factor_flag"], ld["factor_reason"])
            for ld in json.loads(out)] == [("4", "held", "rate con unsigned")]


@pytest.mark.parametrize("footer", [
    {"Invoice Number": "Total", "Invoice Amount": "4000.00"},
    {"Invoice Number": "Grand total", "Invoice Amount": "4000.00"},
    {"Debtor": "Totals", "Invoice Amount": "4000.00"},
    {"Invoice Number": "TOTAL"},  # no amount at all
    {"Invoice Amount": "4000.00", "Advance Amount": "3900.00", "Fee Amount": "100.00"},
])
def test_a_footer_row_of_a_purchase_report_is_skipped_with_a_warning(db, batch, tmp_path,
                                                                    footer):
    rows = [purchase_row(n) for n in ("1", "2", "3", "4")] + [footer]
    path = write_csv(tmp_path / "p.csv", PURCHASE_HEADER, rows)
    p = preview(db, "purchase", path, batch)
    outcome, why = outcomes(p)[6]
    assert outcome == Outcome.WARNING and "footer row" in why and "skipped" in why
    assert p.totals["purchased"] == 4000
    result = apply(db, "purchase", path, batch)
    assert result.rows_applied == 4
    assert set(statuses(db).values()) == {"Financed", "Queued"}


@pytest.mark.parametrize("footer", [
    {"Invoice Number": "Total", "Invoice Amount": "3999.00"},
    {"Invoice Amount": "3999.00"},
])
def test_a_row_that_only_looks_like_a_footer_is_still_refused(db, batch, tmp_path, footer):
    rows = [purchase_row(n) for n in ("1", "2", "3", "4")] + [footer]
    path = write_csv(tmp_path / "p.csv", PURCHASE_HEADER, rows)
    assert outcomes(preview(db, "purchase", path, batch))[6][0] == Outcome.ERROR
    refused(db, "purchase", path, batch)


def test_a_footer_row_of_a_payment_report_is_skipped_with_a_warning(db, batch, tmp_path):
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in ("1", "2", "3", "4")]), batch)
    rows = [payment_row("1"), payment_row("2", "950.00"),
            {"Invoice Number": "Grand Total", "Amount Paid": "1950.00"}]
    path = write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, rows)
    p = preview(db, "payments", path)
    assert outcomes(p)[4][0] == Outcome.WARNING and "footer row" in outcomes(p)[4][1]
    assert p.totals["paid"] == 1950
    result = apply(db, "payments", path)
    assert result.rows_applied == 2
    # a payment below the balance is a partial payment now (#13)
    assert (statuses(db)["1"], statuses(db)["2"]) == ("Completed", "Financed")
    bad = write_csv(tmp_path / "pay2.csv", PAYMENT_HEADER,
                    [payment_row("3"), {"Amount Paid": "999.00"}])
    assert outcomes(preview(db, "payments", bad))[3][0] == Outcome.ERROR
