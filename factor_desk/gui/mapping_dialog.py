"""The column-mapping assistant (issue #14), as GnuCash's CSV import assistant and Actual's
import do it: a factor's file whose headers Factor Desk cannot place opens it; the clerk
chooses, for each field Factor Desk needs, the column of the file that holds it, and sees
the first rows read that way as they choose. The result is a dict field -> header; the
upload flow (gui/report_upload.py) saves it per factor and kind when the clerk leaves
"Remember" ticked. Also the list of saved mappings, where one is forgotten."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from factor_desk.domain.factor_reports import ReportKind
from factor_desk.gui.common import table_view, when_text
from factor_desk.gui.models import Column, RowTableModel, on_selection_moved, selected_row
from factor_desk.gui.tones import tone_style

NOT_IN_FILE = "(not in this file)"
# a report kind as the clerk says it: "RTS's payment reports"
KIND_WORDS = {ReportKind.PURCHASE: "purchase", ReportKind.PAYMENTS: "payment",
              ReportKind.RESERVE: "reserve", ReportKind.LOADS: "loads"}
PAIR_NOTE = "one of the two is enough; both is best"


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(ReportKind(kind), str(kind))


def file_words(kind: str) -> str:
    """The file as the clerk calls it: "payment report", "loads file"."""
    return kind_words(kind) + (" file" if kind == ReportKind.LOADS else " report")


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def can_be_matched(look: Any) -> bool:
    """Whether the file has columns enough for what its kind needs (each required field,
    and an invoice or load number): else no matching can read it (a file that is no such
    report), and the refusal itself is what the clerk needs to see."""
    needed = sum(1 for f in look.fields if f.required) + any(f.one_of for f in look.fields)
    return len({h for h in look.headers if h.strip()}) >= needed


class MappingDialog(QDialog):
    """Match the columns of one file: ``look`` is the service's FileLook (headers, first
    rows, the fields with what is placed now, the saved mapping in play). ``factor``: whose
    file it is, when known (the batch's, the reserve report's). ``mapping()`` is the
    result; ``remembers()``: applying the file saves it for the factor (else it is for
    this file only)."""

    def __init__(self, parent, look: Any, *, factor: str | None = None):
        super().__init__(parent)
        self.setObjectName("mappingDialog")
        self.look = look
        self.setWindowTitle(f"Match the columns of {look.file_name}")
        self.headers = list(dict.fromkeys(h for h in look.headers if h.strip()))
        self.fields = list(look.fields)
        self.kind = look.kind
        intro = QLabel(
            f"Factor Desk does not know which column of <b>{html.escape(look.file_name)}</b> "
            f"holds what. For each thing Factor Desk reads from a {file_words(look.kind)}, "
            "choose the column of the file that holds it. <b>*</b> marks what "
            f"it needs. (If it is not a {file_words(look.kind)}, press Cancel.)")
        intro.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        self.combos: dict[str, QComboBox] = {}
        self.labels: dict[str, QLabel] = {}
        half = (len(self.fields) + 1) // 2  # two columns of fields: the table keeps room
        for i, f in enumerate(self.fields):
            label = QLabel(self._label_text(f))
            label.setToolTip(f"{f.name}" + (f": {PAIR_NOTE}" if f.one_of else ""))
            combo = QComboBox()
            combo.setObjectName(f"column_{f.name}")
            combo.addItem(NOT_IN_FILE, "")
            for h in self.headers:
                combo.addItem(h, h)
            combo.setMinimumContentsLength(14)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            placed = look.placed.get(f.name, "")
            combo.setCurrentIndex(max(0, combo.findData(placed)) if placed else 0)
            label.setBuddy(combo)
            combo.currentIndexChanged.connect(self._changed)
            row, col = (i, 0) if i < half else (i - half, 2)
            grid.addWidget(label, row, col, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(combo, row, col + 1)
            self.combos[f.name] = combo
            self.labels[f.name] = label
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setColumnMinimumWidth(2, 0)
        pair = [f.title for f in self.fields if f.one_of]
        legend = QLabel("<b>*</b> needed" + (f"; {' or '.join(pair).lower()}: {PAIR_NOTE}."
                                              if len(pair) > 1 else "."))
        legend.setObjectName("legend")

        sheet = look.sheet
        rows_label = QLabel(f"The first rows of {html.escape(look.file_name)}"
                            + (f" (sheet {html.escape(sheet)})" if sheet else "")
                            + ", read as chosen above:")
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("mappedRows")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(130)

        self.saved_line = QLabel()
        self.saved_line.setObjectName("savedMapping")
        self.saved_line.setWordWrap(True)
        saved = look.saved
        self.factor = factor or (saved.factor if saved is not None else None)
        self.saved_line.setText(
            f"Now {look.note}." if look.note else
            f"The mapping saved for {saved.factor} on {saved.saved_at:%m/%d/%Y} does not fit "
            "this file." if saved is not None else
            f"No mapping saved for {self.factor} yet." if self.factor else
            "No mapping saved for this file's factor yet.")

        # Remember: applying the file saves the columns for its factor (the one known, or
        # the one its invoices were sold to), so that its next file maps itself.
        self.remember = QCheckBox(
            f"Remember for {self.factor}'s {kind_words(self.kind)} reports" if self.factor
            else f"Remember for the {kind_words(self.kind)} reports of the factor these "
                 "invoices were sold to")
        self.remember.setObjectName("remember")
        self.remember.setToolTip("Saved when the file is applied; Column mappings… on "
                                 "Factoring Reports lists it, and forgets it")
        self.remember.setChecked(self.factor is not None)
        if self.kind == ReportKind.LOADS:  # a loads file is no factor's: matched for it only
            self.remember.setChecked(False)
            self.remember.setVisible(False)
            self.saved_line.setVisible(False)

        self.reason = QLabel()
        self.reason.setObjectName("reason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet(tone_style(self, "error"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.reason, 1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(4)
        layout.addLayout(grid)
        layout.addWidget(legend)
        layout.addSpacing(6)
        layout.addWidget(rows_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.saved_line)
        layout.addWidget(self.remember)
        layout.addLayout(bottom)
        self.resize(940, 600)
        self._changed()

    @staticmethod
    def _label_text(f: Any) -> str:
        title = html.escape(f.title)
        if f.required or f.one_of:
            return f"<b>{title} *</b>"
        return title

    # ------------------------------------------------------------------ state

    def mapping(self) -> dict[str, str]:
        """field -> header, for the fields the clerk placed."""
        return {name: combo.currentData() for name, combo in self.combos.items()
                if combo.currentData()}

    def remembers(self) -> bool:
        """Whether applying the file saves this mapping for its factor."""
        return self.remember.isChecked()

    def problem(self) -> str:
        """Why OK is off ("" when it is on): a needed field not placed, a column chosen
        for two fields."""
        chosen = self.mapping()
        by_header: dict[str, list[str]] = {}
        for f in self.fields:
            if f.name in chosen:
                by_header.setdefault(chosen[f.name], []).append(f.title)
        for header, titles in by_header.items():
            if len(titles) > 1:
                both = "both" if len(titles) == 2 else "each of"
                return (f"The column “{header}” is chosen for {both} {_and(titles)}; "
                        "a column holds one thing: choose another for one of them.")
        missing = [f.title for f in self.fields if f.required and f.name not in chosen]
        pair = [f.title for f in self.fields if f.one_of]
        if pair and not any(f.name in chosen for f in self.fields if f.one_of):
            missing.append(" or ".join(pair))
        if not missing:
            return ""
        return f"Choose the column{'s' if len(missing) > 1 else ''} for {_and(missing)}."

    def _changed(self) -> None:
        problem = self.problem()
        self.reason.setText(problem)
        self.ok.setEnabled(not problem)
        self.ok.setToolTip(problem)
        chosen = self.mapping()
        no_id = not any(f.name in chosen for f in self.fields if f.one_of)
        for f in self.fields:  # the title of a field still needed, in red
            needs = f.name not in chosen and (f.required or (f.one_of and no_id))
            self.labels[f.name].setStyleSheet(tone_style(self, "error") if needs else "")
        self._fill_table()

    def _fill_table(self) -> None:
        chosen = self.mapping()
        shown = [f for f in self.fields if f.name in chosen or f.required or f.one_of]
        index = {h: i for i, h in reversed(list(enumerate(self.look.headers)))}
        self.table.clear()
        self.table.setColumnCount(len(shown))
        self.table.setRowCount(len(self.look.rows))
        grey = QColor("#8a8a8a")
        for c, f in enumerate(shown):
            header = chosen.get(f.name)
            item = QTableWidgetItem(f"{f.title}\n← {header}" if header
                                    else f"{f.title}\n(not chosen)")
            item.setToolTip(f"{f.title}: read from the column “{header}”" if header
                            else f"{f.title}: no column chosen")
            if not header:
                item.setForeground(grey)
            self.table.setHorizontalHeaderItem(c, item)
            for r, values in enumerate(self.look.rows):
                i = index.get(header, -1) if header else -1
                text = values[i] if 0 <= i < len(values) else ""
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(r, c, cell)
        self.table.resizeColumnsToContents()
        header_view = self.table.horizontalHeader()
        for c in range(len(shown)):
            header_view.resizeSection(c, min(max(header_view.sectionSize(c), 90), 220))


# ---------------------------------------------------------------------- saved mappings


class MappingsDialog(QDialog):
    """The saved column mappings, one per factor and kind, with Forget: the caller reads
    them on its worker and gives them to ``show_mappings``; ``forget(mapping)`` is called
    for the one selected (the caller asks first, forgets it and shows the list again).
    ``titles(kind)``: each field's title by its name."""

    def __init__(self, parent, forget: Callable[[Any], None],
                 titles: Callable[[str], dict[str, str]] = lambda kind: {}):
        super().__init__(parent)
        self.setObjectName("mappingsDialog")

        def columns(m: Any, sep: str) -> str:  # "Invoice Number ← Inv No, ..."
            named = titles(m.kind)
            return sep.join(f"{named.get(k, k)} ← {v}" for k, v in m.columns.items())

        self.setWindowTitle("Column mappings")
        note = QLabel("Each factor's files are read with the columns matched the first time "
                      "(saved per factor and kind of report). Forget one to match the "
                      "columns again on the next upload.")
        note.setWordWrap(True)
        self.model = RowTableModel([
            Column("Factor", lambda m: m.factor),
            Column("Report", lambda m: f"{kind_words(m.kind).capitalize()} report"),
            Column("Columns", lambda m: columns(m, ", "), tooltip=lambda m: columns(m, "\n")),
            Column("Saved", lambda m: m.saved_at, text=lambda m: when_text(m.saved_at)),
            Column("By", lambda m: m.saved_by),
        ], row_key=lambda m: (m.factor, str(m.kind)))
        self.view = table_view(self.model, name="mappingsTable", stretch=(2,),
                               widths={0: 140, 1: 120, 3: 130, 4: 90},
                               empty="No column mappings saved yet: they are saved when a "
                                     "factor's file is matched in the assistant.")
        self.forget = QPushButton("Forget…")
        self.forget.setObjectName("forgetMapping")
        self.forget.clicked.connect(lambda: self._forget(forget))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.forget)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        on_selection_moved(self.view, self._moved)
        self.resize(760, 340)
        self._moved()

    def show_mappings(self, mappings: list[Any]) -> None:
        self.model.set_rows(mappings)
        if mappings and selected_row(self.view) is None:
            self.view.selectRow(0)
        self._moved()

    def selected(self) -> Any | None:
        return selected_row(self.view)

    def _moved(self) -> None:
        self.forget.setEnabled(self.selected() is not None)

    def _forget(self, forget: Callable[[Any], None]) -> None:
        mapping = self.selected()
        if mapping is not None:
            forget(mapping)
