"""Table models over plain row lists. Sorting and filtering happen here, on keys worked
out once per row, never through QSortFilterProxyModel (measured: 40 s to sort 200,000
rows that way, a tenth of a second on the list).

Sorting, filtering and a refresh are layout changes, not resets: every persistent index
(a view's selection and current index) follows its record to the record's new row, or
becomes invalid when the record is no longer shown. So a button acts on the record the
clerk selected, never on whatever row now sits where it was."""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QTableView

from factor_desk.domain.money import format_money, from_cents

# A table this long is moved out of the collector's sight once shown (see settle_heap).
LARGE_TABLE = 2_000


def settle_heap() -> None:
    """Move every object alive now out of the cyclic collector's reach (``gc.freeze``).

    A full collection walks every tracked object while holding the GIL, and so stops the
    window: with the modules of Qt, SQLAlchemy and reportlab loaded and 20,000 loads shown,
    one took 130-300 ms (measured here, on whichever thread tripped it). Frozen objects are
    still freed when their last reference goes (rows of a table replaced by a refresh are);
    only a reference cycle among them would outlive its use, which the plain rows never
    form. Called once the window stands, and after a large table is shown."""
    gc.freeze()


@dataclass
class Prepared:
    rows: list
    search_keys: list[str]
    sorted_by: tuple | None


@dataclass
class Column:
    title: str
    value: Callable[[Any], Any]  # the row's value (shown through ``text``)
    text: Callable[[Any], str] | None = None
    align_right: bool = False
    tooltip: Callable[[Any], str] | None = None
    foreground: Callable[[Any], QColor | None] | None = None

    def display(self, row) -> str:
        value = self.value(row)
        if self.text is not None:
            return self.text(row)
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return format_money(value)
        if hasattr(value, "strftime"):
            return value.strftime("%m/%d/%Y")
        return str(value)

    def sort_key(self, row):
        value = self.value(row)
        if value is None:
            return (0, "")
        if isinstance(value, str):
            return (1, value.casefold())
        return (1, value)


def money(value) -> str:
    return format_money(value) if value is not None else ""


def cents_column(title: str, cents: Callable[[Any], int]) -> Column:
    """An amount the rows keep in cents (a LoadSummary's): sorted on the cents, shown as
    money; no Decimal made per row to sort 100,000 of them."""
    return Column(title, cents, text=lambda row: format_money(from_cents(cents(row))),
                  align_right=True)


LONG_TEXT = 20  # text longer than this may not fit its column: its tool tip shows it
KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the record's id (``row_key``): what a row *is*
_SORT_HINT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_NO_HINT = QAbstractItemModel.LayoutChangeHint.NoLayoutChangeHint
_LAYOUT = "QList<QPersistentModelIndex>,QAbstractItemModel::LayoutChangeHint"


