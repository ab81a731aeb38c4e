"""Spreadsheets as other programs save them: a dimension tag that understates the rows,
workbooks of several sheets, text in UTF-16. Every row that holds data is read, the sheet
read is the one meant (and the preview says which), or the upload is refused."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from helpers import (
    LOAD_HEADER,
    dump,
    import_loads,
    load_row,
    make_carrier,
    workbook_bytes,
    write_loads_csv,
)

from factor_desk.domain.errors import InputRefused
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.loads import list_loads

PURCHASE_HEADER = ["Invoice Number", "Invoice Amount", "Purchase Date", "Advance Amount",
                   "Fee Amount", "Status"]
PAYMENT_HEADER = ["Invoice Number", "Payment Date", "Amount Paid", "Reference Number"]


def save_workbook(path: Path, sheets: dict[str, list[list]], *, dimension: str | None = None
                  ) -> Path:
    """An .xlsx of these sheets; ``dimension`` rewrites every sheet's <dimension ref> as
    some programs save it (understating the rows and columns)."""
    data = workbook_bytes(sheets)
    if dimension:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                body = src.read(info)
                if info.filename.startswith("xl/worksheets/sheet"):
                    body, n = re.subn(rb'<dimension ref="[^"]*"',
                                      f'<dimension ref="{dimension}"'.encode(), body)
                    assert n == 1
                dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
        data = out.getvalue()
    path.write_bytes(data)
    return path


def statuses(db) -> dict[str, str]:
    with db.read() as s:
        return {ld.load_number: ld.status for ld in list_loads(s)}


def purchase_rows(numbers) -> list[list]:
    return [[n, 1000, "11/28/2026", 975, 25, "Purchased"] for n in numbers]


def test_loads_beyond_an_understated_dimension_tag_are_all_imported(db, tmp_path):
    make_carrier(db)
    rows = [[load_row(str(n))[h] for h in LOAD_HEADER] for n in range(1, 8)]
    path = save_workbook(tmp_path / "loads.xlsx", {"Loads": [LOAD_HEADER, *rows]},
                         dimension="A1:C2")
    result = import_loads(db, path, "Acme Freight")
    assert (result.imported, result.rows_total, result.sheet) == (7, 7, "Loads")
    assert sorted(statuses(db), key=int) == [str(n) for n in range(1, 8)]
    # the columns past C were read too: the totals, not an empty cell
    with db.read() as s:
        assert {str(ld.amount) for ld in list_loads(s)} == {"2550.00"}


def test_purchase_and_payment_reports_beyond_the_tag_apply_every_row(db, batch, tmp_path):
    purchase = save_workbook(tmp_path / "purchase.xlsx", {
        "Purchases": [PURCHASE_HEADER, *purchase_rows(["1", "2", "3", "4"])]},
        dimension="A1:B2")
    result = run_to_end(Desk(db).apply_report("purchase", purchase, batch=batch))
    assert (result.rows_applied, result.preview.sheet) == (4, "Purchases")
    payments = save_workbook(tmp_path / "payments.xlsx", {
        "Payments": [PAYMENT_HEADER, *[[n, "2026-12-28", 1000, f"ACH-{n}"]
                                       for n in ("1", "2", "3", "4")]]}, dimension="A1:A1")
    result = run_to_end(Desk(db).apply_report("payments", payments))
    assert result.rows_applied == 4
    assert result.to_dict()["sheet"] == "Payments"
    assert {statuses(db)[n] for n in ("1", "2", "3", "4")} == {"Completed"}


def test_the_sheet_of_a_report_is_the_one_with_its_columns_or_the_one_named(db, batch,
                                                                              tmp_path):
    path = save_workbook(tmp_path / "portal.xlsx", {
        "Summary": [["Batch", "Total"], ["ACME-0001", 4000]],
        "Purchases": [PURCHASE_HEADER, *purchase_rows(["1", "2"])],
        "Payments": [PAYMENT_HEADER, ["1", "2026-12-28", 1000, "ACH-1"]],
        "Sheet4": []})
    p = run_to_end(Desk(db).preview_report("purchase", path, batch=batch))
    assert (p.sheet, len(p.rows)) == ("Purchases", 2)
    assert Desk.report_kind(path) is None  # a purchase sheet and a payment sheet
    assert Desk.report_kind(path, sheet="Payments") == "payments"
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        run_to_end(Desk(db).apply_report("purchase", path, batch=batch, sheet="Summary"))
    assert "no column for 'Invoice Amount', 'Purchase Date'" in str(err.value)
    with pytest.raises(InputRefused) as err:
        run_to_end(Desk(db).apply_report("purchase", path, batch=batch, sheet="Purchase"))
    assert ("no sheet named 'Purchase'; its sheets are 'Summary', 'Purchases', 'Payments', "
            "'Sheet4'") in str(err.value)
    assert dump(db) == before


def test_a_workbook_of_two_loads_sheets_is_refused_until_one_is_named(db, tmp_path):
    make_carrier(db)
    path = save_workbook(tmp_path / "loads.xlsx", {
        "November": [LOAD_HEADER, [load_row("1")[h] for h in LOAD_HEADER]],
        "December": [LOAD_HEADER, [load_row("2")[h] for h in LOAD_HEADER]],
        "Sheet3": []})
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        import_loads(db, path, "Acme Freight")
    assert ("loads.xlsx: the workbook has 2 sheets with data ('November', 'December') and "
            "2 of them ('November', 'December') look like a loads file") in str(err.value)
    assert dump(db) == before
    result = import_loads(db, path, "Acme Freight", sheet="December")
    assert (result.sheet, result.load_numbers) == ("December", ["2"])
    assert Desk(db).check_loads_file(path, "Acme Freight", sheet="November").load_numbers \
        == ["1"]


def test_a_loads_csv_saved_as_unicode_text_imports(db, tmp_path):
    make_carrier(db)
    path = write_loads_csv(tmp_path / "loads.txt", [load_row("1", Customer="Café Brokers")],
                           delimiter="\t")
    path.write_bytes(b"\xff\xfe" + path.read_text(encoding="utf-8").encode("utf-16-le"))
    result = import_loads(db, path, "Acme Freight")
    assert (result.imported, result.new_customers, result.sheet) == (1, ["Café Brokers"],
                                                                     None)
