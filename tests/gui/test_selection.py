"""Every table of the window keeps the clerk's selection, current row and ticks on the same
records through sort, filter and refresh, and a button acts on the record selected when it
is pressed: never on the row that took its place, and on nothing once that record is no
longer shown."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import settle, write_csv_file
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QPushButton, QTableView

from factor_desk.gui.jobs import Job
from factor_desk.gui.models import CheckableRowModel, Column, RowTableModel

FREIGHT = "Blue Ridge Freight LLC"
LOGISTICS = "Blue Ridge Logistics Inc"
ORDERS = (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder)


def select(view: QTableView, wanted) -> None:
    """Click the row whose record ``wanted(record)`` holds, as the clerk does."""
    model = view.model()
    rows = [i for i in range(model.rowCount()) if wanted(model.row_at(i))]
    assert len(rows) == 1, "the record is shown once"
    view.selectionModel().setCurrentIndex(
        model.index(rows[0], 1), QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)


def selected(view: QTableView) -> list:
    model = view.model()
    return [model.row_at(i.row()) for i in view.selectionModel().selectedRows()]


def current(view: QTableView):
    index = view.currentIndex()
    return view.model().row_at(index.row()) if index.isValid() else None


def button(parent, text: str) -> QPushButton:
    return next(b for b in parent.findChildren(QPushButton) if b.text() == text)


def every_sort(view: QTableView):
    """Sort the table by each of its columns, both ways, as by clicks on the header; yields
    what was done, for the assertion messages."""
    model = view.model()
    for column in range(model.columnCount()):
        for order in ORDERS:
            view.sortByColumn(column, order)
            yield f"sorted by {model.headerData(column, Qt.Orientation.Horizontal)!r} {order.name}"


# ---------------------------------------------------------------- the models themselves

@dataclass(frozen=True)
class Row:
    number: str
    customer: str
    amount: Decimal


ROWS = [Row("3", "Summit", Decimal("30.00")), Row("1", "Keystone", Decimal("10.50")),
        Row("2", "Summit Freight", Decimal("20.25")), Row("4", "Bayou", Decimal("5.00"))]


def _columns():
    return [Column("Load #", lambda r: r.number), Column("Customer", lambda r: r.customer),
            Column("Amount", lambda r: r.amount, align_right=True)]


@pytest.mark.parametrize("checkable", [False, True])
def test_selection_and_current_row_follow_their_record_through_sort_and_filter(
        qtbot, qtmodeltester, checkable):
    if checkable:
        model = CheckableRowModel(_columns(), row_id=lambda r: r.number,
                                  amount=lambda r: r.amount, search_text=lambda r: r.customer)
    else:
        model = RowTableModel(_columns(), search_text=lambda r: r.customer)
    model.set_rows(ROWS)
    qtmodeltester.check(model, force_py=True)  # asserts on every change that follows
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    select(view, lambda r: r.number == "2")
    for done in every_sort(view):
        assert [r.number for r in selected(view)] == ["2"], done
        assert current(view).number == "2", done
    model.set_filter("summit")  # "2" stays, rows around it go
    assert [r.number for r in selected(view)] == ["2"]
    assert current(view).number == "2"
    model.set_filter("keystone")  # "2" goes: no target, not its neighbour
    assert selected(view) == [] and current(view) is None
    model.set_filter("")
    assert selected(view) == [] and current(view) is None

    # several rows selected (the batch grid allows it)
    view.selectionModel().clear()
    for number in ("1", "4"):
        i = next(i for i in range(model.rowCount()) if model.row_at(i).number == number)
        view.selectionModel().select(model.index(i, 0), QItemSelectionModel.SelectionFlag.Select
                                     | QItemSelectionModel.SelectionFlag.Rows)
    for done in every_sort(view):
        assert sorted(r.number for r in selected(view)) == ["1", "4"], done
    model.set_filter("o")  # Keystone, Bayou
    assert sorted(r.number for r in selected(view)) == ["1", "4"]
    model.set_filter("bayou")
    assert [r.number for r in selected(view)] == ["4"]


def test_a_refresh_keeps_the_selection_on_the_same_record_by_its_key(qtbot, qtmodeltester):
    from factor_desk.gui.models import KEY_ROLE

    model = RowTableModel(_columns(), search_text=lambda r: r.customer,
                          row_key=lambda r: r.number)
    model.set_rows(ROWS)
    qtmodeltester.check(model, force_py=True)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    select(view, lambda r: r.number == "1")
    # a new list from the database: new objects, one more row, "1" now the largest
    fresh = [Row("5", "Lone Star", Decimal("7.00")), *(
        Row(r.number, r.customer, r.amount + (100 if r.number == "1" else 0)) for r in ROWS)]
    model.set_rows(fresh)
    assert model.rows()[0].number == "1"  # it moved, and the selection with it
    assert model.data(model.index(0, 2), KEY_ROLE) == "1"
    assert [(r.number, r.amount) for r in selected(view)] == [("1", Decimal("110.50"))]
    assert current(view).number == "1"
    model.set_rows([r for r in fresh if r.number != "1"])  # gone: nothing selected
    assert selected(view) == [] and current(view) is None
    assert model.rowCount() == 4 and view.verticalHeader().count() == 4

    keyless = RowTableModel(_columns())  # rows with no key: a refresh starts afresh
    keyless.set_rows(ROWS)
    view.setModel(keyless)
    select(view, lambda r: r.number == "3")
    keyless.set_rows(list(reversed(ROWS)))
    assert selected(view) == []


# ---------------------------------------------------------------- the window's tables

def _eligible(desk) -> list[str]:
    return sorted(ld.load_number for ld in desk.eligible_loads(FREIGHT))


@pytest.mark.slow
def test_download_gets_the_batch_the_clerk_selected(qtbot, window, desk, asker, tmp_path):
    numbers = _eligible(desk)
    for part in (numbers[:5], numbers[5:7], numbers[7:11]):  # BRF-0001, -0002, -0003
        desk.submit_batch(FREIGHT, part)
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    assert [o.batch.batch for o in page.batches.rows()] == ["BRF-0003", "BRF-0002",
                                                            "BRF-0001"]
    select(page.batch_view, lambda o: o.batch.batch == "BRF-0001")
    settle(qtbot, window)

    def check(done: str) -> None:
        assert page.selected_batch() == "BRF-0001", done
        assert current(page.batch_view).batch.batch == "BRF-0001", done
        settle(qtbot, window)
        assert page.recon_box.title() == "Reconciliation of batch BRF-0001", done
        assert page.download.isEnabled(), done

    for done in every_sort(page.batch_view):
        check(done)
    page.refresh()  # a new list from the database
    settle(qtbot, window)
    check("refreshed")
    window.show_page("batch")
    settle(qtbot, window)
    window.pages["batch"].model.check_all()
    asker.answer("confirm", True, False)
    window.pages["batch"].submit.click()  # BRF-0004: a new row above the selected one
    settle(qtbot, window)
    window.show_page("reports")
    settle(qtbot, window)
    assert len(page.batches.rows()) == 4
    check("refreshed with a new batch")

    asker.answer("folder", None)  # the clerk cancels the folder question
    page.download.click()
    assert asker.asked[-1] == ("folder", "Download batch BRF-0001 to…")
    page.batch_view.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    asker.answer("folder", None)
    download = next(a for m in window.menuBar().actions() for a in m.menu().actions()
                    if a.text() == "&Download batch…")
    download.trigger()  # Ctrl+D: the same target
    assert asker.asked[-1] == ("folder", "Download batch BRF-0001 to…")
    settle(qtbot, window)
    page.batch_view.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    asker.answer("folder", str(tmp_path / "out"))
    asker.answer("confirm", False)
    page.download.click()
    settle(qtbot, window, 60_000)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["BRF-0001"]
    assert len(list((tmp_path / "out" / "BRF-0001" / "invoices").iterdir())) == 5


def _report(path: Path, header: list[str], rows: list[list]) -> Path:
    return write_csv_file(path, [header, *rows])


def test_undo_import_undoes_the_import_the_clerk_selected(qtbot, window, desk, asker,
                                                          tmp_path):
    summary = desk.submit_batch(FREIGHT, _eligible(desk))
    lines = desk.reconcile(summary.batch).batches[0].rows
    purchase = _report(tmp_path / "purchase.csv",
                       ["Invoice #", "Invoice Amount", "Purchase Date", "Status"],
                       [[r.invoice_number, str(r.amounts["invoiced"]),
                         "11/28/2026", "Purchased"] for r in lines])
    files = [(("purchase", purchase, summary.batch))]
    for name, line in (("b_payments.csv", lines[0]), ("a_payments.csv", lines[1])):
        files.append(("payments", _report(
            tmp_path / name, ["Invoice Number", "Date Paid", "Paid Amount",
                              "Reference Number"],
            [[line.invoice_number, "2026-12-28", str(line.amounts["invoiced"]),
              f"ACH-{name}"]]), None))
    for kind, path, batch in files:
        for _step in desk.apply_report(kind, path, batch=batch):
            pass
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    ids = {h.file_name: h.id for h in page.history.rows()}
    target = ids["b_payments.csv"]  # the middle one
    select(page.history_view, lambda h: h.id == target)

    def check(done: str) -> None:
        assert page.selected_import().id == target, done
        assert current(page.history_view).id == target, done
        assert page.undo.isEnabled(), done

    for done in every_sort(page.history_view):
        check(done)
    page.refresh()
    settle(qtbot, window)
    check("refreshed")
    page.history_view.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # by file name
    asker.answer("confirm", True)
    page.undo.click()
    settle(qtbot, window)
    assert ("confirm", f"Undo import: Undo import #{target} (b_payments.csv)? Its payments "
            "and short pays are removed and the loads it completed go back to Financed. The "
            "file can be uploaded again afterwards.") in asker.asked
    statuses = {h.file_name: h.status for h in desk.import_history()}
    assert statuses == {"purchase.csv": "applied", "b_payments.csv": "undone",
                        "a_payments.csv": "applied"}
    check("after the undo")  # still on it, now shown as undone
    assert page.selected_import().status == "undone"


def test_attach_document_goes_to_the_load_the_clerk_selected(qtbot, window, desk, asker,
                                                             tmp_path):
    from helpers import tiny_pdf

    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    target = "10006"  # a Summit Freight Brokerage load
    select(page.view, lambda ld: ld.load_number == target)
    settle(qtbot, window)

    def check(done: str) -> None:
        assert page.selected_load_number() == target, done
        assert current(page.view).load_number == target, done
        settle(qtbot, window)
        assert page.detail.isEnabled(), done
        assert page.detail_title.text() == f"Load {target}", done

    for done in every_sort(page.view):
        check(done)
    page.search.setText("summit")
    check("filtered on summit")
    page.view.sortByColumn(5, Qt.SortOrder.DescendingOrder)
    check("filtered and sorted")
    page.refresh()
    settle(qtbot, window)
    check("refreshed")
    page.status_filter.setCurrentText("Queued")  # a reload that keeps it
    settle(qtbot, window)
    check("only Queued loads")

    page.search.setText("keystone")  # the load is filtered out: no target at all
    settle(qtbot, window)
    assert page.selected_load_number() is None and current(page.view) is None
    assert not page.detail.isEnabled()
    button(page.detail, "Attach document…").click()
    page.choose_documents()  # as if the button could still be pressed
    page._dropped_on_detail([str(tmp_path / "scan.pdf")])
    assert not [k for k, _ in asker.asked if k in ("open_files", "item")]
    page.search.clear()
    settle(qtbot, window)
    assert page.selected_load_number() is None  # not whatever row is there now

    select(page.view, lambda ld: ld.load_number == target)
    settle(qtbot, window)
    page.status_filter.setCurrentText("Invoiced")  # a reload without it
    settle(qtbot, window)
    assert page.selected_load_number() is None and not page.detail.isEnabled()
    page.status_filter.setCurrentText("All statuses")
    settle(qtbot, window)
    assert page.selected_load_number() is None

    select(page.view, lambda ld: ld.load_number == target)
    settle(qtbot, window)
    page.view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    pdf = tmp_path / "lumper.pdf"
    pdf.write_bytes(tiny_pdf("lumper"))
    asker.answer("open_files", [str(pdf)])
    asker.answer("item", "Lumper receipt")
    button(page.detail, "Attach document…").click()
    settle(qtbot, window)
    assert ("open_files", f"Attach to load {target}") in asker.asked
    with_lumper = {ld.load_number for ld in desk.loads()
                   if "lumper" in [d.kind for d in desk.load_detail(ld.load_number)[1]]}
    assert with_lumper == {target}
    check("after attaching")
    assert "lumper" in [d.kind for d in page.documents.rows()]


def test_submit_batch_sends_the_loads_the_clerk_ticked(qtbot, window, desk, asker):
    window.show_page("batch")  # the window opens on Home
    settle(qtbot, window)
    page = window.pages["batch"]
    model = page.model
    ticked = {"10003", "10006", "10011"}
    for i in range(model.rowCount()):
        if model.row_at(i).load_number in ticked:
            model.setData(model.index(i, 0), Qt.CheckState.Checked,
                          Qt.ItemDataRole.CheckStateRole)
    select(page.view, lambda ld: ld.load_number == "10008")

    def check(done: str) -> None:
        assert model.checked == ticked, done
        shown = {model.row_at(i).load_number: model.data(
            model.index(i, 0), Qt.ItemDataRole.CheckStateRole) for i in range(model.rowCount())}
        assert {n for n, s in shown.items() if s == Qt.CheckState.Checked} == \
            ticked & set(shown), done
        assert page.footer.text().startswith("3 selected"), done

    for done in every_sort(page.view):
        check(done)
        assert [ld.load_number for ld in selected(page.view)] == ["10008"], done
    page.search.setText("summit")  # hides two of the ticked loads, and the selected one
    check("filtered on summit")
    assert {ld.load_number for ld in model.rows()} & ticked == {"10006"}
    assert selected(page.view) == []
    page.search.clear()
    select(page.view, lambda ld: ld.load_number == "10008")
    page.refresh()
    settle(qtbot, window)
    check("refreshed")
    assert [ld.load_number for ld in selected(page.view)] == ["10008"]

    # a click on a row selects that row's load, and Space ticks it, whatever the order
    page.view.sortByColumn(5, Qt.SortOrder.DescendingOrder)
    row = next(i for i in range(model.rowCount()) if model.row_at(i).load_number == "10001")
    rect = page.view.visualRect(model.index(row, 2))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    check("a click selects, not ticks")
    qtbot.keyClick(page.view, Qt.Key.Key_Space)
    assert model.checked == ticked | {"10001"}
    qtbot.keyClick(page.view, Qt.Key.Key_Space)
    check("ticked and unticked by Space")
    assert [ld.load_number for ld in selected(page.view)] == ["10001"]

    asker.answer("confirm", True, False)
    page.submit.click()
    settle(qtbot, window)
    assert {ld.load_number for ld in desk.loads(status="Invoiced")} == ticked


def test_edit_and_remove_act_on_the_important_info_the_clerk_selected(qtbot, window, desk,
                                                                      asker):
    desk.save_important_info(FREIGHT, "payment_instructions", "Pay by ACH to RTS.")
    desk.save_important_info(FREIGHT, "invoice_footer", "Thank you for your business.")
    window.show_page("company")
    settle(qtbot, window)
    page = window.pages["company"]
    assert page.subsidiary.currentText() == FREIGHT
    select(page.info_view, lambda e: e.kind == "payment_instructions")
    desk.save_important_info(FREIGHT, "terms_and_conditions", "Net 30.")  # someone else
    page.refresh()
    settle(qtbot, window)
    assert len(page.info_model.rows()) == 4
    assert [e.kind for e in selected(page.info_view)] == ["payment_instructions"]
    assert current(page.info_view).kind == "payment_instructions"
    button(page, "Edit…").click()
    assert page.dialog.text.toPlainText() == "Pay by ACH to RTS."
    page.dialog.reject()

    page.subsidiary.setCurrentText("Blue Ridge Logistics Inc")  # another one's entries
    settle(qtbot, window)
    assert selected(page.info_view) == []
    asked, dialog = len(asker.asked), page.dialog
    button(page, "Remove").click()
    page._remove_selected()  # as if the button could still be pressed
    button(page, "Edit…").click()
    assert len(asker.asked) == asked and page.dialog is dialog  # nothing to act on
    page.subsidiary.setCurrentText(FREIGHT)
    settle(qtbot, window)
    assert selected(page.info_view) == []

    select(page.info_view, lambda e: e.kind == "invoice_footer")
    page.refresh()
    settle(qtbot, window)
    asker.answer("confirm", True)
    button(page, "Remove").click()
    settle(qtbot, window)
    assert "Remove the Invoice Footer of Blue Ridge Freight LLC?" in asker.asked[-1][1]
    kinds = {e.kind for s in desk.profile().subsidiaries if s.name == FREIGHT
             for e in s.important_info}
    assert kinds == {"notice_of_assignment", "payment_instructions", "terms_and_conditions"}


def test_every_table_model_passes_qts_model_tester_through_sort_filter_and_refresh(
        qtbot, qtlog, window, desk, asker):
    from PySide6.QtTest import QAbstractItemModelTester

    desk.submit_batch(FREIGHT, _eligible(desk)[:4])
    desk.submit_batch(FREIGHT, _eligible(desk)[:3])
    reports, loads = window.pages["reports"], window.pages["loads"]
    company, batch = window.pages["company"], window.pages["batch"]
    views = [company.info_view, batch.view, reports.batch_view, reports.recon_view,
             reports.history_view, loads.view, loads.history_view, loads.documents_view]
    # failures are Qt warnings, captured by qtlog (a C++ tester's Fatal mode would abort)
    mode = QAbstractItemModelTester.FailureReportingMode.Warning
    testers = [QAbstractItemModelTester(v.model(), mode) for v in views]  # noqa: F841
    for key in ("company", "batch", "reports", "loads"):
        window.show_page(key)
        settle(qtbot, window)
    for view in views:
        if view.model().rowCount():
            view.selectRow(view.model().rowCount() - 1)
        settle(qtbot, window)
        for _done in every_sort(view):
            settle(qtbot, window)
    for page, text in ((batch, "summit"), (loads, "keystone"), (batch, ""), (loads, "")):
        page.search.setText(text)
        settle(qtbot, window)
    for page in (company, batch, reports, loads):
        page.refresh()
        settle(qtbot, window)
    assert loads.model.rowCount() > 0 and reports.batches.rowCount() == 2
    failures = [r.message for r in qtlog.records if "FAIL" in r.message]
    assert failures == []


def _record_each_change(model, what) -> list:
    seen: list = []
    model.layoutChanged.connect(lambda *_: seen.append(what()))
    model.modelReset.connect(lambda: seen.append(what()))
    return seen


def test_a_late_grid_never_shows_another_subsidiarys_loads(qtbot, window, desk):
    page = window.pages["batch"]
    seen = _record_each_change(page.model, lambda: (
        page.subsidiary.currentText(), {ld.load_number for ld in page.model.rows()}))
    gate = threading.Event()
    page.run(Job("A long job", lambda: gate.wait(10)))
    page.refresh()  # queued behind the long job
    page.subsidiary.setCurrentText(LOGISTICS)  # the clerk switches meanwhile
    gate.set()
    settle(qtbot, window)
    eligible = {name: {ld.load_number for ld in desk.eligible_loads(name)}
                for name in (FREIGHT, LOGISTICS)}
    assert eligible[FREIGHT] != eligible[LOGISTICS]
    assert seen and all(loads == eligible[name] for name, loads in seen), seen


def test_a_late_loads_list_never_shows_under_other_filters(qtbot, window, desk):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    seen = _record_each_change(page.model, lambda: (
        page.subsidiary.currentText(), page.status_filter.currentText(),
        {(ld.subsidiary, ld.status) for ld in page.model.rows()}))
    gate = threading.Event()
    page.run(Job("A long job", lambda: gate.wait(10)))
    page.refresh()
    page.status_filter.setCurrentText("Queued")  # the clerk narrows it meanwhile
    page.subsidiary.setCurrentText(LOGISTICS)
    gate.set()
    settle(qtbot, window)
    assert seen and all(shown <= {(sub, status)} for sub, status, shown in seen), seen
    assert {ld.load_number for ld in page.model.rows()} == {
        ld.load_number for ld in desk.loads(subsidiary=LOGISTICS, status="Queued")}
