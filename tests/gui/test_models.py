"""Every table model of the window passes pytest-qt's model tester, and sorting and
filtering keep what the clerk ticked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from helpers import settle
from PySide6.QtCore import Qt

from factor_desk.gui.models import CheckableRowModel, Column, RowTableModel


@dataclass
class Row:
    number: str
    customer: str
    amount: Decimal


ROWS = [Row("3", "Summit", Decimal("30.00")), Row("1", "Keystone", Decimal("10.50")),
        Row("2", "Summit Freight", Decimal("20.25"))]


def _columns():
    return [Column("Load #", lambda r: r.number), Column("Customer", lambda r: r.customer),
            Column("Amount", lambda r: r.amount, align_right=True)]


def test_row_model_passes_the_model_tester(qtmodeltester):
    model = RowTableModel(_columns(), search_text=lambda r: r.customer)
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    model.sort(2, Qt.SortOrder.DescendingOrder)
    assert [r.number for r in model.rows()] == ["3", "2", "1"]
    model.set_filter("summit")
    assert [r.number for r in model.rows()] == ["3", "2"]
    assert model.data(model.index(0, 2)) == "$30.00"
    qtmodeltester.check(model)


def test_checks_survive_sorting_and_filtering(qtmodeltester):
    changes = []
    model = CheckableRowModel(_columns(), row_id=lambda r: r.number,
                              amount=lambda r: r.amount, search_text=lambda r: r.customer)
    model.selection_changed.connect(lambda: changes.append(model.checked_total))
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    model.setData(model.index(1, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.checked == {"1"} and model.checked_total == Decimal("10.50")
    model.sort(1, Qt.SortOrder.AscendingOrder)
    model.set_filter("summit")
    model.check_visible()
    assert model.checked == {"1", "2", "3"}
    assert model.checked_total == Decimal("60.75")
    model.set_filter("")
    model.sort(0, Qt.SortOrder.DescendingOrder)  # ticked first
    model.setData(model.index(0, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert len(model.checked) == 2
    model.set_rows(ROWS[:2])  # a refresh drops ticks of loads that are gone
    assert model.checked <= {"1", "3"}
    assert changes
    qtmodeltester.check(model)


def test_every_model_of_the_window_passes(qtbot, qtmodeltester, window, asker):
    window.show_page("batch")  # the window opens on Home
    settle(qtbot, window)
    page = window.pages["batch"]
    page.model.check_all()
    asker.answer("confirm", True, False)
    page.submit.click()
    settle(qtbot, window)
    models = []
    for key in ("company", "batch", "reports", "loads"):
        window.show_page(key)
        settle(qtbot, window)
    loads = window.pages["loads"]
    loads.view.selectRow(0)
    settle(qtbot, window)
    reports = window.pages["reports"]
    models = [window.pages["company"].info_model, window.pages["batch"].model,
              reports.batches, reports.recon, reports.history, loads.model, loads.history,
              loads.documents]
    for model in models:
        qtmodeltester.check(model)
    assert reports.batches.rowCount() == 1 and loads.model.rowCount() > 0
