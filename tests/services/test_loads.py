import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from helpers import LOAD_HEADER, dump, load_row, make_carrier, tiny_pdf, write_loads_csv

from factor_desk.db.models import Customer, Load
from factor_desk.domain.errors import InputRefused
from factor_desk.services import loads as loads_service
from factor_desk.services.loads import import_loads, list_loads


def _loads(db, **kw):
    with db.read() as s:
        return {ld.load_number: ld for ld in list_loads(s, **kw)}


def test_the_template_imports_as_it_is(db, tmp_path):
    make_carrier(db)
    path = tmp_path / "Loads.csv"
    path.write_text(loads_service.loads_template(), newline="", encoding="utf-8")
    result = import_loads(db, path, "Acme Freight")
    assert result.imported == 1
    ld = _loads(db)["10001"]
    assert (ld.status, ld.invoicing_method, ld.amount) == ("Queued", "Factoring",
                                                           Decimal("2550.00"))


def test_the_shipped_template_file_matches_the_service(tmp_path):
    from importlib.resources import files

    shipped = files("factor_desk.resources").joinpath("templates/Loads.csv").read_text(
        encoding="utf-8")
    assert shipped.splitlines() == loads_service.loads_template().splitlines()
    assert shipped.splitlines()[0] == ",".join(LOAD_HEADER)


def test_import_reads_excel_habits_and_defaults(db, tmp_path):
    make_carrier(db)
    header = ["Load #", "Customer Name", "MC", "PO #", "Pickup Date", "Delivery Date",
              "Linehaul", "Accessorials", "Total", "Unused column"]
    rows = [
        {"Load #": "A-1", "Customer Name": "Summit Brokerage", "MC": "MC-612044",
         "PO #": "77", "Pickup Date": "11/20/2026", "Delivery Date": "2026-11-22",
         "Linehaul": "$1,200.00", "Accessorials": "", "Total": "$1,350.50"},
        {"Load #": "A-2", "Customer Name": "Lone Star", "Linehaul": "900",
         "Accessorials": "100", "Total": ""},
    ]
    path = write_loads_csv(tmp_path / "tms.csv", rows, header, bom=True, delimiter=";")
    with path.open("ab") as fh:
        fh.write(b";;;;;;;;;\r\n\r\n")  # trailing empty rows
    result = import_loads(db, path, "ACME")
    assert (result.imported, result.rows_total, result.new_customers) == (
        2, 2, ["Lone Star", "Summit Brokerage"])
    got = _loads(db)
    assert got["A-1"].invoice_number == "A-1"  # defaults to the load number
    assert got["A-1"].pickup_date == dt.date(2026, 11, 20)
    assert got["A-1"].amount == Decimal("1350.50")
    assert got["A-2"].amount == Decimal("1000.00")
    with db.read() as s:
        a1 = s.query(Load).filter_by(load_number="A-1").one()
        assert (a1.linehaul_cents, a1.accessorials_cents, a1.total_cents) == (
            120000, 15050, 135050)
        assert [c.description for c in a1.charges] == ["Accessorials"]


def test_one_bad_row_changes_nothing_and_names_row_and_column(db, tmp_path):
    make_carrier(db)
    rows = [load_row("1"), load_row("2", Total="12,5x"), load_row("3")]
    path = write_loads_csv(tmp_path / "loads.csv", rows)
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        import_loads(db, path, "Acme Freight")
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("loads.csv", 3, "Total")
    assert "expected an amount" in problem.message
    assert "nothing was imported" in err.value.summary
    assert dump(db) == before


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"Load Number": ""}, "Load Number", "load number is empty"),
        ({"Customer": ""}, "Customer", "customer is empty"),
        ({"Pickup Date": "31/12/2026"}, "Pickup Date", "expected a date"),
        ({"Delivery Date": "2026-11-01"}, "Delivery Date", "before the pickup date"),
        ({"Total": "2500.00"}, "Total", "but the total is 2500.00"),
        ({"Linehaul": "-5", "Accessorials": "", "Total": ""}, "Linehaul", "zero or more"),
        ({"Linehaul": "", "Accessorials": "", "Total": ""}, "Total", "total is empty"),
        ({"Status": "Invoiced"}, "Status", "imported as Released or Queued"),
        ({"Status": "Paid"}, "Status", "expected one of"),
        ({"Invoicing Method": "Cash"}, "Invoicing Method", "Factoring or Direct"),
        ({"Load Number": "x" * 65}, "Load Number", "longer than 64 characters"),
    ],
)
def test_each_kind_of_bad_row_is_explained(db, tmp_path, overrides, column, message):
    make_carrier(db)
    path = write_loads_csv(tmp_path / "loads.csv", [load_row("1", **overrides)])
    result = import_loads(db, path, "Acme Freight", dry_run=True)
    assert [(p.row, p.column) for p in result.problems] == [(2, column)]
    assert message in result.problems[0].message
    assert _loads(db) == {}


