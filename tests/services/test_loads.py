import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from helpers import (
    LOAD_HEADER,
    attach_document,
    dump,
    import_loads,
    load_row,
    make_carrier,
    tiny_pdf,
    write_loads_csv,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from factor_desk.db.models import Base, Customer, Load
from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.services import loads as loads_service
from factor_desk.services.loads import list_loads


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
    assert "load '1' is already in Factor Desk" in str(err.value)
    assert dump(db) == before
    result = import_loads(db, again, "Acme Freight", only_valid=True)
    assert (result.imported, result.rows_bad) == (1, 1)
    got = _loads(db)
    assert set(got) == {"1", "2"} and got["1"].amount == Decimal("2550.00")


def test_loads_another_clerk_imported_meanwhile_are_named_and_nothing_is_imported(
        db, tmp_path, monkeypatch):
    make_carrier(db)
    mine = write_loads_csv(tmp_path / "mine.csv", [load_row("1"), load_row("2")])
    theirs = write_loads_csv(tmp_path / "theirs.csv", [load_row("2")])
    checked = loads_service.ImportPlan.refuse_unless_importable
    raced: list[bool] = []

    def check_then_lose_the_race(plan, **kw):
        checked(plan, **kw)
        if not raced:  # another clerk imports load 2 between our check and our write
            raced.append(True)
            import_loads(db, theirs, "Acme Freight")

    monkeypatch.setattr(loads_service.ImportPlan, "refuse_unless_importable",
                        check_then_lose_the_race)
    with pytest.raises(InputRefused) as err:
        import_loads(db, mine, "Acme Freight")
    assert "added a moment ago by someone else; nothing was imported" in err.value.summary
    assert [(p.row, p.column) for p in err.value.problems] == [
        (3, "Load Number"), (3, "Invoice Number")]
    assert "load '2' is already in Factor Desk" in err.value.problems[0].message
    assert set(_loads(db)) == {"2"}


def test_duplicates_inside_the_file_are_reported_with_both_rows(db, tmp_path):
    make_carrier(db)
    path = write_loads_csv(tmp_path / "d.csv", [load_row("1"), load_row("2", **{
        "Invoice Number": "1"}), load_row("1")])
    result = import_loads(db, path, "Acme Freight", dry_run=True)
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "appears twice in the file (also row 2)" in messages[(4, "Load Number")]
    assert "invoice number '1' appears twice" in messages[(3, "Invoice Number")]


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


def test_a_customer_added_between_the_check_and_the_write_is_billed_not_duplicated(
        db, tmp_path):
    make_carrier(db)
    path = write_loads_csv(tmp_path / "c.csv", [
        load_row("1", Customer="Fresh Haul Co", **{"Customer MC": "MC-777001"}),
        load_row("2")])
    file = loads_service.read_loads_file(path)
    with db.read() as s:
        plan = loads_service.plan_import(s, file, "Acme Freight")
    assert plan.result.new_customers == ["Fresh Haul Co", "Summit Brokerage"]
    with db.write() as s:  # another clerk, meanwhile
        s.add(Customer(name="Fresh Haul Company", mc_number="MC 777001"))
    with db.write() as s:
        result = loads_service.write_loads(s, plan)
    assert result.new_customers == ["Summit Brokerage"]
    assert [(c.customer, c.new_customer) for c in result.row_customers] == [
        ("Fresh Haul Company", False), ("Summit Brokerage", True)]
    assert {n: ld.customer for n, ld in _loads(db).items()} == {
        "1": "Fresh Haul Company", "2": "Summit Brokerage"}


def test_the_write_bills_each_row_as_the_check_said_when_no_customer_changed(db, tmp_path):
    make_carrier(db)
    rows = [load_row(str(n), Customer=f"Broker {n % 3}", **{"Customer MC": ""})
            for n in range(1, 8)]
    file = loads_service.read_loads_file(write_loads_csv(tmp_path / "s.csv", rows))
    with db.read() as s:
        plan = loads_service.plan_import(s, file, "Acme Freight")
    with db.write() as s:
        result = loads_service.write_loads(s, plan)
    assert result.new_customers == ["Broker 0", "Broker 1", "Broker 2"]
    assert {n: ld.customer for n, ld in _loads(db).items()} == {
        str(n): f"Broker {n % 3}" for n in range(1, 8)}
    with db.read() as s:
        assert sorted(s.execute(select(Customer.name)).scalars()) == [
            "Broker 0", "Broker 1", "Broker 2"]


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
    info = attach_document(db, "1", pdf, "rate_confirmation")
    attach_document(db, "1", jpg, "pod")
    attach_document(db, "1", png, "lumper")
    original = pdf.read_bytes()
    pdf.unlink()
    with db.read() as s:
        assert db.store.get(s, info.sha256) == original
        docs = loads_service.load_documents(s, "1")
    assert [(d.kind, d.content_type) for d in docs] == [
        ("rate_confirmation", "application/pdf"), ("pod", "image/jpeg"),
        ("lumper", "image/png")]
    assert _loads(db)["1"].missing_documents == ()


def test_every_listing_shows_each_loads_documents_in_packet_order_and_what_is_missing(
        db, tmp_path):
    make_carrier(db)
    rows = [load_row(n) for n in ("1", "2", "3", "4")]
    rows.append(load_row("5", **{"Invoicing Method": "Direct"}))
    import_loads(db, write_loads_csv(tmp_path / "l.csv", rows), "Acme Freight")
    for i, (number, kind) in enumerate([("1", "lumper"), ("1", "rate_confirmation"),
                                        ("2", "pod"), ("2", "bol"), ("2", "pod"),
                                        ("2", "rate_confirmation"), ("4", "bol"),
                                        ("5", "lumper")]):
        pdf = tmp_path / f"d{i}.pdf"
        pdf.write_bytes(tiny_pdf(f"document {i}"))  # each its own file: two PODs on "2"
        attach_document(db, number, pdf, kind)
    expected = {
        "1": (("rate_confirmation", "lumper"), ("pod",)),
        "2": (("rate_confirmation", "bol", "pod"), ()),
        "3": ((), ("rate_confirmation", "pod")),
        "4": (("bol",), ("rate_confirmation",)),  # a bill of lading stands for the POD
        "5": (("lumper",), ()),  # billed directly: nothing is required
    }
    with db.read() as s:
        listed = list_loads(s)
        searched = list_loads(s, search="summit")
        eligible = loads_service.eligible_loads(s, "Acme Freight")
    for got in (listed, searched):
        assert {ld.load_number: (ld.documents, ld.missing_documents) for ld in got} == expected
    assert {ld.load_number: (ld.documents, ld.missing_documents) for ld in eligible} == {
        n: v for n, v in expected.items() if n != "5"}
    first = listed[0]
    assert (first.pickup_date, first.delivery_date, first.amount) == (
        dt.date(2026, 11, 20), dt.date(2026, 11, 22), Decimal("2550.00"))


def test_team_databases_keep_documents_inside_the_database(db, tmp_path, home):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(tiny_pdf())
    attach_document(db, "1", pdf, "rate_confirmation")
    in_folder = (home / "documents").exists()
    assert in_folder == db.location.is_sqlite


def test_the_same_document_attached_twice_is_kept_once(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(tiny_pdf())
    attach_document(db, "1", pdf, "rate_confirmation")
    again = attach_document(db, "1", pdf, "rate_confirmation")
    assert again.already_attached
    with db.read() as s:
        assert len(loads_service.load_documents(s, "1")) == 1


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.docx", b"PK\x03\x04word", "only PDF, JPEG and PNG files"),
    ("empty.pdf", b"", "the file is empty"),
    ("fake.pdf", b"hello", "this is a '.pdf' file that is none of them"),
])
def test_other_files_are_refused_clearly_and_nothing_changes(db, tmp_path, name, data, message):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    before = dump(db)
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(InputRefused, match=message) as err:
        attach_document(db, "1", f, "pod")
    assert err.value.problems[0].file == name
    assert dump(db) == before


