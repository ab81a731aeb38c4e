"""Schedule columns… (issue #14): the schedule of accounts a factor wants, edited from the
Company profile's factor box: which fields are columns (a check box each), their titles,
their order (Up / Down), the carrier's MC in the header, the debtor's MC column, the
signature block; Reset to default gives Capital Depot's. Read and saved through the Desk
by the page's job runner; a refusal is shown in the dialog, which stays open."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.errors import InputRefused
from factor_desk.domain.schedule_layout import (
    MAX_TITLE,
    REQUIRED,
    ScheduleField,
    ScheduleLayout,
)
from factor_desk.gui.jobs import Job
from factor_desk.gui.permissions import guard_form, read_only_note
from factor_desk.gui.tones import tone_style

if TYPE_CHECKING:
    from factor_desk.gui.factor_terms_box import FactorTermsBox

FIELD, TITLE = 0, 1


class ScheduleLayoutDialog(QDialog):
    """One row per field: checked ones are the schedule's columns, top to bottom is left
    to right. ``chosen_layout()`` gives the layout the boxes show (InputRefused when it is none);
    ``save_requested`` carries it when the clerk presses Save."""

    save_requested = Signal(object)  # a ScheduleLayout

    def __init__(self, factor: str, layout: ScheduleLayout, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("scheduleLayoutDialog")
        self.setWindowTitle(f"Schedule columns — {factor}")
        self.factor = factor
        intro = QLabel(f"The schedule of accounts {factor} receives with each batch (PDF, "
                       "Excel and CSV). Tick the columns it wants, give them its titles and "
                       "put them in its order; the invoice number and the amount are always "
                       "needed.")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("scheduleColumns")
        self.table.setHorizontalHeaderLabels(["What the column holds", "Title on the schedule"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(
            FIELD, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.up = QPushButton("Up")
        self.up.setObjectName("moveUp")
        self.down = QPushButton("Down")
        self.down.setObjectName("moveDown")
        self.up.clicked.connect(lambda: self.move_row(-1))
        self.down.clicked.connect(lambda: self.move_row(1))
        self.reset = QPushButton("Reset to default")
        self.reset.setObjectName("resetSchedule")
        self.reset.setToolTip("Capital Depot's schedule of accounts, as Factor Desk writes it "
                              "for a factor that has not set its own")
        self.reset.clicked.connect(lambda: self.show_layout(ScheduleLayout.default()))
        moves = QVBoxLayout()
        for button in (self.up, self.down):
            moves.addWidget(button)
        moves.addStretch(1)
        moves.addWidget(self.reset)
        rows = QHBoxLayout()
        rows.addWidget(self.table, 1)
        rows.addLayout(moves)
        self.carrier_mc = QCheckBox("The carrier's MC in the header line")
        self.carrier_mc.setObjectName("carrierMc")
        self.debtor_mc = QCheckBox("The debtor's MC as a column")
        self.debtor_mc.setObjectName("debtorMc")
        self.signature = QCheckBox("A signature block at the end of the PDF")
        self.signature.setObjectName("signature")
        self.preview = QLabel()
        self.preview.setObjectName("schedulePreview")
        self.preview.setWordWrap(True)
        self.refusal = QLabel()
        self.refusal.setObjectName("scheduleRefusal")
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet(tone_style(self, "error"))
        self.refusal.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.ask_to_save)
        self.buttons.rejected.connect(self.reject)
        body = QVBoxLayout(self)
        body.addWidget(intro)
        body.addLayout(rows, 1)
        for widget in (self.carrier_mc, self.debtor_mc, self.signature, self.preview,
                       self.refusal, self.buttons):
            body.addWidget(widget)
        self.table.itemChanged.connect(self._item_changed)
        self.table.currentCellChanged.connect(lambda *_: self._enable_moves())
        self.debtor_mc.toggled.connect(self._debtor_mc_toggled)
        self.show_layout(layout)
        self.resize(620, 560)

    # --- showing a layout

    def show_layout(self, layout: ScheduleLayout) -> None:
        """Fill the boxes: the layout's columns first, in order and ticked; then the other
        fields, unticked, under their default titles."""
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        shown = {c.field: c.title for c in layout.columns}
        others = [f for f in ScheduleField if f not in shown]
        for schedule_field in [*layout.fields, *others]:
            row = self.table.rowCount()
            self.table.insertRow(row)
            # what the column holds in a clerk's words; the field's name as a hint
            meaning = schedule_field.meaning
            name = QTableWidgetItem(meaning[:1].upper() + meaning[1:])
            name.setData(Qt.ItemDataRole.UserRole, schedule_field.value)
            name.setToolTip(f"{schedule_field.value}: its name on the command line")
            name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(Qt.CheckState.Checked if schedule_field in shown
                               else Qt.CheckState.Unchecked)
            title = QTableWidgetItem(shown.get(schedule_field, schedule_field.default_title))
            title.setToolTip(f"At most {MAX_TITLE} characters")
            self.table.setItem(row, FIELD, name)
            self.table.setItem(row, TITLE, title)
        self.table.blockSignals(False)
        self.carrier_mc.setChecked(layout.carrier_mc)
        self.signature.setChecked(layout.signature)
        self.debtor_mc.blockSignals(True)
        self.debtor_mc.setChecked(layout.debtor_mc)
        self.debtor_mc.blockSignals(False)
        self.table.setCurrentCell(0, FIELD)
        self._changed()

    def row_of(self, schedule_field: ScheduleField) -> int:
        for row in range(self.table.rowCount()):
            if self._field(row) is schedule_field:
                return row
        raise KeyError(schedule_field)  # pragma: no cover - every field has a row

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None  # every cell is filled by show_layout
        return item

    def _field(self, row: int) -> ScheduleField:
        return ScheduleField(self._item(row, FIELD).data(Qt.ItemDataRole.UserRole))

    def _checked(self, row: int) -> bool:
        return self._item(row, FIELD).checkState() == Qt.CheckState.Checked

    # --- editing

    def set_checked(self, schedule_field: ScheduleField, checked: bool) -> None:
        self._item(self.row_of(schedule_field), FIELD).setCheckState(
            Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def set_title(self, schedule_field: ScheduleField, title: str) -> None:
        self._item(self.row_of(schedule_field), TITLE).setText(title)

    def move_row(self, step: int) -> None:
        """Move the current row up (-1) or down (1): its column one place left or right."""
        row = self.table.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < self.table.rowCount():
            return
        self.table.blockSignals(True)
        items = [self.table.takeItem(row, col) for col in (FIELD, TITLE)]
        self.table.removeRow(row)
        self.table.insertRow(to)
        for col, item in zip((FIELD, TITLE), items, strict=True):
            self.table.setItem(to, col, item)
        self.table.blockSignals(False)
        self.table.setCurrentCell(to, self.table.currentColumn() if
                                  self.table.currentColumn() >= 0 else FIELD)
        self._changed()

    def _enable_moves(self) -> None:
        row = self.table.currentRow()
        self.up.setEnabled(row > 0)
        self.down.setEnabled(0 <= row < self.table.rowCount() - 1)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == FIELD and self._field(item.row()) is ScheduleField.DEBTOR_MC:
            self.debtor_mc.blockSignals(True)
            self.debtor_mc.setChecked(self._checked(item.row()))
            self.debtor_mc.blockSignals(False)
        self._changed()

    def _debtor_mc_toggled(self, checked: bool) -> None:
        self.set_checked(ScheduleField.DEBTOR_MC, checked)

    def _changed(self) -> None:
        self._enable_moves()
        self.refusal.hide()
        columns = [(self._field(r), self._item(r, TITLE).text())
                   for r in range(self.table.rowCount()) if self._checked(r)]
        titles = " | ".join(title.strip() for _f, title in columns)
        missing = [f.default_title for f in REQUIRED if f not in {f for f, _ in columns}]
        self.preview.setText(f"Columns: {titles or '(none)'}"
                             + (f" — {' and '.join(missing)} needed" if missing else ""))

    # --- the result

    def chosen_layout(self) -> ScheduleLayout:
        """The layout the boxes show (a title left blank: the field's default title);
        InputRefused (every problem named) when it is none."""
        return ScheduleLayout.make(
            [(self._field(r).value, self._item(r, TITLE).text().strip() or None)
             for r in range(self.table.rowCount()) if self._checked(r)],
            carrier_mc=self.carrier_mc.isChecked(), signature=self.signature.isChecked())

    def show_refusal(self, exc: BaseException) -> None:
        text = str(exc)
        for schedule_field in ScheduleField:  # the clerk's words, not the CLI's field names
            text = text.replace(f"({schedule_field.value})",
                                f"({schedule_field.default_title})")
        self.refusal.setText(text)
        self.refusal.show()

    def ask_to_save(self) -> None:
        try:
            layout = self.chosen_layout()
        except InputRefused as exc:
            self.show_refusal(exc)
            return
        self.save_requested.emit(layout)


def schedule_button(box: FactorTermsBox) -> QPushButton:
    """The factor box's "Schedule columns…" button: reads the chosen factor's layout,
    opens the dialog, and saves what the clerk chose, each through the Desk by the page's
    job runner. The dialog it opens is kept as ``button.dialog`` (None before)."""
    button = QPushButton("Schedule columns…")
    button.setObjectName("scheduleColumnsButton")
    button.setToolTip("The columns, titles, MCs and signature of the schedule of accounts "
                      "this factor receives")
    button.dialog = None  # type: ignore[attr-defined]
    page = box.page

    def open_dialog() -> None:
        factor = box.name
        if factor is None:
            page.asker.info("Schedule columns", "Choose the subsidiary's factoring company "
                                                "first.")
            return
        page.run(Job(f"Reading {factor}'s schedule",
                     lambda: page.desk.schedule_layout(factor),
                     done=lambda layout: show(factor, layout)))

    def show(factor: str, layout: ScheduleLayout) -> None:
        if button.dialog is not None:  # type: ignore[attr-defined]
            button.dialog.deleteLater()  # type: ignore[attr-defined]
        dialog = ScheduleLayoutDialog(factor, layout, box)
        button.dialog = dialog  # type: ignore[attr-defined]
        reason = guard_form(page.desk, "set_schedule_layout", "Changing the schedule's "
                            "columns", [], [dialog.buttons.button(
                                QDialogButtonBox.StandardButton.Save)])
        if reason is not None:  # read only for a login without the Admin permission
            cast(QVBoxLayout, dialog.layout()).insertWidget(0, read_only_note(reason, dialog))

        def save(chosen: ScheduleLayout) -> None:
            dialog.buttons.setEnabled(False)

            def saved(kept: ScheduleLayout) -> None:
                dialog.buttons.setEnabled(True)
                page.status.emit(f"{factor}'s schedule of accounts saved"
                                 + (" (the default)." if kept.is_default else "."))
                dialog.accept()

            def refused(exc: BaseException) -> None:
                dialog.buttons.setEnabled(True)
                if isinstance(exc, InputRefused):
                    dialog.show_refusal(exc)
                else:
                    page.asker.problem(exc)

            page.run(Job(f"Saving {factor}'s schedule",
                         lambda: page.desk.set_schedule_layout(factor, chosen),
                         done=saved, error=refused))

        dialog.save_requested.connect(save)
        dialog.open()

    button.clicked.connect(open_dialog)
    return button