class RowTableModel(QAbstractTableModel):
    """Rows are plain objects; columns say how to show and sort them. ``set_filter``
    keeps the rows whose search text holds every word typed. ``row_key`` says which record
    a row is (a load number, an import id): with it a refresh (``set_rows``) keeps the
    selection on the same records; without it a refresh clears the selection."""

    def __init__(self, columns: list[Column], search_text: Callable[[Any], str] | None = None,
                 row_background: Callable[[Any], QColor | None] | None = None, parent=None,
                 row_key: Callable[[Any], Hashable] | None = None):
        super().__init__(parent)
        self.columns = columns
        self.row_key = row_key
        self._search_text = search_text
        self._row_background = row_background
        self._all: list = []
        self._haystack: list[str] = []
        self._rows: list = []
        self._filter = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # ---- the data

    def search_keys(self, rows: list) -> list[str]:
        """What the search box looks in, per row. Pure: a worker thread can work it out
        for a large list and hand it to ``set_rows``."""
        return [self._search_text(r).casefold() for r in rows] if self._search_text else []

    def prepare(self, rows: list) -> Prepared:
        """Rows sorted as the table is sorted now, with their search keys: the slow part of
        showing 100,000 rows, done on a worker thread. Pass the result to ``set_rows``."""
        spec = self._sort
        key = self._row_sort_key(spec[0]) if spec is not None else None
        if key is None or spec is None:
            return Prepared(rows, self.search_keys(rows), None)
        rows = sorted(rows, key=key, reverse=spec[1] == Qt.SortOrder.DescendingOrder)
        return Prepared(rows, self.search_keys(rows), spec)

    def _row_sort_key(self, column: int):
        """The key that sorts rows by ``column``, or None if it depends on the GUI's state."""
        return self.columns[column].sort_key

    def _state_sort_key(self, column: int):
        """The key for a column that sorts on the GUI's state (see CheckableRowModel)."""
        raise NotImplementedError

    def set_rows(self, rows: Iterable | Prepared, search_keys: list[str] | None = None
                 ) -> None:
        sorted_by = None
        if isinstance(rows, Prepared):
            search_keys, sorted_by, rows = rows.search_keys, rows.sorted_by, rows.rows
        rows = list(rows)
        haystack = search_keys if search_keys is not None else self.search_keys(rows)
        if self.row_key is None:  # no way to tell the same record: start afresh
            self.beginResetModel()
            self._all, self._haystack = rows, haystack
            self._rows = self._shown(None if self._sort == sorted_by else self._sort)
            self.endResetModel()
        else:
            self._relayout(lambda: self._take(rows, haystack, sorted_by), self.row_key)
        if len(rows) >= LARGE_TABLE:
            settle_heap()

    def _take(self, rows: list, haystack: list[str], sorted_by: tuple | None) -> list:
        self._all, self._haystack = rows, haystack
        return self._shown(None if self._sort == sorted_by else self._sort)

    def _shown(self, sort: tuple | None) -> list:
        """The rows the filter keeps, sorted by ``sort`` (column, order) if given."""
        rows = self._filtered()
        if sort is not None:
            key = self._row_sort_key(sort[0]) or self._state_sort_key(sort[0])
            rows.sort(key=key, reverse=sort[1] == Qt.SortOrder.DescendingOrder)
        return rows

    def _relayout(self, new_rows: Callable[[], list], identity: Callable[[Any], Hashable],
                  hint: QAbstractItemModel.LayoutChangeHint = _NO_HINT) -> None:
        """Show ``new_rows()`` instead of the rows shown now, as Qt expects of a sort or a
        filter: every persistent index moves to the row of the record it was on (told by
        ``identity``), or becomes invalid if that record is no longer shown."""
        self.layoutAboutToBeChanged[_LAYOUT].emit([], hint)  # type: ignore[index]  # stubs: no overloads
        before = self.persistentIndexList()  # taken after the views saved theirs
        shown = self._rows
        records = [identity(shown[ix.row()]) if 0 <= ix.row() < len(shown) else None
                   for ix in before]
        try:
            self._rows = new_rows()
        finally:  # even if a sort key failed: the views wait for layoutChanged
            if before:
                where = dict(zip(map(identity, self._rows), range(len(self._rows)),
                                 strict=True))
                after = [self.index(where[k], ix.column()) if k in where else QModelIndex()
                         for k, ix in zip(records, before, strict=True)]
                self.changePersistentIndexList(before, after)
            self.layoutChanged[_LAYOUT].emit([], hint)  # type: ignore[index]  # stubs: no overloads

    def rows(self) -> list:
        """The visible rows, in the order shown."""
        return list(self._rows)

    @property
    def total_count(self) -> int:
        """How many rows there are, shown or filtered out."""
        return len(self._all)

    def row_at(self, row: int):
        return self._rows[row]

    def set_filter(self, text: str) -> None:
        self._filter = text.strip().casefold()
        self._relayout(lambda: self._shown(self._sort), id)  # the same row objects

    def _filtered(self) -> list:
        if not self._filter or not self._search_text:
            return list(self._all)
        words = self._filter.split()
        return [r for r, hay in zip(self._all, self._haystack, strict=True)
                if all(w in hay for w in words)]

    # ---- Qt

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip is not None:
                return column.tooltip(row) or None
            text = column.display(row)  # long text may be elided: the tip shows it whole
            return text if len(text) > LONG_TEXT else None
        if role == Qt.ItemDataRole.ForegroundRole:
            color = column.foreground(row) if column.foreground is not None else None
            if color is None and self._row_background is not None and \
                    self._row_background(row) is not None:
                color = QColor("black")  # light row colours stay readable in dark mode
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.BackgroundRole and self._row_background is not None:
            color = self._row_background(row)
            return QBrush(color) if color is not None else None
        if role == KEY_ROLE and self.row_key is not None:
            return self.row_key(row)
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self._sort = (column, order)
        key = self._row_sort_key(column) or self._state_sort_key(column)
        # sorted from the order shown, so that rows equal on this column keep it
        self._relayout(lambda: sorted(self._rows, key=key,
                                      reverse=order == Qt.SortOrder.DescendingOrder),
                       id, _SORT_HINT)


def selected_row(view: QAbstractItemView) -> Any | None:
    """The record of the row selected in ``view`` (a RowTableModel's), read at the moment
    of asking; None when nothing is selected, or when the selected record was filtered out
    or is gone after a refresh."""
    selection = view.selectionModel()
    rows = selection.selectedRows() if selection is not None else []
    return cast(RowTableModel, view.model()).row_at(rows[0].row()) if rows else None


def select_record(view: QTableView, key: Hashable) -> bool:
    """Select the row of the record whose ``row_key`` is ``key``; False if not shown."""
    model = cast(RowTableModel, view.model())
    row_key = model.row_key
    assert row_key is not None, "a model that cannot tell its records apart"
    for i in range(model.rowCount()):
        if row_key(model.row_at(i)) == key:
            view.selectRow(i)
            return True
    return False


def on_selection_moved(view: QAbstractItemView, slot: Callable[[], None]) -> None:
    """Call ``slot`` when the selected record may have changed: a new selection, and also a
    sort, filter or refresh (after which Qt keeps or drops the selection without
    emitting selectionChanged)."""
    view.selectionModel().selectionChanged.connect(lambda *_: slot())
    view.model().layoutChanged.connect(lambda *_: slot())
    view.model().modelReset.connect(slot)


