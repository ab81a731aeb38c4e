"""The money of a batch and of a load, invoice by invoice, as the reconciliation counts it
(services/reports/reconciliation.py: its per-invoice rows are the figures here, never a
second way of adding them up), with the payments that came in for each: date, amount,
reference and the import that brought it. Reads only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, select

from factor_desk.db.models import Batch, Invoice, Payment, ReportImport
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ImportStatus
from factor_desk.domain.money import from_cents
from factor_desk.services.batches import find_batch
from factor_desk.services.loads.queries import find_load
from factor_desk.services.reports.reconciliation import ReconRow, reconcile


@dataclass
class PaymentLine:
    """One payment of an invoice, from an applied payment report."""

    payment_date: dt.date
    amount: Decimal
    reference: str
    check_number: str
    import_id: int
    import_file: str
    short_pay_reason: str = ""


@dataclass
class InvoiceMoney:
    """One invoice of a batch and what became of its money (the reconciliation's row)."""

    invoice_number: str
    load_number: str
    status: str  # the load's billing status
    flag: str  # "Held: why" / "Rejected: why" when the factor has not bought it
    invoiced: Decimal
    advance: Decimal
    fee: Decimal
    reserve: Decimal
    paid: Decimal
    short_pay: Decimal
    overpay: Decimal
    open_balance: Decimal
    payments: list[PaymentLine] = field(default_factory=list)

    @property
    def references(self) -> list[str]:
        """The payments' reference numbers (else check numbers), in payment order."""
        return [p.reference or p.check_number for p in self.payments
                if p.reference or p.check_number]


@dataclass
class LoadMoney:
    """A load's invoice money: None for a load not yet batched (nothing invoiced)."""

    load_number: str
    batch: str | None
    invoice: InvoiceMoney | None


def batch_invoices(work: Work, batch: str) -> list[InvoiceMoney]:
    """Every invoice of ``batch`` in its order on the schedule, with its money and payments:
    the reconciliation of the batch plus one query for the payments."""
    found = find_batch(work, batch)
    recon = reconcile(work, found.label)
    rows = recon.batches[0].rows if recon.batches else []
    payments = _payments(work, Invoice.batch_id == found.id)
    return [_invoice_money(r, payments.get(r.invoice_number, [])) for r in rows]


def load_money(work: Work, load_number: str) -> LoadMoney:
    """The money of one load: its invoice's row of the reconciliation and its payments."""
    load = find_load(work, load_number)
    label = work.execute(
        select(Batch.label).join(Invoice, Invoice.batch_id == Batch.id)
        .where(Invoice.load_id == load.id)
        .order_by(Invoice.id.desc()).limit(1)  # its latest: a recalled one may precede it
    ).scalar_one_or_none()
    if label is None:
        return LoadMoney(load.load_number, None, None)
    recon = reconcile(work, label)
    row = next(r for r in recon.batches[0].rows if r.load_number == load.load_number)
    payments = _payments(work, Invoice.load_id == load.id)
    return LoadMoney(load.load_number, label,
                     _invoice_money(row, payments.get(row.invoice_number, [])))


def _invoice_money(row: ReconRow, payments: list[PaymentLine]) -> InvoiceMoney:
    a = row.amounts
    return InvoiceMoney(row.invoice_number, row.load_number, row.status, row.flag,
                        a["invoiced"], a["advance"], a["fee"], a["reserve"], a["paid"],
                        a["short_pay"], a["overpay"], a["open_balance"], payments)


def _payments(work: Work, which: ColumnElement[bool]) -> dict[str, list[PaymentLine]]:
    """The applied payments of the invoices ``which`` selects, by invoice number (one
    query)."""
    stmt = (select(Invoice.invoice_number, Payment.payment_date, Payment.amount_cents,
                   Payment.reference_number, Payment.check_number, Payment.short_pay_reason,
                   ReportImport.id, ReportImport.file_name)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .join(ReportImport, ReportImport.id == Payment.import_id)
            .where(which, ReportImport.status == ImportStatus.APPLIED)
            .order_by(Payment.payment_date, Payment.id))
    out: dict[str, list[PaymentLine]] = defaultdict(list)
    for inv_no, day, cents, ref, check, why, import_id, file_name in work.execute(stmt):
        out[inv_no].append(PaymentLine(day, from_cents(cents), ref, check, import_id,
                                       file_name, why))
    return out
