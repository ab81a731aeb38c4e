"""The money of a batch and of a load, invoice by invoice: the reconciliation's rows
(services/reports/reconciliation.py) with what was paid, short paid, overpaid and is still
open as services/ledger.py defines them (never a second way of adding them up), and the
payments that came in for each: date, amount, reference and the import that brought it.
A load's page also lists every movement of its money in date order (``MoneyLine``): the
purchase, each payment, short pay, direct payment, chargeback and reserve movement, with
where it came from. Reads only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, select

from factor_desk.db.models import (
    Batch,
    Invoice,
    LedgerEntry,
    Payment,
    PurchaseRecord,
    ReportImport,
)
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ImportStatus, PurchaseStatus
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.money import format_money, from_cents
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
    def partially_paid(self) -> bool:
        """Paid in part, the rest still open (a Financed or Charged back load)."""
        return self.paid > 0 and self.open_balance > 0

    @property
    def references(self) -> list[str]:
        """The payments' reference numbers (else check numbers), in payment order."""
        return [p.reference or p.check_number for p in self.payments
                if p.reference or p.check_number]


# What each kind of line is, in the clerk's words.
LINE_WORDS = {
    "purchase": "Purchased by the factor",
    "payment": "Payment (factor's report)",
    EntryKind.SHORT_PAY.value: "Short pay written off",
    EntryKind.DIRECT_PAYMENT.value: "Direct payment (debtor to carrier)",
    EntryKind.CHARGEBACK.value: "Charged back by the factor",
    EntryKind.RELEASE.value: "Reserve released",
    EntryKind.FEE.value: "Fee taken from the reserve",
    EntryKind.ADJUSTMENT.value: "Reserve adjustment",
}


@dataclass
class MoneyLine:
    """One movement of a load's money: the purchase (its amount, with the advance, fee and
    reserve in ``detail``), a factor's payment, or a ledger entry (``kind`` is its
    EntryKind), with where it came from: an import (``import_id``, ``source`` names it and
    its file) or a clerk (``source`` names them)."""

    date: dt.date
    kind: str  # "purchase", "payment", or an EntryKind value
    amount: Decimal
    reference: str
    source: str
    detail: str  # the reason, or what the purchase was made of
    import_id: int | None = None

    @property
    def what(self) -> str:
        return LINE_WORDS.get(self.kind, self.kind)


@dataclass
class LoadMoney:
    """A load's invoice money: None for a load not yet batched (nothing invoiced); its
    billing status, and every movement of its money in date order."""

    load_number: str
    batch: str | None
    invoice: InvoiceMoney | None
    status: str = ""
    lines: list[MoneyLine] = field(default_factory=list)


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
        return LoadMoney(load.load_number, None, None, load.status)
    recon = reconcile(work, label)
    # its invoice in that batch: the open one, else (recalled) the last one
    row = [r for r in recon.batches[0].rows if r.load_number == load.load_number][-1]
    payments = _payments(work, Invoice.load_id == load.id)
    return LoadMoney(load.load_number, label,
                     _invoice_money(row, payments.get(row.invoice_number, [])),
                     load.status, _lines(work, load.id))


def _invoice_money(row: ReconRow, payments: list[PaymentLine]) -> InvoiceMoney:
    a = row.amounts
    return InvoiceMoney(row.invoice_number, row.load_number, row.status, row.flag,
                        a["invoiced"], a["advance"], a["fee"], a["reserve"], a["paid"],
                        a["short_pay"], a["overpay"], a["open_balance"], payments)


def _source(import_id: int | None, file_name: str | None, by: str) -> str:
    if import_id is not None:
        return f"import #{import_id} {file_name}"
    return f"by {by}" if by else "by a clerk"


def _lines(work: Work, load_id: int) -> list[MoneyLine]:
    """Every movement of the money of the load's open invoice (and any ledger entry of the
    load), in date order; what undone imports did is gone with them."""
    applied = ReportImport.status == ImportStatus.APPLIED
    lines: list[tuple[dt.date, int, int, MoneyLine]] = []
    current = (Invoice.load_id == load_id) & Invoice.recalled_at.is_(None)
    for rec, imp_id, file_name in work.execute(
            select(PurchaseRecord, ReportImport.id, ReportImport.file_name)
            .join(Invoice, Invoice.id == PurchaseRecord.invoice_id)
            .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
            .where(current, applied,
                   PurchaseRecord.status == PurchaseStatus.PURCHASED.value)).all():
        parts = [f"{name} {format_money(from_cents(cents))}"
                 for name, cents in (("advance", rec.advance_cents), ("fee", rec.fee_cents),
                                     ("reserve", rec.reserve_cents)) if cents is not None]
        day = rec.purchase_date or dt.date.min
        lines.append((day, 0, rec.id, MoneyLine(
            day, "purchase", from_cents(rec.invoice_amount_cents), "",
            _source(imp_id, file_name, ""), ", ".join(parts), imp_id)))
    for pay, file_name in work.execute(
            select(Payment, ReportImport.file_name)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .join(ReportImport, ReportImport.id == Payment.import_id)
            .where(current, applied)).all():
        detail = "; ".join(t for t in (
            "final" if pay.final else "", pay.short_pay_reason,
            f"check {pay.check_number}" if pay.check_number else "", pay.note) if t)
        lines.append((pay.payment_date, 1, pay.id, MoneyLine(
            pay.payment_date, "payment", from_cents(pay.amount_cents),
            pay.reference_number or pay.check_number,
            _source(pay.import_id, file_name, ""), detail, pay.import_id)))
    for entry, file_name in work.execute(
            select(LedgerEntry, ReportImport.file_name)
            .outerjoin(ReportImport, ReportImport.id == LedgerEntry.import_id)
            .where(LedgerEntry.load_id == load_id,
                   LedgerEntry.import_id.is_(None) | applied)).all():
        lines.append((entry.entry_date, 2, entry.id, MoneyLine(
            entry.entry_date, entry.kind, from_cents(entry.amount_cents), entry.reference,
            _source(entry.import_id, file_name, entry.by), entry.reason, entry.import_id)))
    lines.sort(key=lambda t: t[:3])
    return [line for *_, line in lines]


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