def test_attaching_to_an_unknown_load_is_refused(db, tmp_path):
    make_carrier(db)
    f = tmp_path / "r.pdf"
    f.write_bytes(tiny_pdf())
    with pytest.raises(InputRefused, match="No load '77'"):
        attach_document(db, "77", f, "pod")


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


# ------------------------------------------------------------------ which customer a row bills

PLACEHOLDER_MCS = ["N/A", "", "NONE", "pending", "0", "TBD", "-", "n/a", "00000", "MC 0",
                   " na ", "Unknown", "MC N/A", "--"]


def _billed_to(db) -> dict[str, str]:
    return {n: ld.customer for n, ld in _loads(db).items()}


def _customer_mcs(db) -> dict[str, str]:
    with db.read() as s:
        return {c.name: c.mc_number for c in s.query(Customer)}


def _planned(result) -> list[tuple[str, str, bool]]:
    return [(r.load_number, r.customer, r.new_customer) for r in result.row_customers]


@pytest.mark.parametrize("placeholder", PLACEHOLDER_MCS)
def test_new_customers_sharing_a_placeholder_mc_each_get_their_own_loads(db, tmp_path,
                                                                        placeholder):
    make_carrier(db)
    rows = [load_row("1", Customer="Alpha Logistics", **{"Customer MC": placeholder}),
            load_row("2", Customer="Bravo Transport", **{"Customer MC": placeholder}),
            load_row("3", Customer="alpha  logistics", **{"Customer MC": placeholder})]
    path = write_loads_csv(tmp_path / "p.csv", rows)
    dry = import_loads(db, path, "Acme Freight", dry_run=True)
    done = import_loads(db, path, "Acme Freight")
    assert _billed_to(db) == {"1": "Alpha Logistics", "2": "Bravo Transport",
                              "3": "Alpha Logistics"}
    # a placeholder is no MC: it is not saved as one
    assert _customer_mcs(db) == {"Alpha Logistics": "", "Bravo Transport": ""}
    assert dry.new_customers == done.new_customers == ["Alpha Logistics", "Bravo Transport"]
    assert _planned(dry) == _planned(done) == [
        ("1", "Alpha Logistics", True), ("2", "Bravo Transport", True),
        ("3", "Alpha Logistics", True)]


