"""Reports → Factoring Reports: the selected batch invoice by invoice (money, the factor's
flag, payment references); a double-click opens the load on the Loads page."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from helpers import settle, write_csv_file
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from factor_desk.gui.batch_invoices import BatchInvoicesModel
from factor_desk.services.common import run_to_end

FREIGHT = "Blue Ridge Freight LLC"
BATCHED = ["10001", "10002", "10003", "10004", "10005", "10006"]


def factored(desk, tmp_path: Path) -> str:
    """The demo with batch of loads 10001-10006 sent and the factor's reports applied:
    10006 held (missing BOL), the others bought at 97.5%; 10001 short paid $100.00 (with a
    reason), 10002 overpaid $10.00, 10003 paid to the cent by check."""
    batch = desk.submit_batch(FREIGHT, BATCHED).batch
    amounts = {ld.load_number: ld.amount for ld in desk.loads(subsidiary=FREIGHT)}
    purchase = [["Invoice Number", "Invoice Amount", "Purchase Date", "Advance Amount",
                 "Fee Amount", "Reserve Amount", "Status"]]
    for n in BATCHED:
        fee = (amounts[n] * Decimal("0.025")).quantize(Decimal("0.01"))
        purchase.append([n, str(amounts[n]), "11/28/2026", str(amounts[n] - fee), str(fee),
                         "0", "Held - missing BOL" if n == "10006" else "Purchased"])
    run_to_end(desk.apply_report("purchase", write_csv_file(tmp_path / "purchase.csv", purchase),
                                 batch=batch, allow_missing=True))
    payments = [["Invoice Number", "Payment Date", "Amount Paid", "Reference Number",
                 "Check Number", "Short Pay Reason"],
                ["10001", "12/20/2026", str(amounts["10001"] - 100), "ACH-7781", "",
                 "lumper not reimbursed"],
                ["10002", "12/21/2026", str(amounts["10002"] + 10), "ACH-7782", "", ""],
                ["10003", "12/22/2026", str(amounts["10003"]), "", "55012", ""]]
    run_to_end(desk.apply_report("payments", write_csv_file(tmp_path / "payments.csv",
                                                            payments)))
    return batch


def test_a_batch_invoice_by_invoice_and_a_double_click_opens_the_load(
        qtbot, qtmodeltester, window, desk, tmp_path):
    batch = factored(desk, tmp_path)
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    assert page.selected_batch() == batch  # the newest, selected at first
    panel = page.invoices
    model = panel.model
    assert isinstance(model, BatchInvoicesModel)
    qtmodeltester.check(model)
    rows = {model.row_at(i).invoice_number: i for i in range(model.rowCount())}
    assert sorted(rows) == BATCHED

    def shown(number, title):
        column = next(c for c in range(model.columnCount())
                      if model.headerData(c, Qt.Orientation.Horizontal) == title)
        return model.index(rows[number], column).data()

    assert shown("10001", "Short / over") == "Short $100.00"
    assert shown("10002", "Short / over") == "Over $10.00"
    assert shown("10003", "Short / over") == ""
    assert shown("10001", "Payment references") == "ACH-7781"
    assert shown("10003", "Payment references") == "55012"
    assert shown("10006", "Factor") == "Held: missing BOL"
    assert shown("10006", "Advance") == "$0.00"
    assert shown("10004", "Status") == "Financed" and shown("10004", "Paid") == "$0.00"
    assert shown("10001", "Amount") == "$3,304.00" and shown("10001", "Fee") == "$82.60"
    tip = model.index(rows["10001"], model.columnCount() - 1).data(
        Qt.ItemDataRole.ToolTipRole)
    assert "12/20/2026" in tip and "$3,204.00" in tip and "lumper not reimbursed" in tip
    assert "payments.csv" in tip
    assert f"batch {batch}: 6, 1 held or rejected" in panel.title()

    view = panel.view
    rect = view.visualRect(model.index(rows["10003"], 1))
    assert view.viewport().rect().contains(rect.center()), "the row is in sight"
    # as the clerk does it: a press, then the second press of a double-click
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    settle(qtbot, window)
    loads = window.pages["loads"]
    assert window.current_page is loads
    assert loads.selected_load_number() == "10003"
    assert loads.detail_title.text() == "Load 10003"


def test_a_stale_result_for_another_batch_is_dropped(qtbot, window, desk, tmp_path):
    first = factored(desk, tmp_path)
    second = desk.submit_batch(FREIGHT, ["10007"]).batch
    window.show_page("reports")
    settle(qtbot, window)
    panel = window.pages["reports"].invoices
    assert panel.batch == second  # the newest
    rows_of_first = desk.batch_invoices(first)
    panel._loaded(first, rows_of_first)  # a late answer for a batch chosen before
    assert [panel.model.row_at(i).invoice_number
            for i in range(panel.model.rowCount())] == ["10007"]


def test_no_batch_selected_shows_no_invoices(qtbot, window, desk, tmp_path):
    factored(desk, tmp_path)
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    page.batch_view.clearSelection()
    settle(qtbot, window)
    assert page.invoices.model.rowCount() == 0 and page.invoices.batch is None
