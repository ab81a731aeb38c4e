"""The preview of an upload says which sheet of a workbook was read."""

from __future__ import annotations

import openpyxl
from conftest import settle
from test_window import drop_files


def _workbook(path, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_the_loads_preview_names_the_sheet_it_read(qtbot, window, tmp_path):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    page.subsidiary.setCurrentText("Blue Ridge Freight LLC")
    settle(qtbot, window)
    path = _workbook(tmp_path / "tms.xlsx", {
        "Summary": [["Week 48"]],
        "Loads export": [["Load #", "Customer", "Total"], ["W1", "New Broker", 100]]})
    page.import_file(str(path))
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert dialog.sheet.isVisible()
    assert dialog.sheet.text() == "Read from the sheet 'Loads export' of the workbook."
    dialog.reject()
    csv = tmp_path / "loads.csv"
    csv.write_text("Load #,Customer,Total\nW2,New Broker,100.00\n")
    page.import_file(str(csv))
    settle(qtbot, window)
    assert page.preview_dialog is not dialog and not page.preview_dialog.sheet.isVisible()


def test_a_dropped_report_workbook_previews_its_report_sheet(qtbot, window, tmp_path):
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    path = _workbook(tmp_path / "portal.xlsx", {
        "Notes": [["Remittance for week 48"]],
        "Paid": [["Invoice Number", "Date Paid", "Paid Amount", "Reference Number"],
                 ["X-1", "2026-12-28", 10, "ACH-1"]]})
    drop_files(page, [path])
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.sheet.text() == "Read from the sheet 'Paid' of the workbook."
