"""Pieces the pages share: the questions the window asks (one object, so tests can answer
them), messages for refusals and bugs, buttons, banners, drop zones, and the set-up of a
table."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from PySide6.QtCore import (
    QAbstractItemModel,
    QDate,
    QDateTime,
    QEvent,
    QLocale,
    QObject,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QWidget,
)

from factor_desk.domain.errors import FactorDeskError, InputRefused

log = logging.getLogger("factor_desk")

BLUE = "#1f6feb"
PRIMARY_STYLE = (f"QPushButton {{ background: {BLUE}; color: white; border: none; "
                 "border-radius: 4px; padding: 6px 16px; font-weight: 600; }"
                 "QPushButton:disabled { background: #9bb7e0; }"
                 "QPushButton:hover:!disabled { background: #1859c4; }")
# On a dark window the light disabled blue was the brightest thing there, and a viewer's
# forbidden Submit Batch looked the most inviting button: dim, with grey text, instead.
PRIMARY_DARK_DISABLED = "QPushButton:disabled { background: #34445c; color: #8c96a5; }"


class PrimaryButton(QPushButton):
    """The blue button of a page or dialog (Save, Submit Batch, Apply). In a Designer form:
    a QPushButton promoted to PrimaryButton, header file ``factor_desk.gui.common``."""

    def __init__(self, *args) -> None:  # QPushButton's: (parent), (text, parent)...
        super().__init__(*args)
        from factor_desk.gui.tones import is_dark

        self.setStyleSheet(PRIMARY_STYLE + (PRIMARY_DARK_DISABLED if is_dark(self) else ""))
        self.setCursor(Qt.CursorShape.PointingHandCursor)


def primary_button(text: str, parent=None) -> QPushButton:
    """The blue button of a page or dialog (Save, Submit Batch, Apply)."""
    return PrimaryButton(text, parent)


def plus_button(tooltip: str, parent=None) -> QPushButton:
    """The blue + of Document configuration."""
    button = QPushButton("+", parent)
    button.setToolTip(tooltip)
    button.setAccessibleName(tooltip)
    button.setFixedSize(30, 30)
    button.setStyleSheet(f"QPushButton {{ background: {BLUE}; color: white; border: none; "
                         "border-radius: 15px; font-size: 18px; font-weight: 700; }"
                         "QPushButton:hover { background: #1859c4; }")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class Banner(QFrame):
    """A coloured strip above a page's content, with an optional link."""

    link_clicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.linkActivated.connect(self.link_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label)
        self.setStyleSheet("#banner { background: #fff4ce; border: 1px solid #e3c25a; "
                           "border-radius: 4px; } #banner QLabel { color: #4d3b00; }")
        self.hide()

    def show_message(self, html: str) -> None:
        self.label.setText(html)
        self.show()


def when_text(when: dt.datetime | None, *, time_only: bool = False) -> str:
    """A moment as the window shows it: in the clerk's time zone and short date-time format
    (``11/28/26 5:29 PM`` on a US system; ``5:29 PM`` with ``time_only``). The services'
    datetimes are UTC (naive ones too). The command line keeps its own text
    (``domain.dates.format_when``)."""
    if when is None:
        return ""
    local = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone()
    clock = QTime(local.hour, local.minute, local.second)
    if time_only:
        return QLocale().toString(clock, QLocale.FormatType.ShortFormat)
    moment = QDateTime(QDate(local.year, local.month, local.day), clock)
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    font.setBold(True)
    label.setFont(font)
    return label


