"""Column mappings of the factor's files (issue #14): --map parsed, a file's columns placed
by the mapping given, else the factor's saved mapping that fits, else the usual spellings;
a file that cannot be placed is refused naming its headers and the fields missing; the
saved mappings per factor and kind (save replaces, forget), saved by applying."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import dump, write_csv_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.services import company
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.reports import ColumnsNotPlaced
from factor_desk.services.reports.mapping import parse_map

# A portal's purchase report whose headers the usual spellings do not place.
ODD = ["Bill No", "Face Val", "Funded On", "Adv $", "Disc $", "Schedule"]
ODD_MAP = {"invoice_number": "Bill No", "invoice_amount": "Face Val",
           "purchase_date": "Funded On", "advance_amount": "Adv $", "fee_amount": "Disc $"}


def odd_purchase(path, numbers=("1", "2", "3", "4"), header=ODD):
    return write_csv_file(path, [header, *([n, "1000.00", "11/28/2026", "975.00", "25.00",
                                            "ACME-0001"] for n in numbers)])


def preview(db, kind, path, **kw):
    return run_to_end(Desk(db).preview_report(kind, path, **kw))


def apply(db, kind, path, **kw):
    return run_to_end(Desk(db).apply_report(kind, path, **kw))


# ------------------------------------------------------------------ --map


@pytest.mark.parametrize(("text", "expected"), [
    ("invoice_number=Bill No,invoice_amount=Face Value",
     {"invoice_number": "Bill No", "invoice_amount": "Face Value"}),
    (" invoice_number = Bill No , amount_paid=Paid ",
     {"invoice_number": "Bill No", "amount_paid": "Paid"}),
    ('reference_number="Ref, ACH",note="a=b"',
     {"reference_number": "Ref, ACH", "note": "a=b"}),
    ('"reference_number=Ref, ACH"', {"reference_number": "Ref, ACH"}),
    ('note="the ""memo"" column"', {"note": 'the "memo" column'}),
    ("Invoice-Number=Inv,", {"invoice_number": "Inv"}),
])
def test_map_is_read_like_a_csv_line(text, expected):
    assert parse_map(text) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("invoice_number=Inv,invoice_number=Invoice", "gives the field invoice_number twice"),
    ("invoice_number", "is not FIELD=COLUMN"),
    ("invoice_number=", "is not FIELD=COLUMN"),
    ('note="open', "a quote is not closed"),
    (" , ", "--map is empty"),
])
def test_a_bad_map_is_refused_saying_why(text, why):
    with pytest.raises(InputRefused, match=why):
        parse_map(text)


def test_the_fields_are_the_templates_titles_in_snake_case():
    purchase = Desk.report_fields("purchase")
    assert [f.name for f in purchase] == [
        "invoice_number", "load_number", "batch_number", "debtor", "invoice_amount",
        "purchase_date", "advance_amount", "fee_amount", "reserve_amount", "status", "reason"]
    by_name = {f.name: f for f in purchase}
    assert by_name["advance_amount"].title == "Advance Amount"
    assert by_name["invoice_amount"].required and not by_name["advance_amount"].required
    assert (by_name["invoice_number"].one_of, by_name["load_number"].one_of) == ("id", "id")
    reserve = {f.name: f for f in Desk.report_fields("reserve")}
    assert {n for n, f in reserve.items() if f.required} == {"date", "type", "amount"}
    assert reserve["invoice_number"].one_of == ""  # a reserve row may name no invoice
    assert "payment_date" in [f.name for f in Desk.report_fields("payments")]
    assert "customer" in [f.name for f in Desk.report_fields("loads")]


# ------------------------------------------------------------------ placing


def test_a_file_that_cannot_be_placed_names_its_headers_and_the_fields_missing(
        db, batch, tmp_path):
    path = odd_purchase(tmp_path / "rts.csv")
    before = dump(db)
    with pytest.raises(ColumnsNotPlaced) as err:
        preview(db, "purchase", path, batch=batch)
    message = str(err.value)
    assert "does not look like a purchase report" in message
    assert "no column for 'Invoice Amount', 'Purchase Date', 'Invoice Number' or " \
           "'Load Number'" in message
    for header in ODD:
        assert f"'{header}'" in message
    assert '--map "invoice_amount=COLUMN,purchase_date=COLUMN,invoice_number=COLUMN"' \
        in message
    look = err.value.look
    assert look.headers == ODD and look.rows[0][:2] == ["1", "1000.00"]
    assert [f.name for f in look.missing] == [
        "invoice_amount", "purchase_date", "invoice_number", "load_number"]
    assert look.placed == {"batch_number": "Schedule"}  # the usual spelling
    assert dump(db) == before


def test_a_mapping_places_the_columns_and_the_usual_spellings_the_rest(db, batch, tmp_path):
    header = [*ODD, "Status"]
    path = write_csv_file(tmp_path / "rts.csv", [header, *(
        [n, "1000.00", "11/28/2026", "975.00", "25.00", "ACME-0001", "Purchased"]
        for n in ("1", "2", "3", "4"))])
    result = preview(db, "purchase", path, batch=batch, mapping=ODD_MAP)
    assert result.counts["applies"] == 4 and result.counts["error"] == 0
    assert result.totals["purchased"] == 4000 and result.totals["fee"] == 100
    assert result.mapping_note == ""  # given, not saved
    look = Desk(db).look_at_report("purchase", path, mapping=ODD_MAP)
    assert look.placed == {**ODD_MAP, "batch_number": "Schedule", "status": "Status"}
    assert look.missing == []


@pytest.mark.parametrize(("mapping", "why"), [
    ({"invoice_no": "Bill No"}, "'invoice_no' is not a field of a purchase file; its fields "
                               "are invoice_number, load_number, batch_number"),
    ({**ODD_MAP, "batch_number": "Batch"}, "the file has no column 'Batch'; its columns are "
                                           "'Bill No', 'Face Val'"),
    ({**ODD_MAP, "reason": "Face Val"}, "column 'Face Val' is given to both invoice_amount "
                                        "and reason"),
])
def test_a_bad_mapping_is_refused_and_changes_nothing(db, batch, tmp_path, mapping, why):
    path = odd_purchase(tmp_path / "rts.csv")
    before = dump(db)
    with pytest.raises(InputRefused, match=why):
        apply(db, "purchase", path, batch=batch, mapping=mapping)
    assert dump(db) == before


def test_headers_compare_as_the_usual_spellings_do(db, batch, tmp_path):
    path = odd_purchase(tmp_path / "rts.csv")
    loose = {"invoice_number": "BILL NO.", "invoice_amount": "face_val",
             "purchase_date": "Funded on"}
    result = preview(db, "purchase", path, batch=batch, mapping=loose)
    assert result.counts["applies"] == 4


# ------------------------------------------------------------------ saved mappings


def test_save_show_replace_and_forget(db, batch):
    desk = Desk(db)
    assert desk.saved_mapping("Capital Depot", "purchase") is None
    first = desk.save_mapping("capital depot", "purchase", ODD_MAP)
    assert (first.factor, first.kind, first.saved_by) == (
        "Capital Depot", "purchase", "test-clerk")
    assert first.columns == ODD_MAP
    assert first.note() == ("using the mapping saved for Capital Depot on "
                            f"{first.saved_at:%m/%d/%Y}")
    second = desk.save_mapping("Capital Depot", "purchase",
                               {**ODD_MAP, "invoice_number": "", "load_number": "Bill No"})
    shown = desk.saved_mapping("Capital Depot", "purchase")
    assert shown is not None and shown.columns == second.columns
    assert "invoice_number" not in shown.columns and shown.columns["load_number"] == "Bill No"
    assert desk.saved_mapping("Capital Depot", "payments") is None  # per kind
    assert desk.forget_mapping("Capital Depot", "purchase") is True
    assert desk.forget_mapping("Capital Depot", "purchase") is False
    assert desk.saved_mapping("Capital Depot", "purchase") is None


@pytest.mark.parametrize(("columns", "why"), [
    ({"invoice_number": "Bill No"}, "needs a column for invoice_amount, purchase_date"),
    ({"invoice_amount": "A", "purchase_date": "B"}, "invoice_number or load_number"),
    ({**ODD_MAP, "payment_date": "X"}, "not a field of a purchase file"),
    ({**ODD_MAP, "reason": "bill no"}, "given to both"),
])
def test_a_mapping_that_cannot_place_a_file_is_not_saved(db, batch, columns, why):
    before = dump(db)
    with pytest.raises(InputRefused, match=why):
        Desk(db).save_mapping("Capital Depot", "purchase", columns)
    with pytest.raises(NotFound, match="No factoring company named 'Nobody'"):
        Desk(db).save_mapping("Nobody", "purchase", ODD_MAP)
    assert dump(db) == before


def test_applying_with_a_mapping_saves_it_and_the_next_file_maps_itself(db, batch, tmp_path):
    path = odd_purchase(tmp_path / "rts.csv", numbers=("1", "2"))
    shown = preview(db, "purchase", path, batch=batch, mapping=ODD_MAP)
    assert shown.mapping_saved == "applying saves this mapping for Capital Depot " \
                                  "(purchase files)"
    result = apply(db, "purchase", path, batch=batch, mapping=ODD_MAP, allow_missing=True)
    assert result.rows_applied == 2
    assert result.preview.mapping_saved.startswith("the mapping was saved for Capital Depot")
    saved = Desk(db).saved_mapping("Capital Depot", "purchase")
    assert saved is not None and saved.columns == {**ODD_MAP, "batch_number": "Schedule"}
    today = dt.datetime.now(dt.UTC).strftime("%m/%d/%Y")

    second = odd_purchase(tmp_path / "rts2.csv", numbers=("3", "4"))
    again = preview(db, "purchase", second, batch=batch)
    assert again.mapping_note == f"using the mapping saved for Capital Depot on {today}"
    assert again.mapping_saved == "" and again.counts["applies"] == 2
    done = apply(db, "purchase", second, batch=batch)
    assert done.rows_applied == 2 and done.preview.mapping_note == again.mapping_note
    # no batch and no factor named: the one saved mapping that fits the file
    assert Desk(db).named_batches(second) == ["ACME-0001"]
    look = Desk(db).look_at_report("purchase", second)
    assert look.note == again.mapping_note and look.saved == saved
    assert Desk.report_kind(second) is None  # the usual spellings cannot tell
    assert Desk(db).saved_report_kind(second) == "purchase"


def test_a_mapping_for_this_file_only_is_applied_and_not_saved(db, batch, tmp_path):
    """The assistant's Remember unticked, the command line's --map-once: the file is read
    by the mapping, the factor's saved mapping stays as it was."""
    Desk(db).save_mapping("Capital Depot", "purchase", {**ODD_MAP, "batch_number": "Schedule"})
    before = Desk(db).saved_mapping("Capital Depot", "purchase")
    path = write_csv_file(tmp_path / "once.csv", [
        ["Inv", "Face", "Bought", "Adv", "Disc"],
        *([n, "1000.00", "11/28/2026", "975.00", "25.00"] for n in ("1", "2"))])
    once = {"invoice_number": "Inv", "invoice_amount": "Face", "purchase_date": "Bought",
            "advance_amount": "Adv", "fee_amount": "Disc"}
    shown = preview(db, "purchase", path, batch=batch, mapping=once, remember=False)
    assert shown.mapping_saved == "" and shown.counts["applies"] == 2
    result = apply(db, "purchase", path, batch=batch, mapping=once, remember=False,
                   allow_missing=True)
    assert result.rows_applied == 2 and result.preview.mapping_saved == ""
    assert Desk(db).saved_mapping("Capital Depot", "purchase") == before


