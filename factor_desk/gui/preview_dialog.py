"""The preview of an upload: every row with its outcome (applies, warning, error) and why,
the totals, the missing invoices; Apply and Cancel. Nothing changes until Apply. Drawn in
ui/preview.ui."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog

from factor_desk.domain.factor_reports import Outcome
from factor_desk.domain.text import excerpt
from factor_desk.gui.common import table_view
from factor_desk.gui.forms.ui_preview import Ui_previewDialog
from factor_desk.gui.models import Column, RowTableModel

COLORS = {Outcome.APPLIES: QColor("#e6f4ea"), Outcome.WARNING: QColor("#fff4ce"),
          Outcome.ERROR: QColor("#fde7e9")}


@dataclass
class PreviewRow:
    row: int
    first: str  # invoice number (reports) or load number (loads)
    second: str
    outcome: str
    why: str


class PreviewDialog(QDialog):
    """``apply_requested(confirmed)`` when the clerk presses Apply; ``confirmed`` is the
    state of the confirmation box (missing invoices, or good rows only)."""

    apply_requested = Signal(bool)

    def __init__(self, parent, *, title: str, summary: str, rows: list[PreviewRow],
                 headers: tuple[str, str], totals: str, blockers: list[str],
                 confirmation: str | None, apply_text: str = "Apply",
                 sheet: str | None = None):
        super().__init__(parent)
        self.form = form = Ui_previewDialog()
        form.setupUi(self)
        self.setWindowTitle(title)
        self.summary, self.sheet, self.view = form.summary, form.sheet, form.view
        self.totals, self.blockers, self.confirm, self.apply = (
            form.totals, form.blockers, form.confirm, form.apply)
        self.summary.setText(summary)
        # Which sheet of a workbook was read, so that the clerk sees it is the one meant.
        self.sheet.setText(f"Read from the sheet {excerpt(sheet)} of the workbook."
                           if sheet else "")
        self.sheet.setVisible(bool(sheet))
        self.model = RowTableModel(
            [Column("Row", lambda r: r.row), Column(headers[0], lambda r: r.first),
             Column(headers[1], lambda r: r.second),
             Column("Outcome", lambda r: r.outcome.title()), Column("Why", lambda r: r.why)],
            row_background=lambda r: COLORS.get(r.outcome))
        self.model.set_rows(rows)
        # Sorted by row, last row first (as it always was).
        table_view(self.model, view=self.view, select="cells", dense=False,
                   sort=(0, Qt.SortOrder.DescendingOrder), stretch=(4,),
                   widths={0: 50, 1: 120, 2: 120, 3: 80})
        self.totals.setText(totals)
        self.blockers.setText("<br>".join(f"<b>Cannot apply:</b> {b}" for b in blockers))
        self.blockers.setVisible(bool(blockers))
        self.confirm.setText(confirmation or "")
        self.confirm.setVisible(confirmation is not None)
        self.apply.setText(apply_text)
        self.apply.clicked.connect(lambda: self.apply_requested.emit(self.confirm.isChecked()))
        self._blocked = bool(blockers)
        self._needs_confirm = confirmation is not None
        self.confirm.toggled.connect(self._update)
        self._update()

    def can_apply(self) -> bool:
        return not self._blocked and (not self._needs_confirm or self.confirm.isChecked())

    def _update(self) -> None:
        self.apply.setEnabled(self.can_apply())

    def busy(self, on: bool) -> None:
        self.apply.setEnabled(not on and self.can_apply())
