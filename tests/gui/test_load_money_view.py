"""Loads: the selected load's money lines (purchase, payments, short pay) and short pay or
overpay; its documents open in the system's viewer on a double-click and can be removed
(after asking) until it is batched."""

from __future__ import annotations

from pathlib import Path

from helpers import settle
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QTest
from test_batch_invoices import factored

from factor_desk.domain.errors import InputRefused
from factor_desk.gui.load_money import MoneyLinesModel


def open_load(qtbot, window, number: str):
    window.show_page(f"loads:{number}")
    settle(qtbot, window)
    page = window.pages["loads"]
    assert page.selected_load_number() == number
    return page


def double_click(qtbot, view, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_short_paid_loads_payments(qtbot, qtmodeltester, window, desk, tmp_path):
    batch = factored(desk, tmp_path)
    page = open_load(qtbot, window, "10001")
    money = page.money
    assert isinstance(money.lines, MoneyLinesModel)
    qtmodeltester.check(money.lines)
    assert money.lines.rowCount() == 3  # the purchase, the payment, the short pay
    cells = [[money.lines.index(r, c).data() for c in range(money.lines.columnCount())]
             for r in range(3)]
    assert cells[0][:3] == ["11/28/2026", "Purchased by the factor", "$3,304.00"]
    assert cells[1][:4] == ["12/20/2026", "Payment (factor's report)", "$3,204.00",
                            "ACH-7781"]
    assert cells[1][4].endswith("payments.csv") and cells[1][5] == "lumper not reimbursed"
    assert cells[2][1:4] == ["Short pay written off", "$100.00", "ACH-7781"]
    assert cells[2][4] == cells[1][4] and cells[2][5] == "lumper not reimbursed"
    text = money.summary.text()
    assert f"Invoice 10001 in batch {batch}: $3,304.00" in text
    assert "short paid $100.00" in text
    page = open_load(qtbot, window, "10002")
    assert "overpaid $10.00" in page.money.summary.text()
    page = open_load(qtbot, window, "10012")  # not batched
    assert page.money.summary.text().startswith("Not batched yet")
    assert page.money.lines.rowCount() == 0


def test_a_document_opens_in_the_system_viewer(qtbot, window, desk, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    page = open_load(qtbot, window, "10001")
    docs = page.documents
    doc = docs.row_at(1)
    double_click(qtbot, page.documents_view, 1)
    settle(qtbot, window)
    assert len(opened) == 1
    path = Path(opened[0].toLocalFile())
    assert path.name == doc.file_name
    assert path.read_bytes() == desk.document_file(doc.id)[1]
    assert path.read_bytes().startswith(b"%PDF")


def test_a_document_is_removed_after_asking_and_the_history_says_so(
        qtbot, window, desk, asker):
    page = open_load(qtbot, window, "10012")
    before = [page.documents.row_at(i).file_name for i in range(page.documents.rowCount())]
    page.documents_view.selectRow(0)
    gone = page.documents.row_at(0).file_name
    asker.answer("confirm", False)  # the clerk says no: nothing happens
    page.money.remove_button.click()
    settle(qtbot, window)
    assert page.documents.rowCount() == len(before)
    asker.answer("confirm", True)
    page.money.remove_button.click()
    settle(qtbot, window)
    assert [k for k, t in asker.asked if k == "confirm" and gone in t] == ["confirm"] * 2
    after = [page.documents.row_at(i).file_name for i in range(page.documents.rowCount())]
    assert after == before[1:]
    last = page.history.row_at(page.history.rowCount() - 1)
    assert last.reason.startswith("Document removed:") and gone in last.reason
    assert not asker.problems


def test_a_batched_loads_document_is_refused_with_a_reason(qtbot, window, desk, asker,
                                                            tmp_path):
    factored(desk, tmp_path)
    page = open_load(qtbot, window, "10004")
    count = page.documents.rowCount()
    page.documents_view.selectRow(0)
    asker.answer("confirm", True)
    page.money.remove_button.click()
    settle(qtbot, window)
    assert len(asker.problems) == 1 and isinstance(asker.problems[0], InputRefused)
    assert "Load 10004 is Financed" in str(asker.problems[0])
    assert page.documents.rowCount() == count


def test_remove_acts_on_nothing_without_a_selection(qtbot, window):
    page = open_load(qtbot, window, "10012")
    page.documents_view.clearSelection()
    assert not page.money.remove_button.isEnabled()