def test_a_load_already_present_is_reported_never_duplicated_or_overwritten(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "a.csv", [load_row("1")]), "Acme Freight")
    before = dump(db)
    again = write_loads_csv(tmp_path / "b.csv", [load_row("1", Total="999.00", Linehaul="999",
                                                          Accessorials="0"), load_row("2")])
    with pytest.raises(InputRefused) as err:
        import_loads(db, again, "Acme Freight")
    assert "load 1 is already in Factor Desk" in str(err.value)
    assert dump(db) == before
    result = import_loads(db, again, "Acme Freight", only_valid=True)
    assert (result.imported, result.rows_bad) == (1, 1)
    got = _loads(db)
    assert set(got) == {"1", "2"} and got["1"].amount == Decimal("2550.00")


def test_duplicates_inside_the_file_are_reported_with_both_rows(db, tmp_path):
    make_carrier(db)
    path = write_loads_csv(tmp_path / "d.csv", [load_row("1"), load_row("2", **{
        "Invoice Number": "1"}), load_row("1")])
    result = import_loads(db, path, "Acme Freight", dry_run=True)
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "appears twice in the file (also row 2)" in messages[(4, "Load Number")]
    assert "invoice number 1 appears twice" in messages[(3, "Invoice Number")]


def test_dry_run_reports_and_changes_nothing(db, tmp_path):
    make_carrier(db)
    before = dump(db)
    path = write_loads_csv(tmp_path / "l.csv", [load_row("1"), load_row("2")])
    result = import_loads(db, path, "Acme Freight", dry_run=True)
    assert (result.rows_valid, result.imported, result.new_customers) == (
        2, 0, ["Summit Brokerage"])
    assert dump(db) == before


def test_invoicing_method_is_the_loads_else_the_customers_else_the_subsidiarys(db, tmp_path):
    make_carrier(db)
    with db.write() as s:
        s.add(Customer(name="Direct Payer", mc_number="MC-5", invoicing_method="Direct"))
    rows = [load_row("1"), load_row("2", Customer="Direct Payer", **{"Customer MC": "MC-5"}),
            load_row("3", Customer="Direct Payer", **{"Customer MC": "MC-5",
                                                      "Invoicing Method": "factoring"}),
            load_row("4", **{"Invoicing Method": "Direct"})]
    import_loads(db, write_loads_csv(tmp_path / "m.csv", rows), "Acme Freight")
    import_loads(db, write_loads_csv(tmp_path / "n.csv", [load_row("5", Customer="New Co",
                                                                   **{"Customer MC": ""})]),
                 "Beta Haulers")
    with db.write() as s:
        from factor_desk.services import company
        company.set_default_invoicing_method(s, "Beta Haulers", "Direct")
    got = _loads(db)
    assert {n: ld.invoicing_method for n, ld in got.items()} == {
        "1": "Factoring", "2": "Direct", "3": "Factoring", "4": "Direct", "5": "Direct"}
    with db.read() as s:
        eligible = loads_service.eligible_loads(s, "Acme Freight")
    assert [ld.load_number for ld in eligible] == ["1", "3"]
    assert eligible[0].missing_documents == ("rate_confirmation", "pod")


def test_customers_are_matched_by_mc_then_by_name(db, tmp_path):
    make_carrier(db)
    with db.write() as s:
        s.add(Customer(name="Summit Freight Brokerage", mc_number="MC 612044"))
    rows = [load_row("1", Customer="SUMMIT (typo)"),
            load_row("2", Customer="summit freight brokerage", **{"Customer MC": ""})]
    result = import_loads(db, write_loads_csv(tmp_path / "c.csv", rows), "Acme Freight")
    assert result.new_customers == []
    assert {ld.customer for ld in _loads(db).values()} == {"Summit Freight Brokerage"}


