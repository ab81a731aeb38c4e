"""The preview of an upload: every row with its outcome (applies, warning, error) and why,
the totals, the missing invoices; Apply and Cancel. Nothing changes until Apply."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from factor_desk.domain.factor_reports import Outcome
from factor_desk.domain.text import excerpt
from factor_desk.gui.common import primary_button
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
        self.setObjectName("previewDialog")
        self.setWindowTitle(title)
        self.resize(900, 560)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        # Which sheet of a workbook was read, so that the clerk sees it is the one meant.
        self.sheet = QLabel(f"Read from the sheet {excerpt(sheet)} of the workbook."
                            if sheet else "")
        self.sheet.setTextFormat(Qt.TextFormat.PlainText)
        self.sheet.setVisible(bool(sheet))
        self.model = RowTableModel(
            [Column("Row", lambda r: r.row), Column(headers[0], lambda r: r.first),
             Column(headers[1], lambda r: r.second),
             Column("Outcome", lambda r: r.outcome.title()), Column("Why", lambda r: r.why)],
            row_background=lambda r: COLORS.get(r.outcome))
        self.model.set_rows(rows)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.view.setColumnWidth(0, 50)
        self.view.setColumnWidth(1, 120)
        self.view.setColumnWidth(2, 120)
        self.view.setColumnWidth(3, 80)
        self.totals = QLabel(totals)
        self.totals.setWordWrap(True)
        self.blockers = QLabel("<br>".join(f"<b>Cannot apply:</b> {b}" for b in blockers))
        self.blockers.setWordWrap(True)
        self.blockers.setStyleSheet("color: #a4262c;")
        self.blockers.setVisible(bool(blockers))
        self.confirm = QCheckBox(confirmation or "")
        self.confirm.setVisible(confirmation is not None)
        self.apply = primary_button(apply_text)
        self.apply.clicked.connect(lambda: self.apply_requested.emit(self.confirm.isChecked()))
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self._blocked = bool(blockers)
        self._needs_confirm = confirmation is not None
        self.confirm.toggled.connect(self._update)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.apply)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.sheet)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.blockers)
        layout.addLayout(buttons)
        self._update()

    def can_apply(self) -> bool:
        return not self._blocked and (not self._needs_confirm or self.confirm.isChecked())

    def _update(self) -> None:
        self.apply.setEnabled(self.can_apply())

    def busy(self, on: bool) -> None:
        self.apply.setEnabled(not on and self.can_apply())
