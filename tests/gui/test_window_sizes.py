"""A clerk's small screen: the window shrinks to 1024×640 and every page stays usable; at
1280×800 the key columns and figures are in sight; tables fill their width, long text is
elided with its whole text in the tool tip; the loads count follows the search; an empty
table says what to do."""

from __future__ import annotations

from helpers import settle
from PySide6.QtCore import Qt

from factor_desk.gui import common

FREIGHT = "Blue Ridge Freight LLC"


def _column_in_sight(view, title: str) -> bool:
    model = view.model()
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == title)
    header = view.horizontalHeader()
    left = header.sectionViewportPosition(column)
    return not header.isSectionHidden(column) and left >= 0 and \
        left + header.sectionSize(column) <= view.viewport().width() + 1


def _row_in_sight(view, text: str) -> bool:
    model = view.model()
    row = next(r for r in range(model.rowCount())
               if model.data(model.index(r, 0)) == text)
    rect = view.visualRect(model.index(row, 0))
    return view.viewport().rect().contains(rect)


def test_the_window_shrinks_to_1024_by_640_on_every_page(qtbot, window):
    for key in ("home", "company", "batch", "reports", "loads"):
        window.show_page(key)
        settle(qtbot, window)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 640, (key, hint)
        window.resize(1024, 640)
        qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 640))


def test_at_1280_by_800_the_key_columns_and_figures_are_in_sight(qtbot, window, desk):
    numbers = sorted(ld.load_number for ld in desk.eligible_loads(FREIGHT))
    desk.submit_batch(FREIGHT, numbers[:3])
    window.resize(1280, 800)
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    qtbot.waitUntil(lambda: page.recon.rowCount() > 0)
    assert _row_in_sight(page.recon_view, "Open balance")
    assert _column_in_sight(page.batch_view, "Open balance")
    for title in ("Rows", "Status"):
        assert _column_in_sight(page.history_view, title)
    window.show_page("loads")
    settle(qtbot, window)
    loads = window.pages["loads"]
    for title in ("Load #", "Customer", "Amount", "Status"):
        assert _column_in_sight(loads.view, title)


def test_tables_fill_their_width_and_long_text_shows_whole_in_its_tip(qtbot, window):
    window.resize(1280, 800)
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    for view in (page.batch_view, page.history_view, page.recon_view):
        header = view.horizontalHeader()
        assert header.length() >= view.viewport().width() - 1
    window.show_page("loads")
    settle(qtbot, window)
    model = window.pages["loads"].model
    customer = next(c for c in range(model.columnCount())
                    if model.headerData(c, Qt.Orientation.Horizontal) == "Customer")
    long_row = next(r for r in range(model.rowCount())
                    if len(model.data(model.index(r, customer))) > 20)
    index = model.index(long_row, customer)
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == model.data(index)


def test_the_loads_count_follows_the_search(qtbot, window, desk):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    every = len(desk.loads())
    assert page.count.text() == f"{every} loads"
    number = page.model.row_at(0).load_number
    page.search.setText(number)
    assert page.count.text() == f"{page.model.rowCount()} of {every} loads"
    assert page.model.rowCount() < every
    page.search.clear()
    assert page.count.text() == f"{every} loads"

    window.show_page("batch")
    settle(qtbot, window)
    batch = window.pages["batch"]
    total = batch.model.total_count
    batch.search.setText(batch.model.row_at(0).load_number)
    assert f"({batch.model.rowCount()} of {total} loads" in batch.footer.text()


def test_empty_tables_say_what_to_do(qtbot, window, desk):
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    expected = {page.batch_view: "No batches yet — submit one from Factoring Batch",
                page.history_view: "No reports imported yet",
                page.recon_view: "Select a batch"}
    for view, text in expected.items():
        hint = common.empty_hint(view)
        assert hint is not None and hint.isVisible() and text in hint.text(), text
    window.show_page("loads")
    settle(qtbot, window)
    loads = window.pages["loads"]
    assert not common.empty_hint(loads.view).isVisible()
    loads.search.setText("no such load anywhere")
    assert common.empty_hint(loads.view).isVisible()
    assert "No load matches" in common.empty_hint(loads.view).text()
    for view in (loads.history_view, loads.documents_view):
        assert common.empty_hint(view) is not None
    window.show_page("batch")
    settle(qtbot, window)
    batch = window.pages["batch"]
    batch.model.set_rows([])
    assert common.empty_hint(batch.view).isVisible()
    assert "No loads ready to factor" in common.empty_hint(batch.view).text()
    assert common.empty_hint(window.pages["company"].info_view) is not None


def test_at_1024_by_640_the_amounts_are_in_sight(qtbot, window, desk):
    numbers = sorted(ld.load_number for ld in desk.eligible_loads(FREIGHT))
    desk.submit_batch(FREIGHT, numbers[:3])
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 640))
    for key, view, titles in (
            ("batch", "view", ("Load #", "Customer", "Amount")),
            ("loads", "view", ("Load #", "Customer", "Amount", "Status")),
            ("reports", "batch_view", ("Batch", "Total", "Open balance"))):
        window.show_page(key)
        settle(qtbot, window)
        table = getattr(window.pages[key], view)
        for title in titles:
            assert _column_in_sight(table, title), (key, title)