def test_xlsx_with_numbers_and_dates_as_excel_stores_them(db, tmp_path):
    make_carrier(db)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Load Number", "Customer", "Pickup Date", "Total"])
    ws.append([5001, "Summit", dt.datetime(2026, 11, 20), 2550.1])
    ws.append([5002, "Summit", 46346, 99])
    path = tmp_path / "loads.xlsx"
    wb.save(path)
    import_loads(db, path, "Acme Freight")
    got = _loads(db)
    assert got["5001"].amount == Decimal("2550.10")
    assert got["5001"].pickup_date == dt.date(2026, 11, 20)
    assert got["5002"].pickup_date == dt.date(2026, 11, 20)


def test_every_imported_load_has_a_history_row_naming_the_file(db, tmp_path):
    make_carrier(db)
    result = import_loads(db, write_loads_csv(tmp_path / "h.csv", [load_row("1")]),
                          "Acme Freight")
    with db.read() as s:
        (entry,) = loads_service.load_history(s, "1")
    assert (entry.from_status, entry.to_status, entry.by) == (None, "Queued", "test-clerk")
    assert entry.reason == f"Imported from h.csv (import #{result.import_id})"


def test_a_file_that_is_not_a_loads_file_says_what_is_missing(db, tmp_path):
    make_carrier(db)
    path = tmp_path / "x.csv"
    path.write_text("Name,Phone\nBob,555\n", encoding="utf-8")
    with pytest.raises(InputRefused, match="no column for 'Load Number', 'Customer'"):
        import_loads(db, path, "Acme Freight")


# ------------------------------------------------------------------ documents


def test_documents_are_copied_into_the_store_and_survive_the_original(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    pdf = tmp_path / "ratecon.pdf"
    pdf.write_bytes(tiny_pdf("rate con"))
    jpg = tmp_path / "pod.jpg"
    jpg.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    png = tmp_path / "lumper.PNG"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    info = loads_service.attach_document(db, "1", pdf, "rate_confirmation")
    loads_service.attach_document(db, "1", jpg, "pod")
    loads_service.attach_document(db, "1", png, "lumper")
    original = pdf.read_bytes()
    pdf.unlink()
    with db.read() as s:
        assert db.store.get(s, info.sha256) == original
        docs = loads_service.load_documents(s, "1")
    assert [(d.kind, d.content_type) for d in docs] == [
        ("rate_confirmation", "application/pdf"), ("pod", "image/jpeg"),
        ("lumper", "image/png")]
    assert _loads(db)["1"].missing_documents == ()


def test_team_databases_keep_documents_inside_the_database(db, tmp_path, home):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(tiny_pdf())
    loads_service.attach_document(db, "1", pdf, "rate_confirmation")
    in_folder = (home / "documents").exists()
    assert in_folder == db.location.is_sqlite


def test_the_same_document_attached_twice_is_kept_once(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(tiny_pdf())
    loads_service.attach_document(db, "1", pdf, "rate_confirmation")
    again = loads_service.attach_document(db, "1", pdf, "rate_confirmation")
    assert again.already_attached
    with db.read() as s:
        assert len(loads_service.load_documents(s, "1")) == 1


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.docx", b"PK\x03\x04word", "only PDF, JPEG and PNG files"),
    ("empty.pdf", b"", "the file is empty"),
    ("fake.pdf", b"hello", "this is a .pdf that is none of them"),
])
def test_other_files_are_refused_clearly_and_nothing_changes(db, tmp_path, name, data, message):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    before = dump(db)
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(InputRefused, match=message) as err:
        loads_service.attach_document(db, "1", f, "pod")
    assert err.value.problems[0].file == name
    assert dump(db) == before


def test_attaching_to_an_unknown_load_is_refused(db, tmp_path):
    make_carrier(db)
    f = tmp_path / "r.pdf"
    f.write_bytes(tiny_pdf())
    with pytest.raises(InputRefused, match="No load '77'"):
        loads_service.attach_document(db, "77", f, "pod")


def test_list_filters_by_subsidiary_status_and_search(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "a.csv", [load_row("1"), load_row(
        "2", Status="Released", Customer="Other Co", **{"Customer MC": ""})]), "Acme Freight")
    import_loads(db, write_loads_csv(tmp_path / "b.csv", [load_row("3")]), "Beta Haulers")
    assert set(_loads(db, subsidiary="Beta Haulers")) == {"3"}
    assert set(_loads(db, status="released")) == {"2"}
    assert set(_loads(db, search="other")) == {"2"}
    assert set(_loads(db, search="PO-3")) == {"3"}
    with pytest.raises(InputRefused, match="expected one of"), db.read() as s:
        list_loads(s, status="Paid")
