"""Schedule columns… (issue #14): the factor's schedule of accounts edited in a dialog from
the Company profile's factor box: tick, retitle and reorder the columns, the MC and
signature toggles, Reset to default; a refusal is shown in the dialog and saves nothing."""

from __future__ import annotations

from helpers import company_page, settle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from factor_desk.domain.schedule_layout import ScheduleField, ScheduleLayout
from factor_desk.gui.schedule_layout_dialog import ScheduleLayoutDialog

FREIGHT = "Blue Ridge Freight LLC"


def rows(dialog: ScheduleLayoutDialog) -> list[tuple[str, str, bool]]:
    """Each row's field (its CLI name), title, and tick."""
    table = dialog.table
    return [(table.item(r, 0).data(Qt.ItemDataRole.UserRole), table.item(r, 1).text(),
             table.item(r, 0).checkState() == Qt.CheckState.Checked)
            for r in range(table.rowCount())]


def test_the_dialog_shows_every_field_the_default_ones_ticked_in_order(qtbot):
    dialog = ScheduleLayoutDialog("Capital Depot", ScheduleLayout.default())
    qtbot.addWidget(dialog)
    shown = rows(dialog)
    assert shown[:8] == [("invoice_date", "Invoice Date", True), ("debtor", "Debtor", True),
                         ("debtor_mc", "Debtor MC", True),
                         ("invoice_number", "Invoice Number", True),
                         ("load_number", "Load Number", True), ("po_number", "PO Number", True),
                         ("amount", "Amount", True), ("due_date", "Due Date", True)]
    assert [(f, ticked) for f, _t, ticked in shown[8:]] == [
        ("terms_days", False), ("carrier", False), ("carrier_mc", False), ("batch", False)]
    # the clerk reads what a column holds, not the field's name
    assert [dialog.table.item(r, 0).text() for r in range(3)] == [
        "The invoice's date", "The debtor (bill-to) name", "The debtor's MC number"]
    assert dialog.carrier_mc.isChecked() and dialog.debtor_mc.isChecked()
    assert dialog.signature.isChecked()
    assert dialog.chosen_layout() == ScheduleLayout.default()
    assert not dialog.up.isEnabled() and dialog.down.isEnabled()  # the first row is current


def test_ticks_titles_order_and_toggles_make_the_layout_and_reset_undoes_them(qtbot):
    dialog = ScheduleLayoutDialog("RTS", ScheduleLayout.default())
    qtbot.addWidget(dialog)
    dialog.table.setCurrentCell(dialog.row_of(ScheduleField.INVOICE_NUMBER), 0)
    for _ in range(3):
        qtbot.mouseClick(dialog.up, Qt.MouseButton.LeftButton)
    assert not dialog.up.isEnabled()  # at the top
    dialog.set_checked(ScheduleField.INVOICE_DATE, False)
    dialog.set_title(ScheduleField.AMOUNT, "Face Amount")
    dialog.set_checked(ScheduleField.TERMS_DAYS, True)
    dialog.debtor_mc.setChecked(False)  # the toggle unticks the debtor's MC row
    assert ("debtor_mc", "Debtor MC", False) in rows(dialog)
    dialog.carrier_mc.setChecked(False)
    dialog.signature.setChecked(False)
    assert "Columns: Invoice Number | Debtor | Load Number | PO Number | Face Amount | Due " \
           "Date | Terms (days)" in dialog.preview.text()
    layout = dialog.chosen_layout()
    assert layout.titles == ["Invoice Number", "Debtor", "Load Number", "PO Number",
                             "Face Amount", "Due Date", "Terms (days)"]
    assert (layout.carrier_mc, layout.debtor_mc, layout.signature) == (False, False, False)
    dialog.set_checked(ScheduleField.DEBTOR_MC, True)  # and the row ticks the toggle
    assert dialog.debtor_mc.isChecked()
    qtbot.mouseClick(dialog.reset, Qt.MouseButton.LeftButton)
    assert dialog.chosen_layout() == ScheduleLayout.default()


def test_a_layout_without_the_amount_is_refused_in_the_dialog(qtbot):
    dialog = ScheduleLayoutDialog("RTS", ScheduleLayout.default())
    qtbot.addWidget(dialog)
    asked = []
    dialog.save_requested.connect(asked.append)
    dialog.set_checked(ScheduleField.AMOUNT, False)
    assert "Amount needed" in dialog.preview.text()
    dialog.set_title(ScheduleField.DEBTOR, "D" * 41)
    dialog.set_title(ScheduleField.LOAD_NUMBER, "  ")
    dialog.show()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert asked == []  # nothing sent to the Desk
    assert dialog.refusal.isVisible()
    assert "needs the amount column" in dialog.refusal.text()
    assert "41 characters; at most 40" in dialog.refusal.text()
    assert "(Debtor): the title" in dialog.refusal.text()  # not the field's name, debtor
    assert "Load Number" not in dialog.refusal.text()  # a blank title: the default one
    dialog.set_checked(ScheduleField.AMOUNT, True)
    dialog.set_title(ScheduleField.DEBTOR, "Account Debtor")
    chosen = dialog.chosen_layout()
    assert chosen.titles[chosen.fields.index(ScheduleField.LOAD_NUMBER)] == "Load Number"


def _company_page(qtbot, window):
    return company_page(qtbot, window, FREIGHT)


def test_the_company_profile_opens_the_factors_schedule_and_saves_it(qtbot, window, desk):
    page = _company_page(qtbot, window)
    button = page.terms_box.findChild(QPushButton, "scheduleColumnsButton")
    assert button.text() == "Schedule columns…"
    button.click()
    settle(qtbot, window)
    dialog = button.dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Schedule columns — Capital Depot"
    assert dialog.chosen_layout() == ScheduleLayout.default()
    dialog.set_title(ScheduleField.DEBTOR, "Account Debtor")
    dialog.set_checked(ScheduleField.PO_NUMBER, False)
    dialog.signature.setChecked(False)
    with qtbot.waitSignal(page.status) as said:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        settle(qtbot, window)
    assert said.args == ["Capital Depot's schedule of accounts saved."]
    assert not dialog.isVisible()
    kept = desk.schedule_layout("Capital Depot")
    assert kept.titles == ["Invoice Date", "Account Debtor", "Debtor MC", "Invoice Number",
                           "Load Number", "Amount", "Due Date"]
    assert not kept.signature and kept.carrier_mc

    button.click()  # opened again: what was saved; Reset to default and Save
    settle(qtbot, window)
    dialog = button.dialog
    assert dialog.chosen_layout() == kept
    dialog.reset.click()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    settle(qtbot, window)
    assert desk.schedule_layout("Capital Depot").is_default


def test_without_a_factor_the_button_says_to_choose_one(qtbot, window, asker):
    page = _company_page(qtbot, window)
    page.factor.setCurrentText("(none)")
    button = page.terms_box.findChild(QPushButton, "scheduleColumnsButton")
    button.click()
    assert asker.asked[-1] == ("info", "Schedule columns: Choose the subsidiary's factoring "
                                       "company first.")
    assert button.dialog is None
