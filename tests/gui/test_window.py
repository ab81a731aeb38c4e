"""The whole round trip as a clerk does it in the window, checked both on screen and in
the database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from helpers import settle, write_csv_file
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from factor_desk.domain.errors import InputRefused
from factor_desk.domain.money import format_money

NOA = "NOTICE OF ASSIGNMENT: PAY RTS FINANCIAL, P.O. BOX 1, ATLANTA, GA 30301 ONLY."


def drop_files(widget, paths, pos: QPoint | None = None) -> None:
    """Drag files over ``widget`` and drop them, as the file manager does."""
    pos = pos or QPoint(20, 20)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(widget, QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime,
                                                   buttons, modifiers))
    QApplication.sendEvent(widget, QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime,
                                              buttons, modifiers))


def test_the_window_names_its_pages_and_database(window):
    nav = window.nav
    top = [nav.topLevelItem(i).text(0) for i in range(nav.topLevelItemCount())]
    assert top == ["Home", "Company profile", "Accounting Tools", "Reports", "Loads"]
    assert nav.topLevelItem(2).child(0).text(0) == "Factoring Batch"
    assert nav.topLevelItem(3).child(0).text(0) == "Factoring Reports"
    assert window.database.text().startswith("SQLite file ")
    assert window.windowTitle() == f"Home — Factor Desk — {window.desk.signed_in()}"
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Accounting Tools" in menus and "&Reports" in menus


def test_set_the_notice_of_assignment_in_manage_important_info(qtbot, window, desk):
    window.show_page("company")
    settle(qtbot, window)
    page = window.pages["company"]
    page.subsidiary.setCurrentText("Blue Ridge Logistics Inc")
    assert page.info_model.rowCount() == 0
    page.add_info.click()
    dialog = page.dialog
    assert dialog.windowTitle() == "Manage Important Info"
    assert dialog.kind.currentText() == "Notice of Assignment"  # first in the list
    dialog.text.setPlainText(NOA)
    dialog.save.click()
    settle(qtbot, window)
    assert not dialog.isVisible()
    assert [e.text for e in page.info_model.rows()] == [NOA]
    sub = next(s for s in desk.profile().subsidiaries if s.name == "Blue Ridge Logistics Inc")
    assert sub.notice_of_assignment == NOA


def test_unsaved_general_info_asks_before_leaving(qtbot, window, desk, asker):
    window.show_page("company")
    settle(qtbot, window)
    page = window.pages["company"]
    page.fields["phone"].setText("(540) 555-9999")
    page.fields["phone"].textEdited.emit("(540) 555-9999")
    asker.answer("choice", None)  # Cancel: stay
    window.show_page("loads")
    assert window.stack.currentWidget() is page
    asker.answer("choice", "Save")
    window.show_page("loads")
    settle(qtbot, window)
    assert window.stack.currentWidget() is window.pages["loads"]
    phones = {s.name: s.phone for s in desk.profile().subsidiaries}
    assert phones["Blue Ridge Freight LLC"] == "(540) 555-9999"


def test_select_loads_and_submit_a_batch(qtbot, window, desk, asker):
    window.show_page("batch")  # the window opens on Home
    settle(qtbot, window)
    page = window.pages["batch"]
    assert page.subsidiary.currentText() == "Blue Ridge Freight LLC"
    assert page.model.rowCount() == 12
    page.search.setText("Summit")
    visible = page.model.rows()
    assert visible and all(ld.customer.startswith("Summit") for ld in visible)
    page.search.clear()
    for row in range(3):
        page.model.setData(page.model.index(row, 0), Qt.CheckState.Checked,
                           Qt.ItemDataRole.CheckStateRole)
    chosen = page.model.checked_rows()
    total = sum((ld.amount for ld in chosen), Decimal(0))
    assert page.footer.text().startswith(f"3 selected · {format_money(total)}")
    asker.answer("confirm", True, True)  # Submit Batch?  then: Open Factoring Reports?
    page.submit.click()
    settle(qtbot, window)
    assert window.stack.currentWidget() is window.pages["reports"]
    settle(qtbot, window)
    invoiced = {ld.load_number for ld in desk.loads(status="Invoiced")}
    assert invoiced == {ld.load_number for ld in chosen}
    assert [o.batch.batch for o in window.pages["reports"].batches.rows()] == ["BRF-0001"]
    window.show_page("batch")
    settle(qtbot, window)
    assert page.model.rowCount() == 9
    assert page.footer.text().startswith("0 selected · $0.00")


def test_select_all_visible_and_clear(qtbot, window):
    window.show_page("batch")  # the window opens on Home
    settle(qtbot, window)
    page = window.pages["batch"]
    page.search.setText("Summit")
    shown = page.model.rowCount()
    page.model.check_visible()
    assert len(page.model.checked) == shown
    page.search.clear()
    page.model.check_all()
    assert len(page.model.checked) == 12
    page.model.clear_checks()
    assert page.model.checked == set()


def test_without_a_notice_the_page_says_so_and_links_to_it(qtbot, window):
    window.show_page("batch")  # the window opens on Home
    settle(qtbot, window)
    page = window.pages["batch"]
    page.subsidiary.setCurrentText("Blue Ridge Logistics Inc")
    settle(qtbot, window)
    assert page.banner.isVisible()
    assert "has no Notice of Assignment" in page.banner.label.text()
    assert not page.submit.isEnabled()
    page.banner.link_clicked.emit("company")
    assert window.stack.currentWidget() is window.pages["company"]


def _submit_all(qtbot, window, asker) -> str:
    window.show_page("batch")  # the window opens on Home
    settle(qtbot, window)
    page = window.pages["batch"]
    page.model.check_all()
    asker.answer("confirm", True, False)
    page.submit.click()
    settle(qtbot, window)
    return "BRF-0001"


@pytest.mark.slow
def test_download_a_batch_to_a_folder(qtbot, window, asker, tmp_path):
    batch = _submit_all(qtbot, window, asker)
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    assert page.selected_batch() == batch
    asker.answer("folder", str(tmp_path / "out"))
    asker.answer("confirm", False)  # do not open the folder
    page.download.click()
    settle(qtbot, window, 60_000)
    folder = tmp_path / "out" / batch
    assert (folder / f"Schedule_of_Accounts_{batch}.xlsx").exists()
    assert len(list((folder / "invoices").iterdir())) == 12
    assert page.last_export.folder == folder
    assert any("was saved to" in text for kind, text in asker.asked if kind == "confirm")


def _report(path: Path, header: list[str], rows: list[list]) -> Path:
    return write_csv_file(path, [header, *rows])


@pytest.mark.slow
def test_drop_both_reports_preview_apply_and_undo(qtbot, window, desk, asker, tmp_path):
    batch = _submit_all(qtbot, window, asker)
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    lines = desk.reconcile(batch).batches[0].rows
    purchase = _report(tmp_path / "purchase.csv",
                       ["Invoice #", "Invoice Amount", "Purchase Date", "Status"],
                       [[r.invoice_number, str(r.amounts["invoiced"]),
                         "11/28/2026", "Purchased"] for r in lines[:-1]])
    drop_files(page, [purchase])
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert dialog is not None and dialog.isVisible()
    outcomes = {r.outcome for r in dialog.model.rows()}
    assert outcomes == {"applies"}
    assert "Not in the report (1)" in dialog.totals.text()
    assert not dialog.apply.isEnabled()  # the missing invoice needs a confirmation
    dialog.confirm.setChecked(True)
    assert dialog.apply.isEnabled()
    dialog.apply.click()
    settle(qtbot, window)
    assert not dialog.isVisible()
    statuses = {ld.load_number: ld.status for ld in desk.loads()}
    assert sum(s == "Financed" for s in statuses.values()) == 11

    first = lines[0]
    payments = _report(tmp_path / "payments.csv",
                       ["Invoice Number", "Date Paid", "Paid Amount", "Reference Number",
                        "Short Pay Reason"],
                       [[first.invoice_number, "2026-12-28",
                         str(first.amounts["invoiced"] - 50), "ACH-1",
                         "lumper disputed"],
                        [lines[-1].invoice_number, "2026-12-28", "10.00", "ACH-2", ""]])
    drop_files(page, [payments])
    settle(qtbot, window)
    dialog = page.preview_dialog
    rows = {r.first: r for r in dialog.model.rows()}
    assert rows[first.invoice_number].outcome == "warning"
    assert "short pay of $50.00 (lumper disputed)" in rows[first.invoice_number].why
    assert rows[lines[-1].invoice_number].outcome == "error"
    assert "upload the purchase report" in rows[lines[-1].invoice_number].why
    background = dialog.model.data(dialog.model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert background is not None
    text = dialog.model.data(dialog.model.index(0, 0), Qt.ItemDataRole.ForegroundRole)
    assert text.color().name() == "#000000"  # readable on the light row colour in dark mode
    assert not dialog.apply.isEnabled()  # an error row: nothing can apply
    dialog.reject()
    payments = _report(tmp_path / "payments2.csv",
                       ["Invoice Number", "Date Paid", "Paid Amount", "Reference Number"],
                       [[first.invoice_number, "2026-12-28",
                         str(first.amounts["invoiced"]), "ACH-1"]])
    drop_files(page, [payments])
    settle(qtbot, window)
    page.preview_dialog.apply.click()
    settle(qtbot, window)
    assert {ld.load_number: ld.status for ld in desk.loads()}[first.load_number] == \
        "Completed"
    history = page.history.rows()
    assert [(h.kind, h.status) for h in history] == [("payments", "applied"),
                                                     ("purchase", "applied")]
    recon = dict(page.recon.rows())
    assert recon["Paid"] == first.amounts["invoiced"]

    page.history_view.selectRow(0)
    asker.answer("confirm", True)
    page.undo.click()
    settle(qtbot, window)
    assert {ld.load_number: ld.status for ld in desk.loads()}[first.load_number] == \
        "Financed"
    assert page.history.rows()[0].status == "undone"


@pytest.mark.slow
def test_a_dropped_file_that_is_no_report_gets_a_clear_message(qtbot, window, asker, tmp_path):
    _submit_all(qtbot, window, asker)
    window.show_page("reports")
    settle(qtbot, window)
    bad = tmp_path / "notes.csv"
    bad.write_text("Name,Phone\nBob,555\n", encoding="utf-8")
    asker.answer("choice", "Payment Report")
    drop_files(window.pages["reports"], [bad])
    settle(qtbot, window)
    assert isinstance(asker.problems[-1], InputRefused)
    assert "does not look like a payment report" in str(asker.problems[-1])


@pytest.mark.slow
def test_loads_page_detail_attach_by_drop_and_import(qtbot, window, desk, asker, tmp_path):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    page.status_filter.setCurrentText("Queued")
    settle(qtbot, window)
    assert {ld.status for ld in page.model.rows()} == {"Queued"}
    page.view.selectRow(0)
    settle(qtbot, window)
    number = page.selected_load_number()
    assert page.detail_title.text() == f"Load {number}"
    assert [(h.from_status, h.to_status) for h in page.history.rows()] == [(None, "Queued")]
    before = len(page.documents.rows())
    from helpers import tiny_pdf

    pdf = tmp_path / "lumper.pdf"
    pdf.write_bytes(tiny_pdf("lumper"))
    asker.answer("item", "Lumper receipt")
    drop_files(page.detail, [pdf])
    settle(qtbot, window)
    kinds = [d.kind for d in page.documents.rows()]
    assert len(kinds) == before + 1 and "lumper" in kinds

    loads = tmp_path / "loads.csv"
    loads.write_text("Load #,Customer,Total\nN1,New Broker,100.00\nN2,New Broker,abc\n",
                     encoding="utf-8")
    page.subsidiary.setCurrentText("Blue Ridge Freight LLC")
    settle(qtbot, window)
    page.import_file(str(loads))
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert [(r.row, r.first, r.outcome) for r in dialog.model.rows()] == [(3, "Total",
                                                                           "error")]
    assert not dialog.apply.isEnabled()
    dialog.confirm.setChecked(True)  # the good rows only
    dialog.apply.click()
    settle(qtbot, window)
    assert "N1" in {ld.load_number for ld in desk.loads()}
    assert "N2" not in {ld.load_number for ld in desk.loads()}


@pytest.mark.slow
def test_the_loads_preview_shows_which_customer_a_row_is_billed_to(qtbot, window, desk,
                                                                   tmp_path):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    loads = tmp_path / "loads.csv"
    loads.write_text("Load #,Customer,MC,Total\nW1,Alpha Co,MC-880001,100\n"
                     "W2,Bravo Co,880001,100\nW3,Carl Co,N/A,100\nW4,Dora Co,N/A,100\n",
                     encoding="utf-8")
    page.subsidiary.setCurrentText("Blue Ridge Freight LLC")
    settle(qtbot, window)
    page.import_file(str(loads))
    settle(qtbot, window)
    dialog = page.preview_dialog
    (row,) = dialog.model.rows()
    assert (row.row, row.first, row.second, row.outcome) == (3, "Customer", "W2", "warning")
    assert "Bravo Co" in row.why and "Alpha Co" in row.why
    assert dialog.apply.isEnabled()
    dialog.apply.click()
    settle(qtbot, window)
    billed = {ld.load_number: ld.customer for ld in desk.loads()}
    assert [billed[n] for n in ("W1", "W2", "W3", "W4")] == [
        "Alpha Co", "Alpha Co", "Carl Co", "Dora Co"]


def test_a_second_job_while_one_runs_is_refused(qtbot, window, asker):
    import threading

    from factor_desk.gui.jobs import Job

    gate = threading.Event()
    page = window.pages["batch"]
    page.run(Job("A long job", lambda: gate.wait(10)))
    assert window.runner.busy
    assert page.run(Job("Another job", lambda: None)) is False
    assert any("A long job is still running" in text for kind, text in asker.asked)
    gate.set()
    settle(qtbot, window)


def test_quitting_during_work_asks_then_stops_cleanly(qtbot, window, asker):
    import threading

    from factor_desk.gui.jobs import Job

    started = threading.Event()
    stopped = []

    def work(should_stop):
        started.set()
        while not should_stop():
            threading.Event().wait(0.01)
        stopped.append(True)

    window.pages["batch"].run(Job("A long job", work))
    started.wait(5)
    asker.answer("confirm", False)
    window.close()
    assert window.isVisible()  # the clerk said no
    asker.answer("confirm", True)
    window.close()
    assert not window.isVisible()
    assert stopped == [True] and not window.runner.busy


def test_window_remembers_geometry_page_and_subsidiary(qtbot, desk, home, asker):
    from factor_desk.db.database import Location
    from factor_desk.gui.app import settings_for
    from factor_desk.gui.main_window import MainWindow

    first = MainWindow(desk, settings_for(Location.resolve(home)), asker=asker)
    qtbot.addWidget(first)
    first.show()
    settle(qtbot, first)
    first.show_page("batch")  # the window opens on Home
    settle(qtbot, first)
    first.resize(1111, 777)
    first.pages["batch"].subsidiary.setCurrentText("Blue Ridge Logistics Inc")
    first.show_page("loads")
    settle(qtbot, first)
    first.close()
    second = MainWindow(desk, settings_for(Location.resolve(home)), asker=asker)
    qtbot.addWidget(second)
    second.show()
    settle(qtbot, second)
    assert second.stack.currentWidget() is second.pages["loads"]
    # restored to the size it had (the offscreen platform's frame may shift it a few pixels),
    # as far as the screen holds it (the offscreen one is 800 wide: Qt narrows the window
    # to it, then to the window's minimum width)
    wide = max(second.screen().availableGeometry().width(), second.minimumSizeHint().width())
    assert abs(second.width() - min(1111, wide)) <= 10 and abs(second.height() - 777) <= 10
    second.show_page("batch")
    settle(qtbot, second)
    assert second.pages["batch"].subsidiary.currentText() == "Blue Ridge Logistics Inc"
    second.close()


def test_a_refused_submit_is_a_clear_message_and_a_bug_is_logged(qtbot, window, asker, home,
                                                                  monkeypatch):
    window.show_page("batch")  # the window opens on Home
    settle(qtbot, window)
    page = window.pages["batch"]
    page.model.check_all()
    # another clerk batches one of the loads a moment before this clerk submits
    other = page.model.checked_rows()[0].load_number
    window.desk.submit_batch("Blue Ridge Freight LLC", [other])
    asker.answer("confirm", True)
    page.submit.click()
    settle(qtbot, window)
    assert isinstance(asker.problems[-1], InputRefused)
    assert f"Load {other} is Invoiced" in str(asker.problems[-1])

    import logging

    from PySide6.QtWidgets import QMessageBox

    from factor_desk.db.database import Location
    from factor_desk.gui.app import setup_logging
    from factor_desk.gui.common import show_bug

    setup_logging(Location.resolve(home))
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.detailedText()))
    try:
        raise RuntimeError("something broke")
    except RuntimeError as exc:
        show_bug(window, exc)
    for h in logging.getLogger("factor_desk").handlers:
        h.flush()
    assert "RuntimeError: something broke" in shown[0]
    assert "RuntimeError: something broke" in (home / "factor_desk.log").read_text(encoding="utf-8")


def test_both_report_templates_download_from_factoring_reports(qtbot, window, asker,
                                                               tmp_path):
    from factor_desk.services.reports import report_template

    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    for kind, name in (("purchase", "Purchase_Report.csv"), ("payments", "Payments_Report.csv")):
        asker.answer("save_file", str(tmp_path / name))
        page.save_template(kind)
        assert (tmp_path / name).read_bytes() == report_template(kind).encode()
    shortcuts = {a.text(): a.shortcut().toString() for m in window.menuBar().actions()
                 for a in m.menu().actions() if a.text()}
    assert shortcuts["Factoring &Batch"] == "Ctrl+2"
    assert shortcuts["Upload &Purchase Report…"] == "Ctrl+U"
