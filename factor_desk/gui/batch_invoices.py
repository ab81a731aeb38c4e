"""Factoring Reports: the selected batch invoice by invoice (its money as the reconciliation
counts it, the factor's flag and the payment references); a double-click opens the load."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGroupBox, QVBoxLayout

from factor_desk.domain.money import format_money
from factor_desk.gui.common import fit_columns, table_view
from factor_desk.gui.jobs import Job
from factor_desk.gui.models import Column, RowTableModel
from factor_desk.services.batch_money import InvoiceMoney, PaymentLine

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

    def __init__(self, run: Callable[[Job], bool], fetch: Callable[[str], list[InvoiceMoney]],
                 parent=None):
        super().__init__("Invoices", parent)
        self.setObjectName("batchInvoices")
        self._run = run
        self._fetch = fetch
        self.batch: str | None = None  # the batch shown, or being loaded
        self.model = BatchInvoicesModel(self)
        self.view = table_view(self.model, name="batchInvoicesTable", stretch_last=True)
        self.view.setToolTip("Double-click an invoice to open its load.")
        self.view.doubleClicked.connect(self._double_clicked)
        QVBoxLayout(self).addWidget(self.view)

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
        fit_columns(self.view, 240)
        flagged = sum(1 for r in rows if r.flag)
        self.setTitle(f"Invoices of batch {batch}: {len(rows)}"
                      + (f", {flagged} held or rejected" if flagged else "")
                      + " (double-click to open the load)")

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_load.emit(self.model.row_at(index.row()).load_number)