def test_a_saved_mapping_that_does_not_fit_leaves_the_usual_spellings(db, batch, tmp_path):
    Desk(db).save_mapping("Capital Depot", "purchase", ODD_MAP)
    usual = write_csv_file(tmp_path / "usual.csv", [
        ["Invoice Number", "Invoice Amount", "Purchase Date", "Status"],
        *([n, "1000.00", "11/28/2026", "Purchased"] for n in ("1", "2", "3", "4"))])
    result = preview(db, "purchase", usual, batch=batch)
    assert result.counts["applies"] == 4 and result.mapping_note == ""
    look = Desk(db).look_at_report("purchase", usual, factor="Capital Depot")
    assert look.saved is not None and look.note == ""  # the factor's, not used


def test_several_fitting_mappings_of_different_factors_leave_the_usual_spellings(
        db, batch, tmp_path):
    with db.write() as work:
        company.add_factoring_company(work, "RTS Financial", remit_to="RTS, Box 1")
    desk = Desk(db)
    desk.save_mapping("Capital Depot", "purchase", ODD_MAP)
    desk.save_mapping("RTS Financial", "purchase", ODD_MAP)
    path = odd_purchase(tmp_path / "rts.csv")
    with pytest.raises(ColumnsNotPlaced):
        desk.named_batches(path)
    assert desk.named_batches(path, factor="RTS Financial") == ["ACME-0001"]
    # with a batch, its factor's: Capital Depot's
    assert preview(db, "purchase", path, batch=batch).mapping_note.startswith(
        "using the mapping saved for Capital Depot")


