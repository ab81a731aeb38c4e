"""Factoring Reports: the selected batch invoice by invoice (its money as the reconciliation
counts it, the factor's flag and the payment references); a double-click opens the load.
Recall… takes the selected invoices the factor has not bought back to Queued; Reverse
batch… every invoice of a batch nothing was purchased from (issue #12)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout

from factor_desk.domain.batches import BatchStatus
from factor_desk.domain.money import format_money
from factor_desk.gui.common import fit_columns, table_view
from factor_desk.gui.jobs import Job
from factor_desk.gui.models import Column, RowTableModel
from factor_desk.services.batch_money import InvoiceMoney, PaymentLine
from factor_desk.services.recall import RecallResult

if TYPE_CHECKING:
    from factor_desk.gui.reports_page import ReportsPage as Page

RECALLED = "Recalled"
RECALLABLE = "Invoiced"  # the factor has not bought it (held, rejected, or not yet reported)

SHORT = QColor("#a4262c")
FLAGGED = QColor("#a4262c")


def short_or_over(inv: InvoiceMoney) -> Decimal:
    """Overpay positive, short pay negative, zero when paid to the cent (or still open)."""
    return inv.overpay - inv.short_pay


def short_or_over_text(amount: Decimal) -> str:
    if amount < 0:
        return f"Short {format_money(-amount)}"
    if amount > 0:
        return f"Over {format_money(amount)}"
    return ""


def payment_text(p: PaymentLine) -> str:
    """One payment as a line: date, amount, reference, the import that brought it."""
    ref = p.reference or (f"check {p.check_number}" if p.check_number else "no reference")
    why = f" — short pay: {p.short_pay_reason}" if p.short_pay_reason else ""
    return (f"{p.payment_date:%m/%d/%Y}  {format_money(p.amount)}  {ref}  "
            f"(import #{p.import_id}, {p.import_file}){why}")


class BatchInvoicesModel(RowTableModel):
    """The invoices of one batch (InvoiceMoney rows), one row per invoice."""

    def __init__(self, parent=None):
        super().__init__([
            Column("Invoice #", lambda i: i.invoice_number),
            Column("Load #", lambda i: i.load_number),
            Column("Amount", lambda i: i.invoiced, align_right=True),
            Column("Status", lambda i: i.status),
            Column("Factor", lambda i: i.flag, tooltip=lambda i: i.flag,
                   foreground=lambda i: FLAGGED if i.flag else None),
            Column("Advance", lambda i: i.advance, align_right=True),
            Column("Fee", lambda i: i.fee, align_right=True),
            Column("Reserve", lambda i: i.reserve, align_right=True),
            Column("Paid", lambda i: i.paid, align_right=True),
            Column("Short / over", short_or_over, align_right=True,
                   text=lambda i: short_or_over_text(short_or_over(i)),
                   foreground=lambda i: SHORT if i.short_pay else None),
            Column("Open", lambda i: i.open_balance, align_right=True),
            Column("Payment references", lambda i: ", ".join(i.references),
                   tooltip=lambda i: "\n".join(payment_text(p) for p in i.payments)),
        ], row_key=lambda i: i.invoice_number, parent=parent)


class BatchInvoices(QGroupBox):
    """The invoices of the batch ``show_batch`` was last given, loaded on a worker thread
    by ``run`` (a page's); a result for a batch no longer asked for is dropped. A
    double-click asks for the load (``open_load``)."""

    open_load = Signal(str)
    recall_asked = Signal(str, list)  # the batch, the load numbers of the selected invoices

    def __init__(self, run: Callable[[Job], bool], fetch: Callable[[str], list[InvoiceMoney]],
                 parent=None):
        super().__init__("Invoices", parent)
        self.setObjectName("batchInvoices")
        self._run = run
        self._fetch = fetch
        self.batch: str | None = None  # the batch shown, or being loaded
        self.model = BatchInvoicesModel(self)
        self.view = table_view(self.model, name="batchInvoicesTable", stretch_last=True,
                               select="rows")
        self.view.setToolTip("Double-click an invoice to open its load; select invoices the "
                             "factor has not bought to recall them.")
        self.view.doubleClicked.connect(self._double_clicked)
        self.recall_button = QPushButton("Recall…")
        self.recall_button.setObjectName("recallInvoices")
        self.recall_button.setToolTip("Take the selected invoices the factor has not bought "
                                      "back to Queued; the batch keeps them as sent.")
        self.recall_button.setEnabled(False)
        self.recall_button.clicked.connect(self._recall_clicked)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.buttons = QHBoxLayout()  # the page adds its batch's own actions
        self.buttons.addWidget(self.recall_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(self.buttons)

    def selected(self) -> list[InvoiceMoney]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.row_at(r) for r in rows]

    def _selection_changed(self, *_args) -> None:
        self.recall_button.setEnabled(any(i.status == RECALLABLE for i in self.selected()))

    def _recall_clicked(self) -> None:
        if self.batch is not None:
            self.recall_asked.emit(self.batch, [i.load_number for i in self.selected()])

    def show_batch(self, batch: str | None) -> None:
        """Show ``batch``'s invoices (again: its figures may have changed); None: none."""
        self.batch = batch
        if batch is None:
            self.model.set_rows([])
            self.setTitle("Invoices")
            return
        self._run(Job(f"Loading the invoices of batch {batch}", lambda: self._fetch(batch),
                      done=lambda rows: self._loaded(batch, rows), user=False))

    def _loaded(self, batch: str, rows: list[InvoiceMoney]) -> None:
        if batch != self.batch:
            return  # another batch was chosen since (its own result follows)
        self.model.set_rows(rows)
        self._selection_changed()
        fit_columns(self.view, 240)
        recalled = sum(1 for r in rows if r.status == RECALLED)
        flagged = sum(1 for r in rows if r.flag and r.status != RECALLED)
        self.setTitle(f"Invoices of batch {batch}: {len(rows)}"
                      + (f", {flagged} held or rejected" if flagged else "")
                      + (f", {recalled} recalled" if recalled else "")
                      + " (double-click to open the load)")

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_load.emit(self.model.row_at(index.row()).load_number)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _go(n: int) -> str:
    return "goes" if n == 1 else "go"


def recall_question(batch: str, chosen: list[InvoiceMoney]) -> str:
    """What Recall… will change, said before it does."""
    loads = ", ".join(i.load_number for i in chosen)
    return (f"{plural(len(chosen), 'load')} ({loads}) {_go(len(chosen))} back to Queued and "
            f"{'leaves' if len(chosen) == 1 else 'leave'} batch "
            f"{batch}'s open invoices; {batch} stays as sent (its download does not "
            "change) and shows them as recalled, with your reason. They can be batched "
            "again, with the same invoice numbers.")


def reverse_question(batch: str, open_invoices: int) -> str:
    """What Reverse batch… will change, said before it does."""
    return (f"{plural(open_invoices, 'load')} {_go(open_invoices)} back to Queued and batch "
            f"{batch} becomes "
            f"Reversed; {batch} stays as sent (its download says REVERSED on the schedule's "
            "first page) and its number is not used again.")


def moved_text(result: RecallResult, done: str) -> str:
    return (f"{done}: {plural(len(result.loads), 'load')} back to Queued; batch "
            f"{result.batch} is {result.batch_status}.")


def recall_from(page: Page, batch: str, load_numbers: list[str]) -> None:
    """Recall… on ``page`` (Factoring Reports): say what changes, ask why, then do it."""
    chosen = [i for i in page.invoices.selected() if i.load_number in load_numbers
              and i.status == RECALLABLE]
    if not chosen:
        page.asker.info("Recall", "Select invoices the factor has not bought (Invoiced).")
        return
    if not page.asker.confirm(f"Recall from batch {batch}", recall_question(batch, chosen),
                              yes="Recall"):
        return
    reason = page.asker.text(f"Recall from batch {batch}",
                             "Why (the batch keeps it with the invoices)?")
    if not reason:
        return
    numbers = [i.load_number for i in chosen]
    page.run(Job(f"Recalling from batch {batch}",
                 lambda: page.desk.recall_invoices(batch, numbers, reason),
                 done=lambda r: _moved(page, r, f"Recalled from batch {r.batch}")))


def reverse(page: Page, batch: str | None) -> None:
    """Reverse batch… on ``page``: say what changes, ask why, then do it."""
    if batch is None:
        page.asker.info("Reverse batch", "Select the batch to reverse first.")
        return
    open_invoices = sum(1 for i in page.invoices.model.rows() if i.status != RECALLED) \
        if page.invoices.batch == batch else 0
    if not page.asker.confirm(f"Reverse batch {batch}", reverse_question(batch, open_invoices),
                              yes="Reverse batch"):
        return
    reason = page.asker.text(f"Reverse batch {batch}", "Why (the batch keeps it)?")
    if not reason:
        return
    page.run(Job(f"Reversing batch {batch}", lambda: page.desk.reverse_batch(batch, reason),
                 done=lambda r: _moved(page, r, f"Batch {r.batch} reversed")))


def _moved(page: Page, result: RecallResult, done: str) -> None:
    page.status.emit(moved_text(result, done))
    page.refresh()


# ------------------------------------------------------------------ the batches' statuses

STATUS_COLOURS = {
    BatchStatus.SUBMITTED: QColor("#605e5c"),
    BatchStatus.PARTIALLY_PURCHASED: QColor("#8a6d00"),
    BatchStatus.PURCHASED: QColor("#0063b1"),
    BatchStatus.PARTIALLY_PAID: QColor("#5c2d91"),
    BatchStatus.CLOSED: QColor("#107c10"),
    BatchStatus.REVERSED: QColor("#a4262c"),
}
ALL_STATUSES = "All statuses"


def status_colour(status: str) -> QColor | None:
    return STATUS_COLOURS.get(BatchStatus(status)) if status in STATUS_COLOURS else None


def status_key(status: str) -> str:
    """What the batches' filter by status looks for ("status:partially_paid")."""
    return "status:" + status.replace(" ", "_")


def status_filter(model: RowTableModel) -> QComboBox:
    """A box that shows the batches of one status, or all."""
    box = QComboBox()
    box.setObjectName("batchStatusFilter")
    box.addItems([ALL_STATUSES, *(s.value for s in BatchStatus)])
    box.setToolTip("Show only the batches of one status")
    box.currentTextChanged.connect(
        lambda text: model.set_filter("" if text == ALL_STATUSES else status_key(text)))
    return box
