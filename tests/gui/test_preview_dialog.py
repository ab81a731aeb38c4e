"""The preview of an upload, as a billing clerk reads it, and how a purchase report finds
its batch."""

from __future__ import annotations

from pathlib import Path

from helpers import settle, write_csv_file

FREIGHT = "Blue Ridge Freight LLC"
HEADER = ["Invoice Number", "Batch Number", "Invoice Amount", "Purchase Date",
          "Advance Amount", "Fee Amount", "Reserve Amount", "Status"]


def _two_batches(desk) -> tuple[str, str, list, list]:
    eligible = [ld.load_number for ld in desk.eligible_loads(FREIGHT)]
    first = desk.submit_batch(FREIGHT, eligible[:3]).batch
    second = desk.submit_batch(FREIGHT, eligible[3:6]).batch
    return (first, second, desk.reconcile(first).batches[0].rows,
            desk.reconcile(second).batches[0].rows)


def _purchase(path: Path, lines, batch_of=lambda line: "") -> Path:
    rows = []
    for line in lines:
        amount = line.amounts["invoiced"]
        rows.append([line.invoice_number, batch_of(line), str(amount), "11/28/2026",
                     str(amount), "0", "0", "Purchased"])
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
