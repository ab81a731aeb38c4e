"""Issue #13 in the window: the factor's terms edited on the Company profile, and the
reserve report uploaded on Factoring Reports (preview, apply, undo)."""

from __future__ import annotations

from decimal import Decimal

from helpers import company_page, settle, write_csv_file
from PySide6.QtCore import Qt

from factor_desk.services.common import run_to_end

FREIGHT = "Blue Ridge Freight LLC"


def _company_page(qtbot, window):
    return company_page(qtbot, window, FREIGHT)


def test_the_company_profile_edits_the_factor_s_terms(qtbot, window, desk, asker):
    page = _company_page(qtbot, window)
    box = page.terms_box
    assert page.factor.currentText() == "Capital Depot"
    assert (box.advance.value(), box.fee.text(), box.reserve.value()) == (97.5, "2.5%", 0)
    assert box.save.isEnabled() and not box.recourse.isChecked()
    box.advance.setValue(99)
    box.save.click()
    settle(qtbot, window)
    assert "advance 99% + reserve 0% + fee 2.5% = 101.5%" in str(asker.problems[-1])
    assert desk.factors()[0].advance_percent == Decimal("97.5")  # nothing saved
    box.advance.setValue(87.5)
    box.reserve.setValue(10)
    box.fee.setText("$25")
    box.recourse.setChecked(True)
    box.recourse_days.setValue(60)
    box.save.click()
    settle(qtbot, window)
    terms = desk.factors()[0]
    assert (terms.advance_percent, terms.fee_flat, terms.reserve_percent, terms.recourse,
            terms.recourse_days) == (Decimal("87.5"), Decimal(25), 10, True, 60)
    assert (box.fee.text(), box.recourse_days.value()) == ("25.00", 60)  # read back
    page.factor.setCurrentText("(none)")  # no factor: nothing to edit
    assert not box.save.isEnabled()


def test_leaving_the_page_asks_about_terms_not_saved(qtbot, window, desk, asker):
    page = _company_page(qtbot, window)
    box = page.terms_box
    assert page.can_leave() and asker.asked == []  # nothing changed: nothing asked
    box.reserve.setValue(5)
    box.advance.setValue(92.5)
    asker.answer("choice", None)  # the clerk closes the question: stays on the page
    assert not page.can_leave()
    assert asker.asked[-1] == ("choice", "Unsaved terms: Save the changes to Capital "
                                         "Depot's terms?")
    asker.answer("choice", "Discard")
    assert page.can_leave()
    assert (box.advance.value(), box.reserve.value()) == (97.5, 0)
    box.fee.setText("3%")
    box.advance.setValue(97)
    asker.answer("choice", "Save")
    assert page.can_leave()
    settle(qtbot, window)
    assert desk.factors()[0].fee_percent == Decimal("3")


def test_a_reserve_report_is_previewed_applied_and_undone_in_the_window(
        qtbot, window, desk, asker, tmp_path):
    eligible = [ld.load_number for ld in desk.eligible_loads(FREIGHT)]
    batch = desk.submit_batch(FREIGHT, eligible[:2]).batch
    lines = desk.reconcile(batch).batches[0].rows
    purchase = write_csv_file(tmp_path / "p.csv", [
        ["Invoice Number", "Invoice Amount", "Purchase Date"],
        *[[line.invoice_number, str(line.amounts["invoiced"]), "11/28/2026"]
          for line in lines]])
    run_to_end(desk.apply_report("purchase", purchase, batch=batch))
    first = lines[0]
    path = write_csv_file(tmp_path / "reserve.csv", [
        ["Date", "Type", "Invoice Number", "Amount", "Reference"],
        ["2027-01-15", "chargeback", first.invoice_number, str(first.amounts["invoiced"]),
         "CB-1"],
        ["2027-01-31", "release", "", "12.50", "REL-1"]])
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    asker.answer("open_file", str(path))
    page.choose_report("reserve")
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert dialog is not None and dialog.isVisible(), asker.asked
    assert dialog.windowTitle() == "Reserve report"
    assert "2 rows: 2 apply, 0 warnings, 0 errors." in dialog.summary.text()
    assert "Released $12.50 · charged back" in dialog.totals.text()
    dialog.apply.click()
    settle(qtbot, window)
    assert not dialog.isVisible(), asker.asked
    assert {ld.load_number: ld.status for ld in desk.loads()}[first.load_number] == \
        "Charged back"
    imports = page.history.rows()
    assert page.history.data(page.history.index(0, 1), Qt.ItemDataRole.DisplayRole) == \
        "Reserve report"
    page.history_view.selectRow(0)
    assert page.selected_import().id == imports[0].id
    asker.answer("confirm", True)
    page.undo.click()
    settle(qtbot, window)
    assert {ld.load_number: ld.status for ld in desk.loads()}[first.load_number] == \
        "Financed"
    assert desk.import_history()[0].status == "undone"


def test_a_dropped_reserve_report_asks_whose_reserve_when_there_are_several_factors(
        qtbot, window, desk, asker, tmp_path):
    desk.add_factoring_company("RTS Financial", "RTS Financial\nAtlanta, GA",
                               fee_percent="3")
    path = write_csv_file(tmp_path / "activity.csv", [
        ["Transaction Date", "Transaction Type", "Amount", "Reference"],
        ["2027-01-31", "release", "12.50", "REL-1"]])
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    asker.answer("item", "RTS Financial")
    page.upload(str(path))  # as a drop: its columns say it is a reserve report
    settle(qtbot, window)
    assert [k for k, _ in asker.asked] == ["item"], asker.asked
    dialog = page.preview_dialog
    assert dialog.windowTitle() == "Reserve report of RTS Financial"
    dialog.apply.click()
    settle(qtbot, window)
    assert desk.import_history()[0].kind == "reserve"
