"""Loads: the selected load's money (every movement of it in date order: the purchase, each
payment, short pay, direct payment, chargeback and reserve movement, with the import or
clerk it came from; what is paid, written off, overpaid and still open), the clerk's money
actions (Record direct payment…, Close with short pay…), and its documents opened in the
system's viewer on a double-click or removed before the load is batched."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QDate, QModelIndex, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import MoneyError, format_money, parse_money
from factor_desk.domain.trade import DocumentKind
from factor_desk.gui.common import Asker, fit_columns, table_view
from factor_desk.gui.jobs import Job
from factor_desk.gui.models import Column, RowTableModel, on_selection_moved, selected_row
from factor_desk.services.batch_money import LoadMoney
from factor_desk.services.desk import Desk

OPENED_FOLDER = "factor-desk-documents"


class MoneyLinesModel(RowTableModel):
    """A load's money movements (MoneyLine rows), in date order."""

    def __init__(self, parent=None):
        super().__init__([
            Column("Date", lambda m: m.date),
            Column("What", lambda m: m.what),
            Column("Amount", lambda m: m.amount, align_right=True),
            Column("Reference", lambda m: m.reference),
            Column("From", lambda m: m.source),
            Column("Detail", lambda m: m.detail),
        ], parent=parent,  # a refresh keeps the selection on the same movement
            row_key=lambda m: (m.date, m.kind, m.amount, m.reference, m.import_id))


# What a direct payment dialog gives: the amount, the reference and the date.
PaymentAnswer = tuple[Decimal, str, dt.date]


