"""The preview of an upload says which sheet of a workbook was read."""

from __future__ import annotations

import pytest
from helpers import save_workbook, settle
from test_window import drop_files

_workbook = save_workbook


@pytest.mark.slow
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
    csv.write_text("Load #,Customer,Total\nW2,New Broker,100.00\n", encoding="utf-8")
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


@pytest.mark.slow
def test_of_two_loads_sheets_the_clerk_is_asked_which_and_that_one_is_imported(
        qtbot, window, asker, tmp_path):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    page.subsidiary.setCurrentText("Blue Ridge Freight LLC")
    settle(qtbot, window)
    path = _workbook(tmp_path / "two.xlsx", {
        "November": [["Load #", "Customer", "Total"], ["N1", "New Broker", 100]],
        "December": [["Load #", "Customer", "Total"], ["D1", "New Broker", 200],
                     ["D2", "New Broker", 300]]})
    asker.answer("item", "December")
    page.import_file(str(path))
    settle(qtbot, window)
    question = [text for kind, text in asker.asked if kind == "item"]
    assert question and "two.xlsx has several sheets" in question[-1]
    dialog = page.preview_dialog
    assert dialog.sheet.text() == "Read from the sheet 'December' of the workbook."
    dialog.apply.click()
    settle(qtbot, window)
    numbers = {ld.load_number for ld in page.model.rows()}
    assert {"D1", "D2"} <= numbers and "N1" not in numbers


@pytest.mark.slow
def test_of_two_payment_sheets_the_clerk_is_asked_which_and_a_cancel_does_nothing(
        qtbot, window, asker, tmp_path):
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    header = ["Invoice Number", "Date Paid", "Paid Amount", "Reference Number"]
    path = _workbook(tmp_path / "paid.xlsx", {
        "Week 47": [header, ["X-1", "2026-12-21", 10, "ACH-1"]],
        "Week 48": [header, ["X-2", "2026-12-28", 20, "ACH-2"], ["X-3", "2026-12-28", 5,
                                                                  "ACH-3"]]})
    asker.answer("item", None)
    page.upload(str(path), "payments")
    settle(qtbot, window)
    assert page.preview_dialog is None or not page.preview_dialog.isVisible()
    assert not asker.problems
    asker.answer("item", "Week 48")
    page.upload(str(path), "payments")
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert dialog.sheet.text() == "Read from the sheet 'Week 48' of the workbook."
    assert dialog.model.rowCount() == 2
