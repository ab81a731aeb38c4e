"""Reports → Audit (issue #15): who did what, when, to which loads and batches, from which
file; chosen by clerk and by day, read off the GUI thread; a double-click on an entry of
one load opens it on the Loads page, on an entry of a batch that batch on Factoring
Reports."""

from __future__ import annotations

from helpers import settle
from PySide6.QtCore import QDate, Qt

from factor_desk.services import loads as load_service

SUB = "Blue Ridge Freight LLC"


def _page(qtbot, window):
    window.show_page("audit")
    settle(qtbot, window)
    return window.pages["audit"]


def _column(page, title: str) -> list[str]:
    model = page.model
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    col = titles.index(title)
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_the_audit_page_lists_who_did_what(qtbot, window, desk, qtmodeltester):
    batch = desk.submit_all_eligible(SUB)
    page = _page(qtbot, window)
    assert window.windowTitle() == f"Audit — Factor Desk — {window.desk.signed_in()}"
    assert window.nav.currentItem().text(0) == "Audit"
    assert window.nav.currentItem().parent().text(0) == "Reports"
    model = page.model
    qtmodeltester.check(model)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "When", "Who", "What", "Loads", "Batch", "File", "Detail"]
    whats = _column(page, "What")
    assert whats[0] == "Submitted a batch" and "Added loads" in whats  # newest first
    assert _column(page, "Batch")[0] == batch.batch
    assert _column(page, "Loads")[0].startswith(f"{batch.invoices} loads: ")
    assert set(_column(page, "Who")) == {desk.user()}
    assert page.count.text() == f"{model.rowCount()} entries"


def test_a_clerk_and_a_day_choose_what_is_shown(qtbot, window, desk):
    number = desk.eligible_loads(SUB)[0].load_number
    with desk.db.write() as work:  # another clerk, on the same data
        work.user = "clerk2"
        load_service.void_loads(work, [number], reason="cancelled")
    page = _page(qtbot, window)
    clerks = [page.clerk.itemText(i) for i in range(page.clerk.count())]
    assert clerks == ["Every clerk", *sorted({desk.user(), "clerk2"}, key=str.casefold)]

    page.clerk.setCurrentText("clerk2")
    settle(qtbot, window)
    assert _column(page, "Who") == ["clerk2"]
    assert _column(page, "What") == ["Voided a load"]
    assert _column(page, "Detail") == ["cancelled"]

    page.since_on.setChecked(True)
    page.since.setDate(QDate.currentDate().addDays(1))
    settle(qtbot, window)
    assert page.model.rowCount() == 0 and page.count.text() == "0 entries"
    page.clerk.setCurrentText("Every clerk")
    page.since_on.setChecked(False)
    settle(qtbot, window)
    assert len(set(_column(page, "Who"))) == 2


def test_double_click_on_an_entry_of_one_load_opens_it(qtbot, window, desk):
    number = desk.eligible_loads(SUB)[0].load_number
    desk.unqueue_loads([number], "waiting for the POD")
    page = _page(qtbot, window)
    assert _column(page, "Loads")[0] == number
    page.table.doubleClicked.emit(page.model.index(0, 0))
    settle(qtbot, window)
    loads = window.pages["loads"]
    assert window.current_page is loads
    qtbot.waitUntil(lambda: loads.selected_load_number() == number)

    window.show_page("audit")
    settle(qtbot, window)
    many = _column(page, "What").index("Added loads")  # many loads: nothing to open
    page.table.doubleClicked.emit(page.model.index(many, 0))
    assert window.current_page is page


def test_double_click_on_a_batch_entry_opens_the_batch(qtbot, window, desk):
    numbers = [ld.load_number for ld in desk.eligible_loads(SUB)]
    first = desk.submit_batch(SUB, numbers[:2]).batch
    desk.submit_batch(SUB, numbers[2:4])  # the newer one, selected on the page by itself
    page = _page(qtbot, window)
    row = next(r for r in range(page.model.rowCount())
               if page.model.row_at(r).batch == first)
    page.table.doubleClicked.emit(page.model.index(row, 0))
    settle(qtbot, window)
    reports = window.pages["reports"]
    assert window.current_page is reports
    qtbot.waitUntil(lambda: reports.selected_batch() == first)


def test_the_page_says_when_older_entries_are_not_shown(qtbot, window, desk, monkeypatch):
    from factor_desk.gui import audit_page

    monkeypatch.setattr(audit_page, "LIMIT", 2)
    page = _page(qtbot, window)
    assert page.model.rowCount() == 2
    assert page.count.text() == "The newest 2 entries; older ones are not shown"