class DirectPaymentDialog(QDialog):
    """Asks the amount, reference and date of a debtor's direct payment; OK only when the
    amount reads as money and a reference is given (the reason shows under the fields)."""

    def __init__(self, parent: QWidget | None, load_number: str, open_balance: Decimal):
        super().__init__(parent)
        self.setObjectName("directPaymentDialog")
        self.setWindowTitle(f"Record direct payment — load {load_number}")
        self.amount = QLineEdit(str(open_balance) if open_balance > 0 else "")
        self.amount.setObjectName("paymentAmount")
        self.reference = QLineEdit()
        self.reference.setObjectName("paymentReference")
        self.reference.setPlaceholderText("check or ACH number")
        self.date = QDateEdit(QDate.currentDate())
        self.date.setObjectName("paymentDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("MM/dd/yyyy")
        self.problem = QLabel()
        self.problem.setObjectName("paymentProblem")
        self.problem.setStyleSheet("color: #a4262c")
        form = QFormLayout(self)
        form.addRow(QLabel(f"The debtor paid the carrier directly for load {load_number} "
                           f"(open: {format_money(open_balance)})."))
        form.addRow("Amount", self.amount)
        form.addRow("Reference", self.reference)
        form.addRow("Date", self.date)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.answer: PaymentAnswer | None = None

    def accept(self) -> None:
        try:
            amount = parse_money(self.amount.text())
        except MoneyError as exc:
            self.problem.setText(f"Amount: {exc}")
            return
        if not self.reference.text().strip():
            self.problem.setText("Reference: give the check or ACH number.")
            return
        day = self.date.date()
        self.answer = (amount, self.reference.text().strip(),
                       dt.date(day.year(), day.month(), day.day()))
        super().accept()


def ask_direct_payment(parent: QWidget | None, load_number: str, open_balance: Decimal
                       ) -> PaymentAnswer | None:
    dialog = DirectPaymentDialog(parent, load_number, open_balance)
    return dialog.answer if dialog.exec() == QDialog.DialogCode.Accepted else None


def money_summary(money: LoadMoney) -> str:
    """The invoice's figures in a line or two; what a load not yet batched has instead."""
    inv = money.invoice
    if inv is None:
        return "Not batched yet: no invoice has gone to the factor."
    parts = [f"Invoice {inv.invoice_number} in batch {money.batch}: "
             f"{format_money(inv.invoiced)}", f"paid {format_money(inv.paid)}"]
    if inv.partially_paid:
        parts[-1] = f"<b>partially paid {format_money(inv.paid)}</b>"
    if inv.short_pay:
        parts.append(f"<b style='color:#a4262c'>short paid {format_money(inv.short_pay)}</b>")
    if inv.overpay:
        parts.append(f"<b>overpaid {format_money(inv.overpay)}</b>")
    if inv.open_balance:
        parts.append(f"open {format_money(inv.open_balance)}")
    if money.status == BillingStatus.CHARGED_BACK:  # who collects it changed (#13)
        parts.append("<b style='color:#c43e00'>charged back: yours to collect</b>")
    if inv.advance or inv.fee:
        parts.append(f"advance {format_money(inv.advance)}, fee {format_money(inv.fee)}")
    return ", ".join(parts) + "."


def write_copy(file_name: str, data: bytes, document_id: int) -> Path:
    """A copy of a document in the temporary folder, to hand to the system's viewer (one
    folder per document: two files of the same name do not overwrite each other)."""
    folder = Path(tempfile.gettempdir()) / OPENED_FOLDER / str(document_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(file_name).name or "document")
    path.write_bytes(data)
    return path


class LoadMoneyPanel(QGroupBox):
    """The money of the load ``show_load`` was last given, loaded on a worker thread; a
    result for a load no longer shown is dropped. Also serves the page's documents table
    (``documents_view``, of DocumentInfo rows): a double-click opens the document, the
    ``remove_button`` removes the selected one after asking; ``changed`` then says which
    load changed."""

    changed = Signal(str)  # a load number whose documents or money changed
    status = Signal(str)

    def __init__(self, desk: Desk, run: Callable[[Job], bool], asker: Asker,
                 documents_view: QTableView, parent=None):
        super().__init__("Money", parent)
        self.setObjectName("loadMoney")
        self.desk = desk
        self._run = run
        self.asker = asker
        self.load: str | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.money: LoadMoney | None = None
        self.lines = MoneyLinesModel(self)
        self.lines_view = table_view(self.lines, name="loadMoneyLines", stretch_last=True)
        # the header and two lines at least (and the scroll bar of a narrow window): the
        # page's splitter gives no less (at 1024x640 the buttons were drawn over a table
        # one line high)
        self.lines_view.setMinimumHeight(
            self.lines_view.horizontalHeader().sizeHint().height()
            + 2 * self.lines_view.verticalHeader().defaultSectionSize()
            + self.lines_view.horizontalScrollBar().sizeHint().height()  # narrow: it shows
            + 2 * self.lines_view.frameWidth())
        # the clerk's money actions (#13); tests answer the payment dialog themselves
        self.ask_payment: Callable[[str, Decimal], PaymentAnswer | None] = (
            lambda number, rest: ask_direct_payment(self, number, rest))
        self.pay_button = QPushButton("Record direct payment…")
        self.pay_button.setObjectName("recordDirectPayment")
        self.pay_button.clicked.connect(self.record_direct_payment)
        self.close_button = QPushButton("Close with short pay…")
        self.close_button.setObjectName("closeWithShortPay")
        self.close_button.clicked.connect(self.close_with_short_pay)
        self.take_back_button = QPushButton("Take back last payment or close…")
        self.take_back_button.setObjectName("takeBackPayment")
        self.take_back_button.clicked.connect(self.take_back)
        # one above the other: side by side they would widen the page past a small screen
        actions = QVBoxLayout()
        actions.addWidget(self.pay_button)
        actions.addWidget(self.close_button)
        actions.addWidget(self.take_back_button)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.lines_view, 100)
        box.addStretch(1)  # keeps the summary at the top when there is nothing to list
        box.addLayout(actions)
        self._update_actions()

        self.documents_view = documents_view
        documents_view.setToolTip("Double-click a document to open it.")
        documents_view.doubleClicked.connect(self._open_clicked)
        self.remove_button = QPushButton("Remove document…")
        self.remove_button.setObjectName("removeDocument")
        self.remove_button.clicked.connect(self.remove_selected)
        on_selection_moved(documents_view, self._documents_moved)
        self._documents_moved()

    # ------------------------------------------------------------------ money

    def show_load(self, load_number: str | None) -> None:
        self.load = load_number
        self.money = None
        self._update_actions()
        if load_number is None:
            self.summary.setText("")
            self.lines.set_rows([])
            return
        self._run(Job(f"Loading the money of load {load_number}",
                      lambda: self.desk.load_money(load_number),
                      done=lambda money: self._loaded(load_number, money), user=False))

    def _loaded(self, load_number: str, money: LoadMoney) -> None:
        if load_number != self.load:
            return  # another load was chosen since
        self.money = money
        self.summary.setText(money_summary(money))
        self._fit_summary()
        self.lines.set_rows(money.lines)
        self.lines_view.setVisible(bool(money.lines))
        fit_columns(self.lines_view)
        self._update_actions()

    def _fit_summary(self) -> None:
        """As tall as its wrapped lines at its width: a splitter asks no height for a width,
        and the summary's last line was cut off in a narrow window."""
        self.summary.setMinimumHeight(max(0, self.summary.heightForWidth(
            self.summary.width())))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_summary()

    # ------------------------------------------------------------------ money actions

    def _open_balance(self) -> Decimal:
        inv = self.money.invoice if self.money else None
        return inv.open_balance if inv else Decimal(0)

    def _update_actions(self) -> None:
        status = self.money.status if self.money else ""
        can_pay = status == BillingStatus.CHARGED_BACK
        can_close = (status in (BillingStatus.FINANCED, BillingStatus.CHARGED_BACK)
                     and self._open_balance() > 0)
        self.pay_button.setEnabled(can_pay)
        self.pay_button.setToolTip(
            "The debtor paid the carrier directly for this charged-back load." if can_pay
            else "Only a load the factor charged back is paid to the carrier directly.")
        last = self._last_clerk_entry()
        self.take_back_button.setEnabled(last is not None)
        self.take_back_button.setToolTip(
            f"Take back the {last.what.lower()} of {format_money(last.amount)} recorded on "
            f"{last.date:%m/%d/%Y} (a slip): the load goes back to what it was."
            if last is not None else
            "Only the last close or direct payment recorded by a clerk can be taken back.")
        self.close_button.setEnabled(can_close)
        self.close_button.setToolTip(
            "Write off what is still open as a short pay; the load becomes Completed."
            if can_close else "Only a Financed or Charged back load with an open balance "
                              "can be closed with a short pay.")

    def _last_clerk_entry(self):
        """The load's last money line when it is a clerk's close or direct payment (what
        Take back acts on); None otherwise."""
        lines = self.money.lines if self.money else []
        entries = [ln for ln in lines if ln.kind not in ("purchase", "payment")]
        last = entries[-1] if entries else None
        if last is None or last.import_id is not None or last.kind not in (
                "short_pay", "direct_payment"):
            return None
        return last

    def take_back(self) -> None:
        number = self.load
        last = self._last_clerk_entry()
        if number is None or last is None:
            return
        reason = self.asker.text(
            "Take back",
            f"Take back the {last.what.lower()} of {format_money(last.amount)} recorded on "
            f"{last.date:%m/%d/%Y} for load {number}? Reason:")
        if reason is None:
            return
        self._run(Job(f"Taking back the last payment or close of load {number}",
                      lambda: self.desk.take_back_payment(number, reason),
                      done=self._taken_back))

    def _taken_back(self, move) -> None:
        self.status.emit(f"Load {move.load_number}: {format_money(move.amount)} taken back; "
                         f"it is {move.status}.")
        self.changed.emit(move.load_number)

    def record_direct_payment(self) -> None:
        number = self.load
        if number is None or self.money is None:
            return
        answer = self.ask_payment(number, self._open_balance())
        if answer is None:
            return
        amount, reference, day = answer
        rest = self._open_balance()
        if amount > rest and not self.asker.confirm(
                "Record direct payment",
                f"{format_money(amount)} is more than the open {format_money(rest)} of load "
                f"{number}: record it, with an overpay of {format_money(amount - rest)}?",
                "Record the overpay"):
            return  # a slip of the keyboard is asked about, not recorded
        self._run(Job(f"Recording the direct payment of load {number}",
                      lambda: self.desk.pay_load(number, amount, reference, day),
                      done=self._moved))

    def close_with_short_pay(self) -> None:
        number = self.load
        if number is None or self.money is None:
            return
        reason = self.asker.text(
            "Close with short pay",
            f"Write off the open {format_money(self._open_balance())} of load {number} as a "
            "short pay; the load becomes Completed. Reason:")
        if reason is None:
            return
        self._run(Job(f"Closing load {number} with a short pay",
                      lambda: self.desk.close_load(number, reason), done=self._moved))

    def _moved(self, move) -> None:
        if move.kind == "short_pay":
            self.status.emit(f"Load {move.load_number} closed: short pay of "
                             f"{format_money(move.amount)} written off; it is Completed.")
        else:
            self.status.emit(f"Direct payment of {format_money(move.amount)} recorded for "
                             f"load {move.load_number}; it is {move.status}.")
        self.changed.emit(move.load_number)

    # ------------------------------------------------------------------ documents

    def _documents_moved(self) -> None:
        self.remove_button.setEnabled(selected_row(self.documents_view) is not None)

    def _open_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            model = self.documents_view.model()
            self.open_document(model.row_at(index.row()))  # type: ignore[attr-defined]

    def open_document(self, doc) -> None:
        """Open a copy of ``doc`` (a DocumentInfo) in the system's viewer."""
        def copy() -> Path:
            name, data = self.desk.document_file(doc.id)
            return write_copy(name, data, doc.id)

        def done(path: Path) -> None:
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self.asker.info("Open document", f"No program opened {path.name}. The copy "
                                f"is at {path}.")

        self._run(Job(f"Opening {doc.file_name}", copy, done=done))

    def remove_selected(self) -> None:
        doc = selected_row(self.documents_view)  # the document selected now
        if doc is None:
            self.asker.info("Remove document", "Select the document to remove first.")
            return
        kind = DocumentKind(doc.kind).label
        if not self.asker.confirm(
                "Remove document",
                f"Remove {kind} {doc.file_name} from load {doc.load_number}? The load's "
                "status history will say it was removed.", "Remove"):
            return

        def done(info) -> None:
            self.status.emit(f"{info.file_name} removed from load {info.load_number}.")
            self.changed.emit(info.load_number)

        self._run(Job(f"Removing {doc.file_name}", lambda: self.desk.remove_document(doc.id),
                      done=done))