def test_a_customer_saved_with_a_placeholder_mc_does_not_catch_other_customers(db, tmp_path):
    make_carrier(db)
    with db.write() as s:
        s.add(Customer(name="Old Broker", mc_number="N/A"))
    rows = [load_row("1", Customer="New Broker", **{"Customer MC": "n/a"}),
            load_row("2", Customer="OLD broker", **{"Customer MC": "NONE"})]
    path = write_loads_csv(tmp_path / "p.csv", rows)
    dry = import_loads(db, path, "Acme Freight", dry_run=True)
    import_loads(db, path, "Acme Freight")
    assert _planned(dry) == [("1", "New Broker", True), ("2", "Old Broker", False)]
    assert _billed_to(db) == {"1": "New Broker", "2": "Old Broker"}


@pytest.mark.parametrize("mc", ["612044", "MC612044", "MC-612044", "MC#612044", "mc 612044",
                                "MC-0612044", " MC # 612044 "])
def test_an_existing_customer_is_found_by_its_real_mc_whatever_name_the_file_gives(
        db, tmp_path, mc):
    make_carrier(db)
    with db.write() as s:
        s.add(Customer(name="Summit Freight Brokerage", mc_number="MC 612044"))
    path = write_loads_csv(tmp_path / "m.csv", [
        load_row("1", Customer="Summit Frt Brkg LLC", **{"Customer MC": mc})])
    dry = import_loads(db, path, "Acme Freight", dry_run=True)
    assert _planned(dry) == [("1", "Summit Freight Brokerage", False)]
    # the row says the file's name was not the one billed
    assert "Summit Frt Brkg LLC" in dry.row_customers[0].note
    done = import_loads(db, path, "Acme Freight")
    assert (done.new_customers, _billed_to(db)) == ([], {"1": "Summit Freight Brokerage"})


