"""Factoring Reports: Recall… the selected invoices and Reverse batch… (issue #12); each
dialog says what will change before it does (the fake asker answers)."""

from __future__ import annotations

from helpers import settle
from PySide6.QtCore import QItemSelectionModel, Qt

FREIGHT = "Blue Ridge Freight LLC"
BATCHED = ["10001", "10002", "10003"]


def _statuses(desk):
    return {ld.load_number: ld.status for ld in desk.loads(subsidiary=FREIGHT)}


def _select(panel, numbers):
    model, selection = panel.model, panel.view.selectionModel()
    selection.clearSelection()
    for r in range(model.rowCount()):
        if model.row_at(r).load_number in numbers:
            selection.select(model.index(r, 0), QItemSelectionModel.SelectionFlag.Select
                             | QItemSelectionModel.SelectionFlag.Rows)


def test_recall_then_reverse_from_the_window(qtbot, qtmodeltester, window, desk, asker):
    batch = desk.submit_batch(FREIGHT, BATCHED).batch
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    assert page.selected_batch() == batch
    panel = page.invoices
    assert not panel.recall_button.isEnabled()  # nothing selected
    _select(panel, ["10001", "10002"])
    assert panel.recall_button.isEnabled()

    asker.answer("confirm", False)  # the clerk reads what will change, and cancels
    qtbot.mouseClick(panel.recall_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    kind, text = asker.asked[-1]
    assert kind == "confirm"
    assert "2 loads (10001, 10002) go back to Queued" in text
    assert f"{batch} stays as sent" in text
    assert _statuses(desk)["10001"] == "Invoiced"

    asker.answer("confirm", True)
    asker.answer("text", "factor held: missing BOL")
    qtbot.mouseClick(panel.recall_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert not asker.problems
    statuses = _statuses(desk)
    assert (statuses["10001"], statuses["10002"], statuses["10003"]) == (
        "Queued", "Queued", "Invoiced")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3
                    and {panel.model.row_at(r).status for r in range(3)}
                    == {"Recalled", "Invoiced"})
    qtmodeltester.check(panel.model)
    assert ", 2 recalled" in panel.title() and "held" not in panel.title()
    recalled = [panel.model.row_at(r) for r in range(3)
                if panel.model.row_at(r).status == "Recalled"]
    assert all("factor held: missing BOL" in r.flag for r in recalled)
    _select(panel, ["10001"])  # a recalled invoice cannot be recalled again
    assert not panel.recall_button.isEnabled()

    asker.answer("confirm", True)
    asker.answer("text", "sent to the wrong factor")
    qtbot.mouseClick(page.reverse_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert not asker.problems
    confirm = [t for k, t in asker.asked if k == "confirm"][-1]
    assert "1 load goes back to Queued" in confirm and "becomes Reversed" in confirm
    assert _statuses(desk)["10003"] == "Queued"
    qtbot.waitUntil(lambda: [o.batch.status for o in page.batches.rows()
                             if o.batch.batch == batch] == ["Reversed"])


def test_the_batches_show_their_status_in_colour_and_filter_by_it(qtbot, window, desk):
    first = desk.submit_batch(FREIGHT, BATCHED[:1]).batch
    second = desk.submit_batch(FREIGHT, BATCHED[1:]).batch
    desk.reverse_batch(first, "wrong factor")
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    model = page.batches
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == "Status")

    def shown():
        return {model.row_at(r).batch.batch: model.index(r, column).data()
                for r in range(model.rowCount())}

    assert shown() == {first: "Reversed", second: "Submitted"}
    row = next(r for r in range(model.rowCount()) if model.row_at(r).batch.batch == first)
    assert model.index(row, column).data(Qt.ItemDataRole.ForegroundRole) is not None
    page.status_filter.setCurrentText("Reversed")
    assert shown() == {first: "Reversed"}
    page.status_filter.setCurrentText("Submitted")
    assert shown() == {second: "Submitted"}
    page.status_filter.setCurrentText("All statuses")
    assert len(shown()) == 2