class CheckableRowModel(RowTableModel):
    """A RowTableModel with a check box in its first column. Checked rows are kept as a
    set of ids, so sorting and filtering never lose a tick. ``why_not`` says why a row
    cannot be ticked (its box is off, the reason its tool tip), or None if it can."""

    selection_changed = Signal()

    def __init__(self, columns: list[Column], row_id: Callable[[Any], Any],
                 amount: Callable[[Any], Decimal],
                 why_not: Callable[[Any], str | None] | None = None, **kwargs):
        kwargs.setdefault("row_key", row_id)
        super().__init__([Column("", lambda r: None), *columns], **kwargs)
        self._row_id = row_id
        self._amount = amount
        self._why_not = why_not or (lambda r: None)
        self.checked: set = set()
        self._checked_total = Decimal(0)

    def set_rows(self, rows, search_keys: list[str] | None = None) -> None:
        super().set_rows(rows, search_keys)
        if self.checked:
            self.checked &= {self._row_id(r) for r in self._all if self.can_check(r)}
        self._recount()

    def can_check(self, row) -> bool:
        return self._why_not(row) is None

    def _recount(self) -> None:
        checked = self.checked
        self._checked_total = sum((self._amount(r) for r in self._all
                                   if self._row_id(r) in checked), Decimal(0)) \
            if checked else Decimal(0)
        self.selection_changed.emit()

    @property
    def checked_total(self) -> Decimal:
        return self._checked_total

    def checked_rows(self) -> list:
        return [r for r in self._all if self._row_id(r) in self.checked]

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and index.column() == 0 and 0 <= index.row() < len(self._rows) \
                and self.can_check(self._rows[index.row()]):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and index.column() == 0 and 0 <= index.row() < len(self._rows):
            row = self._rows[index.row()]
            if role == Qt.ItemDataRole.CheckStateRole:
                if not self.can_check(row):
                    return None  # no box to tick: a mark and its reason instead
                checked = self._row_id(row) in self.checked
                return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.DisplayRole:
                return None if self.can_check(row) else "⚠"
            if role == Qt.ItemDataRole.ForegroundRole and not self.can_check(row):
                return QBrush(MISSING)
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._why_not(row)
        return super().data(index, role)

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if not (index.isValid() and index.column() == 0
                and role == Qt.ItemDataRole.CheckStateRole):
            return False
        row = self._rows[index.row()]
        if not self.can_check(row):
            return False
        rid = self._row_id(row)
        state = Qt.CheckState(value) if not isinstance(value, Qt.CheckState) else value
        if state == Qt.CheckState.Checked and rid not in self.checked:
            self.checked.add(rid)
            self._checked_total += self._amount(row)
        elif state != Qt.CheckState.Checked and rid in self.checked:
            self.checked.discard(rid)
            self._checked_total -= self._amount(row)
        else:
            return True
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.selection_changed.emit()
        return True

    def _check_column_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0),
                                  [Qt.ItemDataRole.CheckStateRole])
        self.selection_changed.emit()

    def check_all(self) -> None:
        can = [r for r in self._all if self.can_check(r)]
        self.checked = {self._row_id(r) for r in can}
        self._checked_total = sum((self._amount(r) for r in can), Decimal(0))
        self._check_column_changed()

    def check_visible(self) -> None:
        for r in self._rows:
            rid = self._row_id(r)
            if rid not in self.checked and self.can_check(r):
                self.checked.add(rid)
                self._checked_total += self._amount(r)
        self._check_column_changed()

    def toggle_rows(self, rows: list[int]) -> None:
        """Tick the rows shown at ``rows`` that can be ticked; if all are ticked already,
        untick them (Space on the selected rows)."""
        able = [self._rows[i] for i in rows if 0 <= i < len(self._rows)
                and self.can_check(self._rows[i])]
        tick = any(self._row_id(r) not in self.checked for r in able)
        state = Qt.CheckState.Checked if tick else Qt.CheckState.Unchecked
        for i in rows:
            self.setData(self.index(i, 0), state, Qt.ItemDataRole.CheckStateRole)

    def clear_checks(self) -> None:
        self.checked = set()
        self._checked_total = Decimal(0)
        self._check_column_changed()

    def _row_sort_key(self, column: int):
        return None if column == 0 else super()._row_sort_key(column)

    def _state_sort_key(self, column: int):
        return lambda r: self._row_id(r) in self.checked  # the tick column: ticked last/first



MISSING = QColor("#b35900")


def _documents_text(load) -> str:
    from factor_desk.domain.trade import DocumentKind

    have = ", ".join(DocumentKind(k).label for k in load.documents) or "none"
    if load.missing_documents:
        missing = ", ".join(DocumentKind(k).label for k in load.missing_documents)
        return f"⚠ missing {missing}" + (f" (has {have})" if load.documents else "")
    return have


def documents_column(title: str) -> Column:
    """A load's supporting documents, the required ones it lacks marked (and sorted first
    when sorted descending)."""
    return Column(title, lambda ld: bool(ld.missing_documents), text=_documents_text,
                  foreground=lambda ld: MISSING if ld.missing_documents else None)