class Asker:
    """Every question and message the window puts to the clerk. Tests use a stand-in."""

    def __init__(self, parent: QWidget | None) -> None:
        self.parent = parent

    def confirm(self, title: str, text: str, yes: str = "OK") -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self.parent)
        ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is ok

    def choice(self, title: str, text: str, buttons: list[str]) -> str | None:
        """One of ``buttons``, or None when cancelled."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self.parent)
        made: dict[QAbstractButton, str] = {
            box.addButton(b, QMessageBox.ButtonRole.AcceptRole): b for b in buttons}
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return made.get(box.clickedButton())

    def info(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)

    def folder(self, title: str, start: str) -> str | None:
        chosen = QFileDialog.getExistingDirectory(self.parent, title, start)
        return chosen or None

    def open_file(self, title: str, start: str, filters: str) -> str | None:
        chosen, _ = QFileDialog.getOpenFileName(self.parent, title, start, filters)
        return chosen or None

    def open_files(self, title: str, start: str, filters: str) -> list[str]:
        chosen, _ = QFileDialog.getOpenFileNames(self.parent, title, start, filters)
        return chosen

    def save_file(self, title: str, start: str, filters: str) -> str | None:
        chosen, _ = QFileDialog.getSaveFileName(self.parent, title, start, filters)
        return chosen or None

    def item(self, title: str, text: str, items: list[str]) -> str | None:
        chosen, ok = QInputDialog.getItem(self.parent, title, text, items, 0, False)
        return chosen if ok else None

    def text(self, title: str, label: str) -> str | None:
        chosen, ok = QInputDialog.getText(self.parent, title, label)
        return chosen if ok and chosen.strip() else None

    def problem(self, exc: BaseException) -> None:
        """A refusal the clerk caused, or a bug (logged with its details)."""
        if isinstance(exc, InputRefused):
            box = QMessageBox(QMessageBox.Icon.Warning, "Factor Desk", exc.summary,
                              parent=self.parent)
            details = "\n".join(str(p) for p in exc.problems)
            if details and details != exc.summary:
                box.setInformativeText("Nothing was changed.")
                box.setDetailedText(details)
            box.exec()
            return
        if isinstance(exc, FactorDeskError):
            QMessageBox.warning(self.parent, "Factor Desk", str(exc))
            return
        show_bug(self.parent, exc)


def show_bug(parent, exc: BaseException) -> None:
    details = "".join(traceback.format_exception(exc))
    log.error("A bug: %s", details)
    box = QMessageBox(QMessageBox.Icon.Critical, "Factor Desk",
                      "Factor Desk hit a bug. Nothing was left half done: the work that "
                      "failed was rolled back.", parent=parent)
    handler = next((h for h in logging.getLogger("factor_desk").handlers
                    if isinstance(h, logging.FileHandler)), None)
    if handler is not None:
        box.setInformativeText(f"The details are written to {handler.baseFilename}.")
    box.setDetailedText(details)
    box.exec()


# ---------------------------------------------------------------- drops

NO_FILE_DROPPED = (
    "Nothing was dropped: this carries no file on this computer (an e-mail attachment "
    "dragged straight from Outlook or Mail, or a link). Save the attachment to a folder "
    "first, then drop the saved file here.")
# Formats of a file that is not on disk yet: Outlook's virtual files (Windows), file
# promises (macOS Mail, Thunderbird). Matched in lower case anywhere in the format's name.
_VIRTUAL_FILE_FORMATS = ("filegroupdescriptor", "filecontents", "filepromise",
                         "promised-file", "x-moz-file-promise")


def carries_no_local_file(mime) -> bool:
    """A drag of something that would be a file, but is none on this computer: a virtual
    file or file promise, or only links that are not local files."""
    urls = mime.urls() if mime.hasUrls() else []
    if any(url.isLocalFile() for url in urls):
        return False
    if urls:
        return True
    return any(key in fmt.lower() for fmt in mime.formats() for key in _VIRTUAL_FILE_FORMATS)


class DropFilter(QObject):
    """Makes a widget a drop zone for files with given endings: it lights up while files
    it takes are dragged over, and emits ``dropped`` with their paths. A drop that carries
    no local file (an attachment dragged straight from a mail program) is told why it
    did nothing, through the page's asker, instead of being ignored in silence."""

    dropped = Signal(list)
    dropped_at = Signal(list, object)  # the paths and where they fell (a QPoint)
    refused = Signal(str)  # the message shown for a drop that carries no local file

    def __init__(self, widget: QWidget, endings: tuple[str, ...]):
        super().__init__(widget)
        self.widget = widget
        self.endings = endings
        self._style = widget.styleSheet()
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def paths(self, mime) -> list[str]:
        if not mime.hasUrls():
            return []
        out = []
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in self.endings:
                out.append(url.toLocalFile())
        return out

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self.paths(event.mimeData()):
                event.acceptProposedAction()
                self._light(True)
            elif carries_no_local_file(event.mimeData()):
                event.acceptProposedAction()  # so that the drop comes, and says why not
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.DragLeave:
            self._light(False)
            return True
        if kind == QEvent.Type.Drop:
            self._light(False)
            paths = self.paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                self.dropped.emit(paths)
                self.dropped_at.emit(paths, event.position().toPoint())
            elif carries_no_local_file(event.mimeData()):
                event.ignore()  # the source keeps its item: nothing was taken
                # after the drop returns: a dialog inside it would hold the mail program
                QTimer.singleShot(0, self, lambda: self._tell(NO_FILE_DROPPED))
            return True
        return False

    def _tell(self, message: str) -> None:
        self.refused.emit(message)
        widget: QWidget | None = self.widget
        while widget is not None and not hasattr(widget, "asker"):
            widget = widget.parentWidget()
        if widget is not None:
            widget.asker.info("Factor Desk", message)
        else:
            QMessageBox.information(self.widget, "Factor Desk", message)

    def _light(self, on: bool) -> None:
        self.widget.setProperty("dropping", on)
        self.widget.setStyleSheet(
            self._style + (f"\n#{self.widget.objectName()} {{ border: 2px dashed {BLUE}; "
                           "background: rgba(31,111,235,0.08); }" if on else ""))


SELECT = {  # what a click selects in a table
    "row": (QTableView.SelectionBehavior.SelectRows, QTableView.SelectionMode.SingleSelection),
    "rows": (QTableView.SelectionBehavior.SelectRows,
             QTableView.SelectionMode.ExtendedSelection),
    "cells": (QTableView.SelectionBehavior.SelectItems,
              QTableView.SelectionMode.ExtendedSelection),  # Qt's own default
}


