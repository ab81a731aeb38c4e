"""The Home page's read model: what needs the billing clerk today, in a few aggregate
queries (no loop over loads or invoices in Python, so it stays fast at 100,000 loads).

- ready to factor, per subsidiary: what the Factoring Batch page offers (Queued, billed by
  factoring) with every required document present; and how many such loads still lack one;
- batches waiting for a purchase report: their Invoiced invoices that no applied purchase
  report has mentioned yet, with the days since the batch was submitted;
- invoices the factor held or rejected (``reports.factor_flags``);
- invoices past due: not Completed, due date (invoice date + the customer's terms) before
  today;
- the money still open with the factor: the reconciliation's figures (``reports.reconcile``,
  passed in by the Desk, never worked out a second way here);
- invoiced, purchased and paid per week over the last 12 weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select, true

from factor_desk.db.models import (
    Batch,
    Customer,
    FactoringCompany,
    ImportantInfo,
    Invoice,
    Load,
    Payment,
    PurchaseRecord,
    ReportImport,
    Subsidiary,
    SupportingDocument,
)
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ImportStatus, PurchaseStatus
from factor_desk.domain.lifecycle import OPEN_STATUSES, BillingStatus
from factor_desk.domain.money import from_cents
from factor_desk.domain.trade import SATISFIES, DocumentKind, InfoKind, InvoicingMethod
from factor_desk.services.common import chunks
from factor_desk.services.ledger import invoice_money
from factor_desk.services.loads import effective_method
from factor_desk.services.reports import Reconciliation, factor_flags

WEEKS = 12
EXAMPLES = 5  # how many of the flagged and past-due invoices are named one by one


@dataclass(frozen=True)
class ReadyToFactor:
    """A subsidiary's Queued factoring loads: those a batch can take now, and those
    still lacking a required document."""

    subsidiary: str
    ready: int
    ready_total: Decimal
    blocked: int
    blocked_total: Decimal
    factoring_company: str | None  # None: no batch can be submitted until one is chosen
    has_notice_of_assignment: bool

    @property
    def can_submit(self) -> bool:
        return self.factoring_company is not None and self.has_notice_of_assignment


@dataclass(frozen=True)
class WaitingBatch:
    """A batch with invoices no purchase report has answered yet."""

    batch: str
    subsidiary: str
    submitted_at: dt.datetime
    age_days: int
    invoices: int
    total: Decimal


@dataclass(frozen=True)
class FlaggedInvoice:
    """An invoice the factor held or rejected and has not bought since."""

    invoice_number: str
    load_number: str
    batch: str
    flag: str  # "Held: missing POD", as the Loads page shows it
    amount: Decimal


@dataclass(frozen=True)
class PastDueInvoice:
    invoice_number: str
    load_number: str
    customer: str
    status: str
    due_date: dt.date
    days_late: int
    amount: Decimal


@dataclass(frozen=True)
class OpenMoney:
    """The reconciliation's overall figures, as money."""

    invoiced: Decimal
    purchased: Decimal
    paid: Decimal
    open_balance: Decimal
    open_batches: int  # batches with an open balance


@dataclass(frozen=True)
class WeekFigures:
    start: dt.date  # the Monday
    invoiced: Decimal
    purchased: Decimal
    paid: Decimal


@dataclass
class HomeOverview:
    today: dt.date
    ready: list[ReadyToFactor]
    waiting: list[WaitingBatch]  # oldest first
    flagged_count: int
    flagged_total: Decimal
    flagged: list[FlaggedInvoice]  # the first EXAMPLES
    past_due_count: int
    past_due_total: Decimal
    past_due: list[PastDueInvoice]  # the EXAMPLES most overdue
    money: OpenMoney
    weeks: list[WeekFigures] = field(default_factory=list)  # oldest first, WEEKS of them
    subsidiaries: int = 0  # none yet: the company profile comes first

    @property
    def ready_loads(self) -> int:
        return sum(r.ready for r in self.ready)

    @property
    def ready_total(self) -> Decimal:
        return sum((r.ready_total for r in self.ready), Decimal(0))

    @property
    def blocked_loads(self) -> int:
        return sum(r.blocked for r in self.ready)

    @property
    def waiting_invoices(self) -> int:
        return sum(b.invoices for b in self.waiting)

    @property
    def waiting_total(self) -> Decimal:
        return sum((b.total for b in self.waiting), Decimal(0))


