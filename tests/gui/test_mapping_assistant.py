"""Issue #14 in the window: a factor's file whose columns Factor Desk cannot place opens the
column-mapping assistant; the clerk matches the columns once, and the next file with the
same columns is read by the saved mapping by itself. Real services, the demo carrier."""

from __future__ import annotations

import pytest
from helpers import settle, write_csv_file

from factor_desk.gui.mapping_dialog import NOT_IN_FILE, MappingDialog

FREIGHT = "Blue Ridge Freight LLC"
FACTOR = "Capital Depot"
# a portal's own spellings that no built-in spelling knows
HEADERS = ["Our Ref", "Face Sum", "Day Bought", "Remarks"]
MATCHED = {"invoice_number": "Our Ref", "invoice_amount": "Face Sum",
           "purchase_date": "Day Bought"}


def _purchase_file(path, lines):
    return write_csv_file(path, [HEADERS, *[[line.invoice_number,
                                             str(line.amounts["invoiced"]), "11/28/2026",
                                             "ok"] for line in lines]])


def _batch(desk, count=3):
    eligible = [ld.load_number for ld in desk.eligible_loads(FREIGHT)]
    batch = desk.submit_batch(FREIGHT, eligible[:count]).batch
    return batch, desk.reconcile(batch).batches[0].rows


def _reports_page(qtbot, window):
    window.show_page("reports")
    settle(qtbot, window)
    return window.pages["reports"]


def _choose(dialog: MappingDialog, **columns: str) -> None:
    for field, header in columns.items():
        combo = dialog.combos[field]
        index = combo.findText(header)
        assert index >= 0, f"{header} is not offered for {field}"
        combo.setCurrentIndex(index)


def _cells(dialog: MappingDialog) -> dict[str, list[str]]:
    """The assistant's table of the first rows: each field's title -> its cells."""
    table = dialog.table
    out = {}
    for c in range(table.columnCount()):
        title = table.horizontalHeaderItem(c).text().split("\n")[0]
        out[title] = [table.item(r, c).text() for r in range(table.rowCount())]
    return out


def _upload(qtbot, window, page, asker, path, kind="purchase"):
    page.mapping_dialog = None
    page.preview_dialog = None
    asker.answer("open_file", str(path))
    page.choose_report(kind)
    settle(qtbot, window)


def _statuses(desk, lines):
    by_number = {ld.load_number: ld.status for ld in desk.loads()}
    return [by_number[line.load_number] for line in lines]


@pytest.mark.slow
def test_unknown_columns_are_matched_once_then_read_by_the_saved_mapping(
        qtbot, window, desk, asker, tmp_path):
    batch, lines = _batch(desk)
    page = _reports_page(qtbot, window)
    assert page.selected_batch() == batch

    _upload(qtbot, window, page, asker, _purchase_file(tmp_path / "rts-1.csv", lines[:2]))
    dialog = page.mapping_dialog
    assert dialog is not None and dialog.isVisible(), asker.asked
    assert page.preview_dialog is None  # nothing previewed before the columns are known
    assert dialog.windowTitle() == "Match the columns of rts-1.csv"
    assert dialog.saved_line.text() == f"No mapping saved for {FACTOR} yet."
    assert dialog.remember.isChecked()
    assert dialog.remember.text() == f"Remember for {FACTOR}'s purchase reports"
    assert not dialog.ok.isEnabled() and dialog.reason.text().startswith("Choose the column")
    _choose(dialog, **MATCHED)
    assert dialog.ok.isEnabled() and dialog.reason.text() == ""
    assert dialog.mapping() == MATCHED
    dialog.ok.click()
    settle(qtbot, window)

    preview = page.preview_dialog
    assert preview is not None and preview.isVisible(), asker.asked
    assert preview.columns_note.text() == (
        f"Columns: as you matched them; applying saves this mapping for {FACTOR} "
        "(purchase files).")
    assert {r.outcome for r in preview.model.rows()} == {"applies"}
    assert [r.first for r in preview.model.rows()] == [ln.invoice_number for ln in lines[:2]]
    assert desk.saved_mapping(FACTOR, "purchase") is None  # nothing changes before Apply
    preview.confirm.setChecked(True)  # the third invoice is not in this report
    preview.apply.click()
    settle(qtbot, window)
    assert not preview.isVisible(), asker.asked
    assert _statuses(desk, lines) == ["Financed", "Financed", "Invoiced"]
    saved = desk.saved_mapping(FACTOR, "purchase")
    assert saved is not None and saved.columns == MATCHED
    assert f"The mapping was saved for {FACTOR}" in window.statusBar().currentMessage()

    # The next file of this factor with the same columns: no assistant, the saved mapping.
    _upload(qtbot, window, page, asker, _purchase_file(tmp_path / "rts-2.csv", lines[2:]))
    assert page.mapping_dialog is None, "the assistant opened again"
    preview = page.preview_dialog
    assert preview is not None and preview.isVisible(), asker.asked
    assert preview.columns_note.text() == f"Columns: {saved.note()}."
    preview.apply.click()
    settle(qtbot, window)
    assert _statuses(desk, lines) == ["Financed"] * 3


