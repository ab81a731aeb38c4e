"""The preview of an upload, as a billing clerk reads it, and how a purchase report finds
its batch."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from helpers import settle, write_csv_file
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from factor_desk.domain.money import format_money

FREIGHT = "Blue Ridge Freight LLC"
HEADER = ["Invoice Number", "Batch Number", "Invoice Amount", "Purchase Date",
          "Advance Amount", "Fee Amount", "Reserve Amount", "Status"]


def _two_batches(desk) -> tuple[str, str, list, list]:
    eligible = [ld.load_number for ld in desk.eligible_loads(FREIGHT)]
    first = desk.submit_batch(FREIGHT, eligible[:3]).batch
    second = desk.submit_batch(FREIGHT, eligible[3:6]).batch
    return (first, second, desk.reconcile(first).batches[0].rows,
            desk.reconcile(second).batches[0].rows)


def _fee(amount: Decimal) -> Decimal:
    """The demo factor's fee (2.5%, rounded half up): its terms expect it (#13)."""
    return (amount * Decimal("0.025")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _purchase(path: Path, lines, batch_of=lambda line: "") -> Path:
    rows = []
    for line in lines:
        amount = line.amounts["invoiced"]
        rows.append([line.invoice_number, batch_of(line), str(amount), "11/28/2026",
                     str(amount - _fee(amount)), str(_fee(amount)), "0", "Purchased"])
    return write_csv_file(path, [HEADER, *rows])


def _reports_page(qtbot, window):
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    page.refresh()
    settle(qtbot, window)
    return page


def test_a_purchase_report_naming_its_batch_picks_that_batch(qtbot, window, desk, asker,
                                                              tmp_path):
    first, second, lines, _ = _two_batches(desk)
    page = _reports_page(qtbot, window)
    page.batch_view.clearSelection()
    assert page.selected_batch() is None
    path = _purchase(tmp_path / "p.csv", lines, lambda line: first)
    asker.answer("open_file", str(path))
    page.choose_report("purchase")
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert dialog is not None and dialog.isVisible(), asker.asked
    assert dialog.windowTitle() == f"Purchase report for batch {first}"
    assert [kind for kind, _ in asker.asked] == ["open_file"]  # nothing else asked
    dialog.reject()

    page.batch_view.selectRow(0)  # another batch selected: the file's own batch wins
    settle(qtbot, window)
    assert page.selected_batch() == second
    asker.answer("open_file", str(path))
    page.choose_report("purchase")
    settle(qtbot, window)
    assert page.preview_dialog.windowTitle() == f"Purchase report for batch {first}"
    page.preview_dialog.reject()


def test_a_purchase_report_naming_several_batches_or_none_asks_which(qtbot, window, desk,
                                                                     asker, tmp_path):
    first, second, lines, others = _two_batches(desk)
    page = _reports_page(qtbot, window)
    page.batch_view.clearSelection()
    both = _purchase(tmp_path / "both.csv", [lines[0], others[0]],
                     lambda line: first if line is lines[0] else second)
    asker.answer("item", second)
    page.upload(str(both), "purchase")
    settle(qtbot, window)
    question = [text for kind, text in asker.asked if kind == "item"]
    assert question and "names 2 batches" in question[-1]
    assert page.preview_dialog.windowTitle() == f"Purchase report for batch {second}"
    page.preview_dialog.reject()

    none = _purchase(tmp_path / "none.csv", lines)
    asker.answer("item", first)
    page.upload(str(none), "purchase")
    settle(qtbot, window)
    question = [text for kind, text in asker.asked if kind == "item"]
    assert len(question) == 2 and "names no batch" in question[-1]
    assert page.preview_dialog.windowTitle() == f"Purchase report for batch {first}"
    page.preview_dialog.reject()

    asked = len(asker.asked)
    page.upload(str(none), "purchase")  # cancelled: nothing is previewed
    settle(qtbot, window)
    assert len(asker.asked) == asked + 1 and not page.preview_dialog.isVisible()


def test_with_no_batch_yet_the_clerk_is_told_before_choosing_a_file(qtbot, window, asker):
    page = _reports_page(qtbot, window)
    assert page.batches.rowCount() == 0
    page.choose_report("purchase")
    settle(qtbot, window)
    kinds = [kind for kind, _ in asker.asked]
    assert kinds == ["info"], asker.asked  # said first, and no file dialog after it
    assert "Submit a batch" in asker.asked[0][1]


def _shown(dialog) -> list[list[str]]:
    model = dialog.view.model()
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def _headers(dialog) -> list[str]:
    model = dialog.view.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def test_the_purchase_preview_reads_top_down_with_amounts_and_all_of_why(
        qtbot, window, desk, asker, tmp_path):
    first, _, lines, _ = _two_batches(desk)
    page = _reports_page(qtbot, window)
    page.batch_view.clearSelection()
    bad = lines[1].invoice_number
    path = _purchase(tmp_path / "p.csv", lines, lambda line: first)
    text = path.read_text(encoding="utf-8").replace(f"{bad},{first},", f"{bad},OTHER-9,")
    path.write_text(text, encoding="utf-8")
    asker.answer("item", first)
    page.upload(str(path), "purchase")
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert _headers(dialog) == ["Row", "Invoice #", "Load #", "Outcome", "Invoice amount",
                                "Advance", "Fee", "Reserve", "Why"]
    shown = _shown(dialog)
    assert [row[0] for row in shown] == ["2", "3", "4"]  # the file's order, row 1 first
    header = dialog.view.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        0, Qt.SortOrder.AscendingOrder)
    assert not header.isSortIndicatorShown()  # no arrow claims another order
    header.sectionClicked.emit(0)
    assert header.isSortIndicatorShown()  # the clerk sorted: the arrow says how
    invoiced = lines[0].amounts["invoiced"]
    assert shown[0][4:8] == [format_money(invoiced), format_money(invoiced - _fee(invoiced)),
                             format_money(_fee(invoiced)), "$0.00"]
    assert "3 rows: 2 apply, 0 warnings, 1 error." in dialog.summary.text()
    # all of why: a tooltip on the cell, and the pane below the table for the selected row
    why = dialog.model.data(dialog.model.index(1, 8), Qt.ItemDataRole.ToolTipRole)
    assert "the row says batch OTHER-9" in why
    dialog.view.selectRow(1)
    assert "Row 3 (Error)" in dialog.detail.toPlainText()
    assert "the row says batch OTHER-9, but this upload is for batch" in \
        dialog.detail.toPlainText()
    # Cancel and Apply: normal-size buttons at the right of a button box
    box = dialog.form.buttonBox
    assert isinstance(box, QDialogButtonBox) and dialog.apply.parent() is box
    dialog.resize(1000, 600)
    qtbot.waitUntil(lambda: dialog.apply.width() < 200)
    assert dialog.cancel.width() < 200
    assert dialog.apply.mapTo(dialog, dialog.apply.rect().topRight()).x() > 900


