"""The Factoring Batch grid: a click on a row's text selects it, only the tick box and
Space tick; a load that cannot be batched cannot be ticked, and says why; a late result
never shows another subsidiary's loads under the name in the box."""

from __future__ import annotations

import threading

from helpers import load_row, settle, write_loads_csv
from PySide6.QtCore import Qt

from factor_desk.gui.jobs import Job

FREIGHT = "Blue Ridge Freight LLC"
LOGISTICS = "Blue Ridge Logistics Inc"


def _row_of(model, number: str) -> int:
    return next(i for i in range(model.rowCount()) if model.row_at(i).load_number == number)


def _selected(page) -> list[str]:
    return [page.model.row_at(ix.row()).load_number
            for ix in page.view.selectionModel().selectedRows()]


def test_a_click_selects_the_row_and_the_tick_box_or_space_ticks_it(qtbot, window):
    window.show_page("batch")
    settle(qtbot, window)
    page = window.pages["batch"]
    model, view = page.model, page.view
    number = model.row_at(2).load_number
    rect = view.visualRect(model.index(2, 2))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert _selected(page) == [number]
    assert model.checked == set()  # selected, not ticked
    assert page.footer.text().startswith("0 selected")

    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert model.checked == {number}
    assert page.footer.text().startswith("1 selected")
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert model.checked == set()

    row = _row_of(model, number)
    box = view.style().subElementRect(
        view.style().SubElement.SE_ItemViewItemCheckIndicator, _option(view, row), view)
    cell = view.visualRect(model.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=cell.topLeft() + box.center())
    assert model.checked == {number}


def _option(view, row):
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    index = view.model().index(row, 0)
    option.rect = view.visualRect(index).translated(-view.visualRect(index).topLeft())
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    return option


def test_a_load_missing_documents_cannot_be_ticked_and_says_why(qtbot, window, desk,
                                                                 tmp_path):
    path = write_loads_csv(tmp_path / "loads.csv", [load_row("90001")])
    desk.import_loads(path, FREIGHT, only_valid=False)  # no rate confirmation, no proof of delivery
    window.show_page("batch")
    settle(qtbot, window)
    page = window.pages["batch"]
    model = page.model
    lacking = next(r for r in model.rows() if r.load_number == "90001")
    assert lacking.missing_documents
    row = _row_of(model, lacking.load_number)
    index = model.index(row, 0)
    assert not model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.data(index, Qt.ItemDataRole.CheckStateRole) is None  # no box: a mark
    assert "missing" in model.data(index, Qt.ItemDataRole.ToolTipRole).lower()
    assert not model.setData(index, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    ok = next(r for r in model.rows() if not r.missing_documents)
    assert model.flags(model.index(_row_of(model, ok.load_number), 0)) & \
        Qt.ItemFlag.ItemIsUserCheckable
    assert model.data(model.index(_row_of(model, ok.load_number), 0),
                      Qt.ItemDataRole.ToolTipRole) is None
    model.check_all()
    assert lacking.load_number not in model.checked
    assert model.checked == {r.load_number for r in model.rows() if not r.missing_documents}


class SlowDesk:
    """The desk, with eligible_loads (or profile) held on a gate the test opens."""

    def __init__(self, desk, slow: str):
        self._desk, self._slow = desk, slow
        self.gate = threading.Event()
        self.entered = threading.Event()

    def __getattr__(self, name):
        real = getattr(self._desk, name)
        if name != self._slow:
            return real

        def held(*args, **kwargs):
            self.entered.set()
            self.gate.wait(10)
            return real(*args, **kwargs)

        return held


def _shows(page, desk, name: str) -> bool:
    return page.subsidiary.currentText() == name and \
        {ld.load_number for ld in page.model.rows()} == \
        {ld.load_number for ld in desk.eligible_loads(name)}


def test_switching_while_the_grid_loads_shows_the_subsidiary_chosen(qtbot, window, desk):
    window.show_page("batch")
    settle(qtbot, window)
    page = window.pages["batch"]
    assert _shows(page, desk, FREIGHT)
    slow = SlowDesk(desk, "eligible_loads")
    page.desk = slow
    page.refresh()
    qtbot.waitUntil(slow.entered.is_set)  # the grid of FREIGHT is being read
    page.subsidiary.setCurrentText(LOGISTICS)  # the clerk switches meanwhile
    slow.gate.set()
    settle(qtbot, window)
    assert _shows(page, desk, LOGISTICS)


def test_switching_while_the_subsidiaries_load_keeps_the_clerks_choice(qtbot, window,
                                                                         desk):
    window.show_page("batch")
    settle(qtbot, window)
    page = window.pages["batch"]
    slow = SlowDesk(desk, "profile")
    page.desk = slow
    page.refresh()
    qtbot.waitUntil(slow.entered.is_set)  # the list of subsidiaries is being read
    page.subsidiary.setCurrentText(LOGISTICS)
    slow.gate.set()
    settle(qtbot, window)
    assert _shows(page, desk, LOGISTICS)


def test_a_result_for_another_subsidiary_is_never_shown(qtbot, window, desk):
    window.show_page("batch")
    settle(qtbot, window)
    page = window.pages["batch"]
    seen: list = []
    page.model.layoutChanged.connect(lambda *_: seen.append(_shows(
        page, desk, page.subsidiary.currentText())))
    gate = threading.Event()
    page.run(Job("A long job", lambda: gate.wait(10)))
    page.subsidiary.setCurrentText(LOGISTICS)
    page.subsidiary.setCurrentText(FREIGHT)
    page.subsidiary.setCurrentText(LOGISTICS)
    gate.set()
    settle(qtbot, window)
    assert _shows(page, desk, LOGISTICS)
    assert seen and all(seen), seen