class EmptyHint(QLabel):
    """What to do, written over a table while it has no rows ("No batches yet — submit one
    from Factoring Batch"). ``text`` may be a function, asked each time the table empties
    (so that a search that hides every row can say so). Clicks and drops go through it to
    the table."""

    def __init__(self, view: QTableView, text: str | Callable[[], str]):
        super().__init__(view.viewport())
        self.setObjectName("emptyHint")
        self.view = view
        self._text = text
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("color: #6e7781; padding: 12px;")
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted,
                       model.rowsRemoved):
            signal.connect(self.update_hint)
        self.update_hint()

    def hint_text(self) -> str:
        return self._text() if callable(self._text) else self._text

    def update_hint(self, *_args) -> None:
        empty = self.view.model().rowCount() == 0
        if empty:
            self.setText(self.hint_text())
            self.setGeometry(self.view.viewport().rect())
        self.setVisible(empty)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(self.view.viewport().rect())
        return False


def table_view(model: QAbstractItemModel, *, view: QTableView | None = None,
               name: str | None = None, select: Literal["row", "rows", "cells"] = "row",
               sort: tuple[int, Qt.SortOrder] | None = None, dense: bool = True,
               stretch: tuple[int, ...] = (), stretch_last: bool = False,
               widths: dict[int, int] | None = None,
               empty: str | Callable[[], str] | None = None) -> QTableView:
    """The one way a table of records is set up: ``view`` (a new QTableView if None, or
    one of a Designer form) shows ``model`` without row numbers. ``select``: a click
    selects one row (what the buttons act on), several rows, or cells. ``sort``: the
    clerk can sort by clicking a header, and it is sorted by (column, order) now; None:
    kept in the model's order. ``dense``: 24-pixel rows in alternating colours (the
    pages' lists); else Qt's row height in one colour. ``stretch``: columns that share
    the spare width (the clerk cannot resize those); ``stretch_last``: the last column
    takes it (every column stays resizable). ``widths``: starting widths by column; a
    page's list is then fitted to its contents by ``fit_columns`` once loaded.
    ``empty``: what the table says while it has no rows (see EmptyHint). Long text is
    elided at its end; the model's tool tip shows it whole."""
    if view is None:
        view = QTableView()
    if name is not None:
        view.setObjectName(name)
    view.setModel(model)
    behaviour, mode = SELECT[select]
    view.setSelectionBehavior(behaviour)
    view.setSelectionMode(mode)
    view.verticalHeader().hide()
    if dense:
        view.verticalHeader().setDefaultSectionSize(24)
        view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    if sort is not None:
        header.setSortIndicator(*sort)
        view.setSortingEnabled(True)  # sorts by the indicator
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    if stretch_last:
        header.setStretchLastSection(True)
    for column, width in (widths or {}).items():
        view.setColumnWidth(column, width)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setMinimumSize(160, 90)  # a small window scrolls the table, not the page
    if empty is not None:
        EmptyHint(view, empty)
    return view


def empty_hint(view: QTableView) -> EmptyHint | None:
    """The hint a table shows while it is empty (None if it has none)."""
    return view.viewport().findChild(EmptyHint)


def fit_columns(view, max_width: int = 360) -> None:
    """Size columns to their contents, judged on the first 30 rows (Qt's default of 1,000
    costs 0.2 s of the GUI thread on a wide table; 100 rows still cost 0.1 s on a busy
    machine), keeping very wide text from pushing the rest out of sight. A large table is
    fitted once: a refresh keeps the widths (and any the clerk dragged)."""
    model = view.model()
    if model is not None and model.rowCount() > 500 and view.property("fitted"):
        return
    view.setProperty("fitted", model is not None and model.rowCount() > 0)
    view.horizontalHeader().setResizeContentsPrecision(30)
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    last = header.logicalIndex(header.count() - 1) if header.stretchLastSection() else -1
    for col in range(header.count()):
        if col == last or header.sectionResizeMode(col) == QHeaderView.ResizeMode.Stretch:
            continue  # takes the room there is (a fixed size would keep it from shrinking)
        if header.sectionSize(col) > max_width:
            header.resizeSection(col, max_width)


def ask_for_sheet(asker, exc: BaseException, what: str) -> str | None:
    """When ``exc`` refuses a workbook because it holds several sheets of data and nothing
    says which is the ``what``, ask the clerk which; None if it is another problem (shown
    as such) or the clerk cancels."""
    from factor_desk.documents.tabular import SheetChoiceRefused

    if isinstance(exc, SheetChoiceRefused) and exc.sheets:
        file_name = exc.problems[0].file or "The workbook"
        return asker.item("Which sheet?", f"{file_name} has several sheets. Which one is "
                          f"the {what}?", list(exc.sheets))
    asker.problem(exc)
    return None
