"""Money after the purchase written straight into the database for tests (issue #13): a
factor's partial payment, a short pay, the debtor's direct payment, a chargeback and the
reserve report's release, fee and adjustment, each one transaction with its status move
through services.lifecycle.move_loads. They stand in for the real services (the payment
report's partial payments and ``Desk.close_load`` / ``Desk.pay_load``; the reserve report)
until those land: swap each body for the service call, the tests that use them stay."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select

from factor_desk.db.models import (
    Batch,
    FactoringCompany,
    Invoice,
    LedgerEntry,
    Load,
    Payment,
    ReportImport,
)
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ReportKind
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import to_cents
from factor_desk.services.ledger import invoice_balance
from factor_desk.services.lifecycle import move_loads

DAY = dt.date(2026, 12, 28)
BY = "test-clerk"


def _open_invoice(work: Work, load_number: str) -> tuple[Invoice, Load, int]:
    """The load's open invoice, the load, and its batch's factor id."""
    invoice, load, factor_id = work.execute(
        select(Invoice, Load, Batch.factoring_company_id)
        .join(Load, Load.id == Invoice.load_id)
        .join(Batch, Batch.id == Invoice.batch_id)
        .where(Load.load_number == load_number, Invoice.recalled_at.is_(None))).one()
    return invoice, load, factor_id


def _entry(work: Work, kind: EntryKind, cents: int, *, invoice: Invoice | None = None,
           factor_id: int | None = None, reference: str = "", reason: str = "") -> None:
    work.add(LedgerEntry(kind=kind.value, invoice_id=invoice.id if invoice else None,
                         load_id=invoice.load_id if invoice else None,
                         factoring_company_id=factor_id, entry_date=DAY, amount_cents=cents,
                         reference=reference, reason=reason, by=BY))
    work.flush()


def _move(work: Work, load: Load, to: BillingStatus, *, exception: bool = False) -> None:
    move_loads(work, [(load.id, load.load_number)], BillingStatus(load.status), to, by=BY,
               reason="helpers_money", exception=exception)


def partial_payment(db, load_number: str, amount: str, reference: str) -> None:
    """A factor's payment below the open balance: the load stays Financed (PAY: a payment
    report row without Final)."""
    with db.write() as work:
        invoice, _load, _ = _open_invoice(work, load_number)
        imp = ReportImport(kind=ReportKind.PAYMENTS.value, file_name=f"{reference}.csv",
                           sha256=uuid.uuid4().hex * 2, rows_total=1, rows_applied=1,
                           imported_by=BY)
        work.add(imp)
        work.flush()
        work.add(Payment(import_id=imp.id, invoice_id=invoice.id, row_number=2,
                         payment_date=DAY, amount_cents=to_cents(Decimal(amount)),
                         reference_number=reference))


def close_load(db, load_number: str, reason: str) -> int:
    """The open rest written off as a short pay, the load Completed (PAY: ``loads close``).
    Returns the short pay in cents."""
    with db.write() as work:
        invoice, load, factor_id = _open_invoice(work, load_number)
        rest = invoice_balance(work, invoice.id).balance
        assert rest > 0, f"load {load_number} has nothing open"
        _entry(work, EntryKind.SHORT_PAY, rest, invoice=invoice, factor_id=factor_id,
               reason=reason)
        _move(work, load, BillingStatus.COMPLETED)
        return rest


def pay_load(db, load_number: str, amount: str, reference: str) -> None:
    """The debtor paid the carrier directly; the load is Completed once nothing is open
    (PAY: ``loads pay``)."""
    with db.write() as work:
        invoice, load, factor_id = _open_invoice(work, load_number)
        _entry(work, EntryKind.DIRECT_PAYMENT, to_cents(Decimal(amount)), invoice=invoice,
               factor_id=factor_id, reference=reference)
        if invoice_balance(work, invoice.id).balance <= 0:
            _move(work, load, BillingStatus.COMPLETED,
                  exception=load.status == BillingStatus.CHARGED_BACK)


def chargeback(db, load_number: str, amount: str, reference: str) -> None:
    """The factor took the invoice back out of the reserve: Financed -> Charged back
    (RESERVE: a reserve report's chargeback row)."""
    with db.write() as work:
        invoice, load, factor_id = _open_invoice(work, load_number)
        _entry(work, EntryKind.CHARGEBACK, to_cents(Decimal(amount)), invoice=invoice,
               factor_id=factor_id, reference=reference)
        _move(work, load, BillingStatus.CHARGED_BACK, exception=True)


def reserve_move(db, kind: EntryKind, amount: str, reference: str, *,
                 factor: str | None = "Capital Depot", load_number: str | None = None
                 ) -> None:
    """A reserve report's release, fee or adjustment (signed), of one invoice or of none;
    of ``factor`` (None: of no factor)."""
    assert kind in (EntryKind.RELEASE, EntryKind.FEE, EntryKind.ADJUSTMENT)
    with db.write() as work:
        factor_id = None if factor is None else work.execute(
            select(FactoringCompany.id).where(FactoringCompany.name == factor)).scalar_one()
        invoice = _open_invoice(work, load_number)[0] if load_number else None
        _entry(work, kind, to_cents(Decimal(amount)), invoice=invoice, factor_id=factor_id,
               reference=reference)
