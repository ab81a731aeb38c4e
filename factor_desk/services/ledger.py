"""The money of an invoice after its purchase, and of the reserve, added up in SQL: the one
place where paid, short pay, balance and reserve held are defined (domain/ledger.py says how
they add up). Aging, the reconciliation, the journal and the load page read their figures
through these statements, never a second way of adding them up.

Rows of an undone import are deleted with its undo, so every payment, purchase record and
ledger entry in the tables counts. Recalled invoices count in nothing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Subquery,
    bindparam,
    case,
    cast,
    func,
    select,
)

from factor_desk.db.models import Batch, Invoice, LedgerEntry, Payment, PurchaseRecord
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import PurchaseStatus
from factor_desk.domain.ledger import EntryKind


def _sum_of(kind: EntryKind) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((LedgerEntry.kind == kind.value,
                                        LedgerEntry.amount_cents), else_=0)), 0)


def invoice_money(*, invoice_ids: Collection[int] | None = None, batch_id: int | None = None,
                  load_id: int | None = None) -> Subquery:
    """One row per open invoice (not recalled) with its figures in cents: ``invoice_id``,
    ``load_id``, ``batch_id``, ``invoiced``, ``factor_paid`` (the factor's payment reports),
    ``direct_paid`` (``loads pay``), ``paid`` (both), ``short_pay``, ``charged_back`` (what
    the reserve report took back for it) and ``balance`` = invoiced - paid - short pay
    (negative when overpaid). Join it to Load for the status.

    ``invoice_ids``, ``batch_id``, ``load_id`` (any together): only those invoices, picked
    out inside the sums, so that only their payments and ledger entries are read (one
    batch's figures in milliseconds, not after adding up every payment)."""
    picked: list[ColumnElement[bool]] = []
    ids = list(invoice_ids) if invoice_ids is not None else []

    def listed() -> BindParameter[list[int]]:
        # written into the statement (whole numbers): three lists of a 900-id chunk would
        # pass the 999 parameters some SQLite builds allow
        return bindparam(None, ids, expanding=True, literal_execute=True)

    if invoice_ids is not None:
        picked.append(Invoice.id.in_(listed()))
    if batch_id is not None:
        picked.append(Invoice.batch_id == batch_id)
    if load_id is not None:
        picked.append(Invoice.load_id == load_id)
    paid_of = select(Payment.invoice_id, func.sum(Payment.amount_cents).label("cents"))
    entries_of = select(LedgerEntry.invoice_id,
                        _sum_of(EntryKind.DIRECT_PAYMENT).label("direct"),
                        _sum_of(EntryKind.SHORT_PAY).label("short"),
                        _sum_of(EntryKind.CHARGEBACK).label("charged"))
    if invoice_ids is not None and len(picked) == 1:
        paid_of = paid_of.where(Payment.invoice_id.in_(listed()))
        entries_of = entries_of.where(LedgerEntry.invoice_id.in_(listed()))
    elif picked:
        of_picked = select(Invoice.id).where(*picked)
        paid_of = paid_of.where(Payment.invoice_id.in_(of_picked))
        entries_of = entries_of.where(LedgerEntry.invoice_id.in_(of_picked))
    paid = paid_of.group_by(Payment.invoice_id).subquery("factor_paid")
    entries = (entries_of.where(LedgerEntry.invoice_id.is_not(None))
               .group_by(LedgerEntry.invoice_id).subquery("entries"))
    factor_paid = func.coalesce(paid.c.cents, 0)
    direct = func.coalesce(entries.c.direct, 0)
    short = func.coalesce(entries.c.short, 0)
    return (
        select(Invoice.id.label("invoice_id"), Invoice.load_id, Invoice.batch_id,
               Invoice.amount_cents.label("invoiced"),
               cast(factor_paid, Integer).label("factor_paid"),
               cast(direct, Integer).label("direct_paid"),
               cast(factor_paid + direct, Integer).label("paid"),
               cast(short, Integer).label("short_pay"),
               cast(func.coalesce(entries.c.charged, 0), Integer).label("charged_back"),
               cast(Invoice.amount_cents - factor_paid - direct - short, Integer)
               .label("balance"))
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .outerjoin(entries, entries.c.invoice_id == Invoice.id)
        .where(Invoice.recalled_at.is_(None), *picked)
        .subquery("invoice_money"))


@dataclass(frozen=True)
class InvoiceBalance:
    """One invoice's figures in cents (see ``invoice_money``)."""

    invoiced: int
    factor_paid: int
    direct_paid: int
    short_pay: int
    charged_back: int

    @property
    def paid(self) -> int:
        return self.factor_paid + self.direct_paid

    @property
    def balance(self) -> int:
        """What the debtor still owes; negative when overpaid."""
        return self.invoiced - self.paid - self.short_pay


def invoice_balance(work: Work, invoice_id: int) -> InvoiceBalance:
    """The figures of one open invoice (not recalled)."""
    m = invoice_money(invoice_ids=[invoice_id])
    row = work.execute(
        select(m.c.invoiced, m.c.factor_paid, m.c.direct_paid, m.c.short_pay,
               m.c.charged_back).where(m.c.invoice_id == invoice_id)).one()
    return InvoiceBalance(*(int(v) for v in row))


@dataclass(frozen=True)
class ReserveFigures:
    """The reserve with a factor, in cents: held = reserve - released - charged_back - fees
    + adjustments."""

    reserve: int  # set aside by the purchase reports
    released: int
    charged_back: int
    fees: int
    adjustments: int  # signed

    @property
    def held(self) -> int:
        return (self.reserve - self.released - self.charged_back - self.fees
                + self.adjustments)


def reserve_figures(work: Work, factoring_company_id: int | None = None) -> ReserveFigures:
    """The reserve with one factor (by id), or with every factor."""
    reserve = (select(func.coalesce(func.sum(PurchaseRecord.reserve_cents), 0))
               .join(Invoice, Invoice.id == PurchaseRecord.invoice_id)
               .join(Batch, Batch.id == Invoice.batch_id)
               .where(PurchaseRecord.status == PurchaseStatus.PURCHASED.value))
    moves = select(_sum_of(EntryKind.RELEASE), _sum_of(EntryKind.CHARGEBACK),
                   _sum_of(EntryKind.FEE), _sum_of(EntryKind.ADJUSTMENT))
    if factoring_company_id is not None:
        reserve = reserve.where(Batch.factoring_company_id == factoring_company_id)
        moves = moves.where(LedgerEntry.factoring_company_id == factoring_company_id)
    held = int(work.execute(reserve).scalar_one() or 0)
    released, charged, fees, adjustments = (int(v) for v in work.execute(moves).one())
    return ReserveFigures(held, released, charged, fees, adjustments)