def test_a_dot_number_is_not_an_mc_number_with_the_same_digits(db, tmp_path):
    make_carrier(db)
    with db.write() as s:
        s.add(Customer(name="Summit Freight Brokerage", mc_number="MC 612044"))
        s.add(Customer(name="Road Runner Shippers", mc_number="USDOT 900100"))
    path = write_loads_csv(tmp_path / "d.csv", [
        load_row("1", Customer="Other Co", **{"Customer MC": "DOT 612044"}),
        load_row("2", Customer="RR Shippers", **{"Customer MC": "DOT-900100"})])
    dry = import_loads(db, path, "Acme Freight", dry_run=True)
    import_loads(db, path, "Acme Freight")
    assert _planned(dry) == [("1", "Other Co", True), ("2", "Road Runner Shippers", False)]
    assert _billed_to(db) == {"1": "Other Co", "2": "Road Runner Shippers"}
    assert _customer_mcs(db)["Other Co"] == "DOT 612044"


def test_two_new_names_with_one_real_mc_are_one_customer_and_the_row_says_so(db, tmp_path):
    make_carrier(db)
    rows = [load_row("1", Customer="Alpha Logistics", **{"Customer MC": "MC-700001"}),
            load_row("2", Customer="Bravo Transport", **{"Customer MC": "700001"})]
    path = write_loads_csv(tmp_path / "s.csv", rows)
    dry = import_loads(db, path, "Acme Freight", dry_run=True)
    assert _planned(dry) == [("1", "Alpha Logistics", True), ("2", "Alpha Logistics", True)]
    assert dry.new_customers == ["Alpha Logistics"]
    assert dry.row_customers[0].note == ""
    note = dry.row_customers[1].note
    assert "Bravo Transport" in note and "Alpha Logistics" in note and "700001" in note
    done = import_loads(db, path, "Acme Freight")
    assert done.row_customers == dry.row_customers
    assert _billed_to(db) == {"1": "Alpha Logistics", "2": "Alpha Logistics"}
    assert _customer_mcs(db) == {"Alpha Logistics": "MC-700001"}


def test_names_differing_in_case_spaces_or_punctuation_are_one_customer(db, tmp_path):
    make_carrier(db)
    with db.write() as s:
        s.add(Customer(name="Summit Brokerage Inc.", mc_number=""))
    rows = [load_row("1", Customer="SUMMIT  BROKERAGE INC", **{"Customer MC": ""}),
            load_row("2", Customer=" summit brokerage, inc ", **{"Customer MC": "N/A"}),
            load_row("3", Customer="Lone  Star Freight", **{"Customer MC": ""}),
            load_row("4", Customer="lone star freight.", **{"Customer MC": "TBD"})]
    path = write_loads_csv(tmp_path / "n.csv", rows)
    dry = import_loads(db, path, "Acme Freight", dry_run=True)
    import_loads(db, path, "Acme Freight")
    assert _planned(dry) == [("1", "Summit Brokerage Inc.", False),
                             ("2", "Summit Brokerage Inc.", False),
                             ("3", "Lone Star Freight", True), ("4", "Lone Star Freight", True)]
    assert _billed_to(db) == {n: c for n, c, _ in _planned(dry)}


def test_the_json_of_an_import_names_each_rows_customer(db, tmp_path):
    from factor_desk.cli import _plain

    make_carrier(db)
    path = write_loads_csv(tmp_path / "j.csv", [load_row("1")])
    out = _plain(import_loads(db, path, "Acme Freight", dry_run=True))
    assert out["row_customers"] == [{"row": 2, "load_number": "1",
                                     "customer": "Summit Brokerage", "new_customer": True,
                                     "note": ""}]


# ------------------------------------------------------------------ search