def test_ok_waits_for_every_needed_column_and_the_table_shows_the_rows_read(
        qtbot, desk, tmp_path):
    from factor_desk.gui.app import make_app

    make_app()
    _, lines = _batch(desk, 2)
    path = _purchase_file(tmp_path / "rts.csv", lines)
    look = desk.look_at_report("purchase", path, factor=FACTOR)
    dialog = MappingDialog(None, look, factor=FACTOR)
    qtbot.addWidget(dialog)
    titles = {f.name: f.title for f in desk.report_fields("purchase")}
    needed = [f for f in desk.report_fields("purchase") if f.required]
    assert needed  # a purchase report needs its amounts and dates
    for combo in dialog.combos.values():
        combo.setCurrentIndex(combo.findText(NOT_IN_FILE))
    assert not dialog.ok.isEnabled()
    reason = dialog.reason.text()
    assert reason.startswith("Choose the columns for ")
    assert all(f.title in reason for f in needed)
    assert "Invoice Number or Load Number" in reason  # one of the two is enough
    assert "<b>" in dialog.labels[needed[0].name].text() and "*" in \
        dialog.labels[needed[0].name].text()  # a needed field stands out

    _choose(dialog, **MATCHED)
    assert dialog.ok.isEnabled(), dialog.reason.text()
    cells = _cells(dialog)
    assert cells[titles["invoice_number"]] == [ln.invoice_number for ln in lines]
    assert cells[titles["invoice_amount"]] == [str(ln.amounts["invoiced"]) for ln in lines]
    assert cells[titles["purchase_date"]] == ["11/28/2026"] * 2
    assert titles["fee_amount"] not in cells  # a field not in the file: no empty column

    _choose(dialog, fee_amount="Face Sum")  # one column for two fields
    assert not dialog.ok.isEnabled()
    assert dialog.reason.text().startswith("The column “Face Sum” is chosen for both "
                                           f"{titles['invoice_amount']} and "
                                           f"{titles['fee_amount']}")
    assert cells != _cells(dialog)  # the table follows the combos at once
    _choose(dialog, fee_amount=NOT_IN_FILE)
    assert dialog.ok.isEnabled()
    dialog.remember.setChecked(False)
    assert not dialog.remembers()