def test_a_loads_file_is_placed_by_a_map(db, batch, tmp_path):
    header = ["Pro #", "Bill To Name", "Amt"]
    path = write_csv_file(tmp_path / "tms.csv", [header, ["77", "Summit Brokerage", "900"]])
    with pytest.raises(ColumnsNotPlaced, match="no column for 'Load Number', 'Customer'"):
        Desk(db).check_loads_file(path, "Acme Freight")
    mapping = {"load_number": "Pro #", "customer": "Bill To Name", "total": "Amt"}
    result = Desk(db).import_loads(path, "Acme Freight", only_valid=False, mapping=mapping)
    assert result.imported == 1
    assert [ld.load_number for ld in Desk(db).loads() if ld.load_number == "77"] == ["77"]


# ------------------------------------------------------------------ property


_HEADERS = st.text(alphabet=st.characters(whitelist_categories=("L", "N", "Zs"),
                                          whitelist_characters=",=\"#$-"),
                   min_size=1, max_size=12).filter(lambda h: h.strip() == h and h.strip())


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_HEADERS, min_size=4, max_size=4, unique_by=lambda h: h.casefold()))
def test_renamed_headers_with_the_matching_map_preview_as_the_original(
        db, batch, tmp_path, names):
    from factor_desk.documents.tabular import normalise_header

    keys = [normalise_header(n) or n for n in names]
    if len(set(keys)) < len(keys):
        return  # two headers a clerk could not tell apart either
    header = ["Invoice Number", "Invoice Amount", "Purchase Date", "Status"]
    rows = [[n, "1000.00", "11/28/2026", "Purchased"] for n in ("1", "2", "3")]
    original = preview(db, "purchase", write_csv_file(tmp_path / "a.csv", [header, *rows]),
                       batch=batch)
    renamed = write_csv_file(tmp_path / "b.csv", [names, *rows])
    spec = Desk.map_text(dict(zip(
        ["invoice_number", "invoice_amount", "purchase_date", "status"], names,
        strict=True)))
    mapped = preview(db, "purchase", renamed, batch=batch, mapping=Desk.parse_map(spec))
    assert [(r.row, r.outcome, r.reasons, r.amount) for r in mapped.rows] == \
        [(r.row, r.outcome, r.reasons, r.amount) for r in original.rows]
    assert mapped.totals == original.totals