def test_search_takes_percent_underscore_and_backslash_as_themselves(db, tmp_path):
    make_carrier(db)
    pos = {"1": "50% OFF", "2": "50X OFF", "3": "A_B", "4": "AXB", "5": "C\\D", "6": "CD"}
    import_loads(db, write_loads_csv(tmp_path / "s.csv", [
        load_row(n, **{"PO Number": po}) for n, po in pos.items()]), "Acme Freight")
    assert set(_loads(db, search="50%")) == {"1"}
    assert set(_loads(db, search="%")) == {"1"}
    assert set(_loads(db, search="a_b")) == {"3"}
    assert set(_loads(db, search="_")) == {"3"}
    assert set(_loads(db, search="c\\d")) == {"5"}
    assert set(_loads(db, search="\\")) == {"5"}
    assert set(_loads(db, search="50")) == {"1", "2"}


# ------------------------------------------------------------------ short quotes


@pytest.mark.parametrize("column", ["Status", "Total", "Linehaul", "Accessorials",
                                    "Pickup Date", "Delivery Date", "Invoicing Method"])
def test_a_huge_garbage_cell_is_quoted_short_and_printable(db, tmp_path, column):
    make_carrier(db)
    # Bidi overrides all through, and one bell: a file with a share of control characters
    # that large is refused whole as not text (tests/unit/test_text_files.py).
    garbage = ("\u202ejunk " * 1000)[:4999] + "\x07"
    path = write_loads_csv(tmp_path / "g.csv", [load_row("1", **{column: garbage})])
    dry = import_loads(db, path, "Acme Freight", dry_run=True)
    with pytest.raises(InputRefused) as err:
        import_loads(db, path, "Acme Freight")
    for problems in (dry.problems, err.value.problems):
        (problem,) = problems
        assert problem.column == column
        assert len(problem.message) < 200, problem.message
        assert "\u202e" not in problem.message and "\x07" not in problem.message
    assert len(str(err.value)) < 400


def test_an_unknown_load_number_is_quoted_short(db):
    make_carrier(db)
    with pytest.raises(NotFound) as err, db.read() as s:
        loads_service.find_load(s, "x" * 5000)
    assert len(str(err.value)) < 200


# ------------------------------------------------------------------ dry run == import

NAMES = ["Alpha Logistics", "alpha  logistics", "ALPHA LOGISTICS.", "Bravo Transport",
         "Bravo Transport Inc", "Bravo Transport, Inc.", "Charlie Freight"]
MCS = ["N/A", "", "NONE", "pending", "0", "TBD", "-", "00000", "MC-100001", "100001",
       "MC#100001", "DOT 100001", "200002", "USDOT 200002", "MC 300003", "12x45"]


def _name_key(name: str) -> str:
    from factor_desk.services.customers import name_key

    return name_key(name)


def _mc_key(mc: str) -> str | None:
    from factor_desk.services.customers import mc_key

    return mc_key(mc)


def _empty(db) -> None:
    with db.write() as s:
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(table.delete())


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(existing=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(MCS)), max_size=3,
                         unique_by=lambda c: c[0]),
       rows=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(MCS)), min_size=1,
                     max_size=8))
@pytest.mark.slow
def test_the_import_bills_each_row_to_the_customer_the_dry_run_named(db, tmp_path, existing,
                                                                      rows):
    _empty(db)
    make_carrier(db)
    with db.write() as s:
        s.add_all(Customer(name=name, mc_number=mc) for name, mc in existing)
    path = write_loads_csv(tmp_path / "p.csv", [
        load_row(str(i), Customer=name, **{"Customer MC": mc})
        for i, (name, mc) in enumerate(rows, 1)])
    dry = import_loads(db, path, "Acme Freight", dry_run=True)
    done = import_loads(db, path, "Acme Freight")
    billed = _billed_to(db)
    assert {r.load_number: r.customer for r in dry.row_customers} == billed
    assert done.row_customers == dry.row_customers
    assert done.new_customers == dry.new_customers
    mcs = _customer_mcs(db)
    for name in done.new_customers:  # a new customer's MC is a real one or none
        assert mcs[name] == "" or _mc_key(mcs[name]) is not None
    for (name, mc), planned in zip(rows, dry.row_customers, strict=True):
        customer = planned.customer
        if _name_key(customer) != _name_key(name):
            # billed to another name only by a real MC, and the row says so
            assert _mc_key(mc) is not None and _mc_key(mcs[customer]) == _mc_key(mc)
            assert name in planned.note
        if _mc_key(mc) is None:  # a placeholder never decides the customer
            assert _name_key(customer) == _name_key(name)