@pytest.mark.slow
def test_columns_in_the_preview_reopen_the_assistant_and_mappings_can_be_forgotten(
        qtbot, window, desk, asker, tmp_path):
    _, lines = _batch(desk, 2)
    desk.save_mapping(FACTOR, "purchase", MATCHED)
    page = _reports_page(qtbot, window)
    _upload(qtbot, window, page, asker, _purchase_file(tmp_path / "rts.csv", lines))
    preview = page.preview_dialog
    assert preview is not None and page.mapping_dialog is None, asker.asked
    preview.columns.click()
    settle(qtbot, window)
    dialog = page.mapping_dialog
    assert dialog is not None and dialog.isVisible(), asker.asked
    assert dialog.saved_line.text().startswith(f"Now using the mapping saved for {FACTOR} on")
    assert dialog.mapping() == MATCHED
    assert dialog.remember.isChecked()
    _choose(dialog, purchase_date=NOT_IN_FILE)
    assert not dialog.ok.isEnabled()
    assert dialog.reason.text() == "Choose the column for Purchase Date."
    _choose(dialog, purchase_date="Day Bought", reason="Remarks")
    dialog.ok.click()
    settle(qtbot, window)
    assert not preview.isVisible()  # the preview by the columns before is gone
    preview = page.preview_dialog
    assert preview.isVisible()
    assert preview.columns_note.text() == (
        f"Columns: as you matched them; applying saves this mapping for {FACTOR} "
        "(purchase files).")
    assert desk.saved_mapping(FACTOR, "purchase").columns == MATCHED  # as it was
    preview.reject()

    page.show_mappings()
    settle(qtbot, window)
    listing = page.mappings_dialog
    assert listing.isVisible()
    assert [(m.factor, str(m.kind)) for m in listing.model.rows()] == [(FACTOR, "purchase")]
    columns = listing.model.data(listing.model.index(0, 2))
    assert "Invoice Number ← Our Ref" in columns and "Purchase Date ← Day Bought" in columns
    asker.answer("confirm", True)
    listing.forget.click()
    settle(qtbot, window)
    assert asker.asked[-1][0] == "confirm" and "Forget the columns saved for " \
        f"{FACTOR}'s purchase reports?" in asker.asked[-1][1]
    assert desk.saved_mapping(FACTOR, "purchase") is None
    assert listing.model.rows() == []


@pytest.mark.slow
def test_a_payment_report_of_unknown_columns_goes_through_the_assistant(
        qtbot, window, desk, asker, tmp_path):
    from factor_desk.services.common import run_to_end

    batch, lines = _batch(desk, 2)
    run_to_end(desk.apply_report("purchase", _purchase_file(tmp_path / "p.csv", lines),
                                 batch=batch, mapping=MATCHED))
    path = write_csv_file(tmp_path / "remit.csv", [
        ["Client Invoice", "Check Date", "Check Amt", "Memo"],
        [lines[0].invoice_number, "12/28/2026", str(lines[0].amounts["invoiced"]), ""]])
    page = _reports_page(qtbot, window)
    _upload(qtbot, window, page, asker, path, kind="payments")
    dialog = page.mapping_dialog
    assert dialog is not None and dialog.isVisible(), asker.asked
    assert dialog.remember.text() == f"Remember for {FACTOR}'s payment reports"
    assert dialog.combos["note"].currentText() == "Memo"  # its usual spelling, placed
    assert dialog.reason.text() == ("Choose the columns for Payment Date, Amount Paid and "
                                    "Invoice Number or Load Number.")
    _choose(dialog, invoice_number="Client Invoice", payment_date="Check Date",
            amount_paid="Check Amt")
    assert _cells(dialog)["Amount Paid"] == [str(lines[0].amounts["invoiced"])]
    dialog.ok.click()
    settle(qtbot, window)
    preview = page.preview_dialog
    assert preview is not None and preview.isVisible(), asker.asked
    assert f"applying saves this mapping for {FACTOR}" in preview.columns_note.text()
    preview.apply.click()
    settle(qtbot, window)
    assert _statuses(desk, lines[:1]) == ["Completed"]
    assert desk.saved_mapping(FACTOR, "payments").columns["amount_paid"] == "Check Amt"


@pytest.mark.slow
def test_remember_unticked_applies_the_file_and_saves_no_mapping(
        qtbot, window, desk, asker, tmp_path):
    batch, lines = _batch(desk, 2)
    page = _reports_page(qtbot, window)
    assert page.selected_batch() == batch
    _upload(qtbot, window, page, asker, _purchase_file(tmp_path / "once.csv", lines))
    dialog = page.mapping_dialog
    assert dialog is not None and dialog.isVisible(), asker.asked
    assert dialog.remember.isEnabled()
    _choose(dialog, **MATCHED)
    dialog.remember.setChecked(False)
    dialog.ok.click()
    settle(qtbot, window)
    preview = page.preview_dialog
    assert preview is not None and preview.isVisible(), asker.asked
    assert preview.columns_note.text() == "Columns: as you matched them, for this file only."
    preview.apply.click()
    settle(qtbot, window)
    assert not preview.isVisible(), asker.asked
    assert _statuses(desk, lines) == ["Financed", "Financed"]
    assert desk.saved_mapping(FACTOR, "purchase") is None
