"""Loads: the money actions of the load page (#13). Close with short pay… writes off the
open rest of a Financed load after asking the reason; Record direct payment… records a
debtor's payment of a Charged back load through the dialog; each goes through the Desk,
the page shows the new money lines and status, and a refusal is shown as a message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from helpers import settle
from PySide6.QtCore import QDate, Qt
from sqlalchemy import select
from test_batch_invoices import factored
from test_load_money_view import open_load

from factor_desk.db.models import Batch, Invoice, LedgerEntry, Load
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.gui.load_money import DirectPaymentDialog
from factor_desk.services.lifecycle import move_loads


def charge_back(desk, load_number: str) -> None:
    """What the factor's reserve report does (another part of #13): a chargeback entry
    and Financed -> Charged back."""
    with desk.db.write() as work:
        load_id, invoice_id, amount, factor_id = work.execute(
            select(Load.id, Invoice.id, Invoice.amount_cents, Batch.factoring_company_id)
            .join(Invoice, Invoice.load_id == Load.id)
            .join(Batch, Batch.id == Invoice.batch_id)
            .where(Load.load_number == load_number)).one()
        work.add(LedgerEntry(kind="chargeback", invoice_id=invoice_id, load_id=load_id,
                             factoring_company_id=factor_id, entry_date=dt.date(2027, 2, 1),
                             amount_cents=amount, reference=f"CB-{load_number}", by="test"))
        move_loads(work, [(load_id, load_number)], BillingStatus.FINANCED,
                   BillingStatus.CHARGED_BACK, by="test", reason="charged back",
                   exception=True)


def test_close_with_short_pay_from_the_load_page(qtbot, window, desk, asker, tmp_path):
    factored(desk, tmp_path)
    page = open_load(qtbot, window, "10001")  # Completed: nothing open
    assert not page.money.close_button.isEnabled()
    assert not page.money.pay_button.isEnabled()
    page = open_load(qtbot, window, "10004")  # Financed, nothing paid
    money = page.money
    assert money.close_button.isEnabled() and not money.pay_button.isEnabled()
    asker.answer("text", None)  # the clerk cancels: nothing happens
    money.close_button.click()
    settle(qtbot, window)
    assert desk.load_money("10004").status == "Financed"
    asker.answer("text", "debtor refuses the detention")
    money.close_button.click()
    settle(qtbot, window)
    assert [t for k, t in asker.asked if k == "text"][-1].startswith(
        "Close with short pay: Write off the open $")
    assert desk.load_money("10004").status == "Completed"
    assert not asker.problems
    whats = [money.lines.row_at(i).what for i in range(money.lines.rowCount())]
    assert whats[-1] == "Short pay written off"
    last = page.history.row_at(page.history.rowCount() - 1)
    assert (last.to_status, last.reason.endswith("debtor refuses the detention")) == (
        "Completed", True)
    assert not money.close_button.isEnabled()


def test_record_direct_payment_from_the_load_page(qtbot, window, desk, asker, tmp_path):
    factored(desk, tmp_path)
    charge_back(desk, "10005")
    page = open_load(qtbot, window, "10005")
    money = page.money
    assert money.pay_button.isEnabled() and money.close_button.isEnabled()
    open_before = desk.load_money("10005").invoice.open_balance
    asked = []

    def answer(number, rest):
        asked.append((number, rest))
        return answers.pop(0)

    answers = [None, (Decimal("100.00"), "CHK-1", dt.date(2027, 2, 10)),
               (Decimal("5.00"), "CHK-1", dt.date(2027, 2, 11))]
    money.ask_payment = answer
    money.pay_button.click()  # cancelled
    settle(qtbot, window)
    assert desk.load_money("10005").invoice.paid == 0
    money.pay_button.click()
    settle(qtbot, window)
    assert asked[:2] == [("10005", open_before)] * 2
    after = desk.load_money("10005")
    assert (after.status, after.invoice.open_balance) == (
        "Charged back", open_before - Decimal("100.00"))
    assert "partially paid" in money.summary.text()
    assert [money.lines.row_at(i).kind for i in range(money.lines.rowCount())][-1] == \
        "direct_payment"
    money.pay_button.click()  # the same reference again: refused, shown to the clerk
    settle(qtbot, window)
    assert len(asker.problems) == 1 and isinstance(asker.problems[0], InputRefused)
    assert "CHK-1 was recorded already" in str(asker.problems[0])
    assert desk.load_money("10005").invoice.paid == Decimal("100.00")


def test_take_back_the_last_close_from_the_load_page(qtbot, window, desk, asker, tmp_path):
    factored(desk, tmp_path)
    page = open_load(qtbot, window, "10004")  # Financed, nothing of a clerk's to take back
    assert not page.money.take_back_button.isEnabled()
    desk.close_load("10004", "debtor refuses the detention")
    page = open_load(qtbot, window, "10004")
    money = page.money
    assert money.take_back_button.isEnabled()
    assert "Take back the short pay written off of $" in money.take_back_button.toolTip()
    asker.answer("text", None)  # cancelled: nothing happens
    money.take_back_button.click()
    settle(qtbot, window)
    assert desk.load_money("10004").status == "Completed"
    asker.answer("text", "closed the wrong load")
    money.take_back_button.click()
    settle(qtbot, window)
    assert not asker.problems
    after = desk.load_money("10004")
    assert (after.status, after.invoice.short_pay) == ("Financed", 0)
    assert not money.take_back_button.isEnabled()  # shown again: nothing left to take back


def test_the_direct_payment_dialog_asks_amount_reference_and_date(qtbot):
    dialog = DirectPaymentDialog(None, "10005", Decimal("3304.00"))
    qtbot.addWidget(dialog)
    assert dialog.amount.text() == "3304.00"  # the open balance, to change
    dialog.amount.setText("12.3.4")
    dialog.accept()
    assert dialog.answer is None and dialog.problem.text().startswith("Amount:")
    dialog.amount.setText("$1,200.50")
    dialog.accept()
    assert dialog.answer is None and dialog.problem.text().startswith("Reference:")
    dialog.reference.setText(" ACH-55 ")
    dialog.date.setDate(QDate(2027, 3, 1))
    dialog.accept()
    assert dialog.answer == (Decimal("1200.50"), "ACH-55", dt.date(2027, 3, 1))
    assert dialog.result() == DirectPaymentDialog.DialogCode.Accepted


def test_the_payment_preview_shows_what_each_row_leaves_open(desk, tmp_path):
    from helpers import write_csv_file

    from factor_desk.gui.preview_dialog import row_amounts
    from factor_desk.services.common import run_to_end

    factored(desk, tmp_path)
    amounts = {ld.load_number: ld.amount for ld in desk.loads()}
    path = write_csv_file(tmp_path / "pay2.csv", [
        ["Invoice Number", "Payment Date", "Amount Paid", "Reference Number", "Final"],
        ["10004", "2027-01-05", "1000.00", "P-1", ""],
        ["10004", "2027-01-06", "100.00", "P-2", "yes"],
        ["10005", "2027-01-06", "500.00", "P-3", ""]])
    preview = run_to_end(desk.preview_report("payments", path))
    rest4 = amounts["10004"] - Decimal("1100.00")
    assert row_amounts(preview) == [
        (Decimal("1000.00"), None, None, amounts["10004"] - Decimal("1000.00")),
        (Decimal("100.00"), rest4, None, None),
        (Decimal("500.00"), None, None, amounts["10005"] - Decimal("500.00"))]
    assert preview.totals["stays_open"] == amounts["10005"] - Decimal("500.00")


def test_the_loads_grid_shows_a_load_paid_in_part(qtbot, window, desk, tmp_path):
    factored(desk, tmp_path)
    charge_back(desk, "10005")
    desk.pay_load("10005", Decimal("100.00"), "CHK-5")
    page = open_load(qtbot, window, "10005")
    model = page.model
    row = next(i for i in range(model.rowCount())
               if model.row_at(i).load_number == "10005")
    status = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == "Status")
    assert model.index(row, status).data() == "Charged back (partially paid)"