def home_overview(work: Work, today: dt.date, reconciliation: Reconciliation
                  ) -> HomeOverview:
    """Everything the Home page shows, as of ``today``; the money open with the factor
    comes from ``reconciliation`` (``reports.reconcile`` of the same unit of work)."""
    flagged_count, flagged_total, flagged = _flagged(work)
    past_count, past_total, past_due = _past_due(work, today)
    subsidiaries, ready = _ready(work)
    return HomeOverview(
        today=today, ready=ready, waiting=_waiting(work, today), subsidiaries=subsidiaries,
        flagged_count=flagged_count, flagged_total=flagged_total, flagged=flagged,
        past_due_count=past_count, past_due_total=past_total, past_due=past_due,
        money=open_money(reconciliation), weeks=_weeks(work, today))


def open_money(reconciliation: Reconciliation) -> OpenMoney:
    t = reconciliation.totals
    return OpenMoney(
        invoiced=t["invoiced"], purchased=t["purchased"], paid=t["paid"],
        open_balance=t["open_balance"],
        open_batches=sum(1 for b in reconciliation.batches if b.totals["open_balance"]))


# ------------------------------------------------------------------ ready to factor


def _documents_complete(required: list[str]) -> ColumnElement[bool]:
    """True for a load holding every kind in ``required`` (or one that satisfies it, as
    ``trade.missing_documents`` judges)."""
    conditions = []
    for name in required:
        kind = DocumentKind(name)
        kinds = sorted(k.value for k in SATISFIES.get(kind, frozenset({kind})))
        # IN, not a correlated EXISTS: PostgreSQL hashes the subquery once instead of
        # probing it per load (half the time at 100,000 loads; SQLite about even).
        conditions.append(Load.id.in_(select(SupportingDocument.load_id).where(
            SupportingDocument.kind.in_(kinds))))
    return and_(true(), *conditions)


def _ready(work: Work) -> tuple[int, list[ReadyToFactor]]:
    """How many subsidiaries there are, and those with Queued factoring loads."""
    subsidiaries = work.execute(
        select(Subsidiary.id, Subsidiary.name, Subsidiary.required_documents,
               FactoringCompany.name)
        .outerjoin(FactoringCompany, FactoringCompany.id == Subsidiary.factoring_company_id)
        .order_by(Subsidiary.name)).all()
    with_noa = set(work.scalars(select(ImportantInfo.subsidiary_id).where(
        ImportantInfo.kind == InfoKind.NOTICE_OF_ASSIGNMENT.value)))
    out = []
    for sub_id, name, required, factor in subsidiaries:
        # Grouped by "complete", the document test runs once a load (two sums of a CASE
        # ran it twice: half again the time at 100,000 loads).
        complete = case((_documents_complete(list(required or [])), 1), else_=0)
        counts = {int(ok): (int(n), int(cents)) for ok, n, cents in work.execute(
            select(complete, func.count(Load.id), func.sum(Load.total_cents))
            .join(Customer, Customer.id == Load.customer_id)
            .join(Subsidiary, Subsidiary.id == Load.subsidiary_id)
            .where(Load.subsidiary_id == sub_id,
                   Load.status == BillingStatus.QUEUED.value,
                   effective_method() == InvoicingMethod.FACTORING.value)
            .group_by(complete))}
        if counts:
            ready, ready_cents = counts.get(1, (0, 0))
            blocked, blocked_cents = counts.get(0, (0, 0))
            out.append(ReadyToFactor(
                subsidiary=name, ready=ready, ready_total=from_cents(ready_cents),
                blocked=blocked, blocked_total=from_cents(blocked_cents),
                factoring_company=factor, has_notice_of_assignment=sub_id in with_noa))
    return len(subsidiaries), out


# ------------------------------------------------------------------ the factor's answers


def _answered() -> ColumnElement[bool]:
    """An invoice some applied purchase report named (bought, held or rejected)."""
    return exists().where(PurchaseRecord.invoice_id == Invoice.id,
                          ReportImport.id == PurchaseRecord.import_id,
                          ReportImport.status == ImportStatus.APPLIED.value)


def _waiting(work: Work, today: dt.date) -> list[WaitingBatch]:
    rows = work.execute(
        select(Batch.label, Subsidiary.name, Batch.submitted_at, func.count(Invoice.id),
               func.sum(Invoice.amount_cents))
        .join(Invoice, Invoice.batch_id == Batch.id)
        .join(Load, Load.id == Invoice.load_id)
        .join(Subsidiary, Subsidiary.id == Batch.subsidiary_id)
        .where(Load.status == BillingStatus.INVOICED.value, ~_answered())
        .group_by(Batch.id, Batch.label, Subsidiary.name, Batch.submitted_at)
        .order_by(Batch.submitted_at, Batch.id)).all()
    return [WaitingBatch(batch=label, subsidiary=sub, submitted_at=at,
                         age_days=max(0, (today - at.date()).days), invoices=int(count),
                         total=from_cents(int(cents)))
            for label, sub, at, count, cents in rows]


