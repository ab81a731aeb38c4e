"""Money after the purchase for tests (issue #13), made as a clerk makes it: a factor's
partial payment (a payment report), a close with a short pay, the debtor's direct payment
(the Desk), a chargeback (a reserve report). ``reserve_move`` alone writes its entry
straight into the database: it also makes movements of no factor, which no report can."""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from factor_desk.db.models import (
    Batch,
    FactoringCompany,
    Invoice,
    LedgerEntry,
    Load,
)
from factor_desk.db.work import Work
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.money import to_cents
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.ledger import invoice_balance

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


def _report(db, kind: str, header: list[str], row: dict[str, str]) -> None:
    """Apply a one-row report of ``kind`` through the Desk, as a clerk uploads it."""
    with tempfile.TemporaryDirectory(prefix="helpers_money_") as folder:
        path = Path(folder) / f"{kind}-{uuid.uuid4().hex[:8]}.csv"
        path.write_text(",".join(header) + "\n" + ",".join(row.get(h, "") for h in header)
                        + "\n", encoding="utf-8")
        run_to_end(Desk(db).apply_report(kind, path))


def partial_payment(db, load_number: str, amount: str, reference: str) -> None:
    """A factor's payment below the open balance: the load stays Financed (a payment
    report row without Final)."""
    _report(db, "payments", ["Load Number", "Payment Date", "Amount Paid",
                             "Reference Number"],
            {"Load Number": load_number, "Payment Date": f"{DAY:%Y-%m-%d}",
             "Amount Paid": amount, "Reference Number": reference})


def close_load(db, load_number: str, reason: str) -> int:
    """The open rest written off as a short pay, the load Completed (``loads close``).
    Returns the short pay in cents."""
    with db.read() as work:
        invoice, _load, _ = _open_invoice(work, load_number)
        rest = invoice_balance(work, invoice.id).balance
    Desk(db).close_load(load_number, reason)
    return rest


def pay_load(db, load_number: str, amount: str, reference: str) -> None:
    """The debtor paid the carrier directly (``loads pay``); Completed once nothing is
    open."""
    Desk(db).pay_load(load_number, Decimal(amount), reference, DAY)


def chargeback(db, load_number: str, amount: str, reference: str) -> None:
    """The factor took the invoice back out of the reserve: Financed -> Charged back (a
    reserve report's chargeback row)."""
    _report(db, "reserve", ["Date", "Type", "Load Number", "Amount", "Reference"],
            {"Date": f"{DAY:%Y-%m-%d}", "Type": "chargeback", "Load Number": load_number,
             "Amount": amount, "Reference": reference})


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