def test_one_of_everything_is_said_in_the_singular(qtbot, window, desk, asker, tmp_path):
    first, _, lines, _ = _two_batches(desk)
    page = _reports_page(qtbot, window)
    page.upload(str(_purchase(tmp_path / "one.csv", lines[:1], lambda line: "NOPE-1")),
                "purchase")
    settle(qtbot, window)
    assert isinstance(asker.problems[-1], Exception)  # no batch NOPE-1
    path = _purchase(tmp_path / "p.csv", lines[:1], lambda line: first)
    text = path.read_text(encoding="utf-8").replace(",0,Purchased", ",1,Purchased")
    path.write_text(text, encoding="utf-8")
    page.upload(str(path), "purchase")
    settle(qtbot, window)
    summary = page.preview_dialog.summary.text()
    assert "1 row: 0 apply, 0 warnings, 1 error." in summary
    assert "Leave the 2 invoices missing" in page.preview_dialog.confirm.text()


def test_a_payment_row_shows_what_was_paid_and_short_paid(qtbot, window, desk, asker,
                                                          tmp_path):
    first, _, lines, _ = _two_batches(desk)
    page = _reports_page(qtbot, window)
    run = desk.apply_report("purchase", _purchase(tmp_path / "p.csv", lines,
                                                  lambda line: first), batch=first,
                            allow_missing=True)
    for _ in run:
        pass
    owed = lines[0].amounts["invoiced"]
    path = write_csv_file(tmp_path / "pay.csv", [
        ["Invoice Number", "Payment Date", "Amount Paid", "Reference Number",
         "Short Pay Reason"],
        [lines[0].invoice_number, "2026-12-28", str(owed - 50), "ACH-1", "lumper"]])
    page.upload(str(path), "payments")
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert _headers(dialog)[4:7] == ["Paid", "Short pay", "Over pay"]
    assert _shown(dialog)[0][4:7] == [format_money(owed - 50), "$50.00", ""]
    assert "1 row: 0 apply, 1 warning, 0 errors." in dialog.summary.text()
    assert "on 1 invoice ·" in dialog.totals.text()


def test_the_loads_preview_says_one_row_in_the_singular(qtbot, window, tmp_path):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    page.subsidiary.setCurrentText(FREIGHT)
    settle(qtbot, window)
    loads = tmp_path / "loads.csv"
    loads.write_text("Load #,Customer,Total\nS1,New Broker,abc\n", encoding="utf-8")
    page.import_file(str(loads))
    settle(qtbot, window)
    summary = page.preview_dialog.summary.text()
    assert "1 row: 0 can be imported, 1 has problems." in summary


def test_the_loads_preview_names_the_load_a_warning_is_about(qtbot, window, tmp_path):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    page.subsidiary.setCurrentText(FREIGHT)
    settle(qtbot, window)
    loads = tmp_path / "loads.csv"
    loads.write_text("Load #,Customer,MC,Total\nW1,Alpha Co,MC-880001,100\n"
                     "W2,Bravo Co,880001,100\n", encoding="utf-8")
    page.import_file(str(loads))
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert _headers(dialog) == ["Row", "Column", "Load #", "Outcome", "Why"]
    assert _shown(dialog)[0][:4] == ["3", "Customer", "W2", "Warning"]