def _flagged(work: Work) -> tuple[int, Decimal, list[FlaggedInvoice]]:
    flags = factor_flags(work)
    rows: list[Any] = []
    for part in chunks(sorted(flags)):
        rows += work.execute(
            select(Invoice.load_id, Invoice.invoice_number, Load.load_number, Batch.label,
                   Invoice.amount_cents)
            .join(Load, Load.id == Invoice.load_id)
            .join(Batch, Batch.id == Invoice.batch_id)
            .where(Invoice.load_id.in_(part), Invoice.recalled_at.is_(None))).all()
    rows.sort(key=lambda r: (r[3], r[1]))
    total = from_cents(sum(int(r[4]) for r in rows))
    return len(rows), total, [
        FlaggedInvoice(invoice_number=inv, load_number=load, batch=batch,
                       flag=flags[load_id], amount=from_cents(cents))
        for load_id, inv, load, batch, cents in rows[:EXAMPLES]]


def _past_due(work: Work, today: dt.date) -> tuple[int, Decimal, list[PastDueInvoice]]:
    """The open invoices (Invoiced, Financed, Charged back; not recalled) past their due
    date with something still owed, by what is still owed (services/ledger.py): the
    aging's past-due buckets, invoice by invoice."""
    m = invoice_money()
    late = and_(Load.status.in_([s.value for s in OPEN_STATUSES]), m.c.balance > 0,
                Invoice.due_date < today)
    count, cents = work.execute(
        select(func.count(m.c.invoice_id), func.coalesce(func.sum(m.c.balance), 0))
        .join(Invoice, Invoice.id == m.c.invoice_id)
        .join(Load, Load.id == m.c.load_id).where(late)).one()
    rows = [] if not count else work.execute(
        select(Invoice.invoice_number, Load.load_number, Customer.name, Load.status,
               Invoice.due_date, m.c.balance)
        .join(Invoice, Invoice.id == m.c.invoice_id)
        .join(Load, Load.id == m.c.load_id)
        .join(Customer, Customer.id == Load.customer_id)
        .where(late).order_by(Invoice.due_date, Invoice.invoice_number)
        .limit(EXAMPLES)).all()
    return int(count), from_cents(int(cents)), [
        PastDueInvoice(invoice_number=inv, load_number=load, customer=customer,
                       status=status, due_date=due, days_late=(today - due).days,
                       amount=from_cents(int(amount)))
        for inv, load, customer, status, due, amount in rows]


# ------------------------------------------------------------------ the weeks


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def _weeks(work: Work, today: dt.date) -> list[WeekFigures]:
    first = week_start(today) - dt.timedelta(weeks=WEEKS - 1)
    end = week_start(today) + dt.timedelta(weeks=1)
    applied = ReportImport.status == ImportStatus.APPLIED.value
    queries = {
        "invoiced": select(Invoice.invoice_date, func.sum(Invoice.amount_cents))
        .where(Invoice.invoice_date >= first, Invoice.invoice_date < end)
        .group_by(Invoice.invoice_date),
        # Our amount of each invoice bought, as the reconciliation's "purchased".
        "purchased": select(PurchaseRecord.purchase_date, func.sum(Invoice.amount_cents))
        .join(Invoice, Invoice.id == PurchaseRecord.invoice_id)
        .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
        .where(applied, PurchaseRecord.status == PurchaseStatus.PURCHASED.value,
               PurchaseRecord.purchase_date >= first, PurchaseRecord.purchase_date < end)
        .group_by(PurchaseRecord.purchase_date),
        "paid": select(Payment.payment_date, func.sum(Payment.amount_cents))
        .join(ReportImport, ReportImport.id == Payment.import_id)
        .where(applied, Payment.payment_date >= first, Payment.payment_date < end)
        .group_by(Payment.payment_date),
    }
    cents = {name: [0] * WEEKS for name in queries}
    for name, stmt in queries.items():
        for day, amount in work.execute(stmt):
            assert day is not None  # the range above leaves out rows without a date
            cents[name][(day - first).days // 7] += int(amount)
    return [WeekFigures(start=first + dt.timedelta(weeks=i),
                        invoiced=from_cents(cents["invoiced"][i]),
                        purchased=from_cents(cents["purchased"][i]),
                        paid=from_cents(cents["paid"][i]))
            for i in range(WEEKS)]