def test_an_odd_file_extension_is_quoted_short(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    f = tmp_path / ("scan." + "\u202e" * 80)
    f.write_bytes(b"hello")
    with pytest.raises(InputRefused) as err:
        attach_document(db, "1", f, "pod")
    message = err.value.problems[0].message
    assert len(message) < 120 and "\u202e" not in message


def test_the_fast_reading_of_common_rows_gives_what_the_full_checks_give(monkeypatch):
    # Rows of text that are right in every cell take a fast path; every other row (and
    # every doubt) goes through the full checks. Both must give the same loads and the same
    # problems, for amounts, dates, words and lengths in every spelling, right or wrong.
    import random

    from factor_desk.documents.tabular import Table
    from factor_desk.services.loads import rows as loads_module

    rng = random.Random(16)
    good = 0
    cells = {
        "Load Number": ["L1", "", " L2 ", "x" * 65, "Lé"],
        "Invoice Number": ["", "I1", "y" * 65],
        "Customer": ["Broker", "", " B  C ", "z" * 300],
        "Customer MC": ["", "MC-1", "N/A", "m" * 80],
        "PO Number": ["", "PO", "p" * 101],
        "Pickup Date": ["", "11/20/2026", "2026-11-23", "bad", "13/40/2026"],
        "Pickup Location": ["", "Dallas", "d" * 201],
        "Delivery Date": ["", "2026-11-22", "11/19/2026", "junk"],
        "Delivery Location": ["", "Atl"],
        "Linehaul": ["", "100", "1,000.00", "$1,234.5", "$12", "-5", "(5)", "1.234", "abc",
                     "0", "0012.30", "1234.", "9999999999.99", "$12,345,678,901.00",
                     "١٢٣", "$ 5", "USD 10", "1,00.00"],
        "Accessorials": ["", "0", "50", "5.5", "$1,000", "-1", "x"],
        "Total": ["", "150", "100", "1,050.00", "0", "0.00", "$1,234.50", "abc", "1e3"],
        "Invoicing Method": ["", "Factoring", "direct", "FACTORING", "nope"],
        "Status": ["", "Queued", "released", "RELEASED", "Invoiced", "zzz"],
    }
    for _ in range(12):
        headers = [h for h in cells
                   if h in ("Load Number", "Customer") or rng.random() < 0.7]
        rng.shuffle(headers)
        rows = []
        for number in range(2, 1500):
            row: list[object] = [rng.choice(cells[h]) for h in headers]
            if rng.random() < 0.05:
                row = row[:rng.randrange(len(row))]
            rows.append((number, row))
        rows.append((1500, [1500.0 if h == "Total" else "a" for h in headers]))
        table = Table(file_name="f.csv", headers=headers, rows=rows)
        columns = {c.field: headers.index(c.title) for c in loads_module.LOAD_COLUMNS
                   if c.title in headers}
        fast = loads_module._parse_rows(table, columns)
        with monkeypatch.context() as m:
            m.setattr(loads_module, "_fast_reader", lambda *a: lambda number, cells: None)
            full = loads_module._parse_rows(table, columns)
        assert fast[0] == full[0]
        assert [repr(p) for p in fast[1]] == [repr(p) for p in full[1]]
        good += len(fast[0])
    assert good > 20  # some rows are good, so the fast path was taken
