"""What the factor's reports come to, read from the applied imports: the loads the factor
held or rejected, and the reconciliation of every batch (what was invoiced, purchased,
advanced, paid, short paid, charged back, and what is still open) with the reserve held by
each factor."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Subquery,
    and_,
    case,
    cast,
    func,
    select,
    text,
)

from factor_desk.db.models import (
    Batch,
    FactoringCompany,
    Invoice,
    LedgerEntry,
    Load,
    PurchaseRecord,
    ReportImport,
    Subsidiary,
)
from factor_desk.db.work import Work
from factor_desk.domain.batches import BatchStatus
from factor_desk.domain.factor_reports import ImportStatus, PurchaseStatus
from factor_desk.domain.ledger import RESERVE_KINDS
from factor_desk.domain.lifecycle import OPEN_STATUSES, BillingStatus
from factor_desk.domain.money import from_cents
from factor_desk.services.batches import RECALLED, BatchSummary, find_batch, status_of
from factor_desk.services.common import gc_paused
from factor_desk.services.ledger import ReserveFigures, invoice_money, reserve_figures


def factor_flags(work: Work, load_ids: list[int] | None = None) -> dict[int, str]:
    """Loads the factor held or rejected and has not bought since: {load id: 'Held: why'}."""
    stmt = (select(Invoice.load_id, PurchaseRecord.status, PurchaseRecord.reason)
            .join(PurchaseRecord, PurchaseRecord.invoice_id == Invoice.id)
            .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
            .join(Load, Load.id == Invoice.load_id)
            .where(ReportImport.status == ImportStatus.APPLIED,
                   Load.status == BillingStatus.INVOICED,
                   Invoice.recalled_at.is_(None))  # not what it said of a recalled one
            .order_by(PurchaseRecord.id))
    flags: dict[int, str] = {}
    for load_id, status, reason in work.execute(stmt):
        if load_ids is not None and load_id not in load_ids:
            continue
        if status in (PurchaseStatus.HELD, PurchaseStatus.REJECTED):
            flags[load_id] = _flag(status, reason)
    return flags


def _flag(status: str, reason: str | None) -> str:
    return status.title() + (f": {reason}" if reason else "")


# The figures of an invoice, a batch and the whole, in this order (see ``reconcile`` for
# what each one is and how they add up).
RECON_FIELDS = ("invoiced", "purchased", "not_purchased", "factor_amount", "amount_difference",
                "advance", "fee", "reserve", "not_itemised", "paid", "direct_paid",
                "short_pay", "overpay", "charged_back", "open_balance")
# The figures the Factoring Reports overview shows of each batch.
OVERVIEW_FIELDS = ("purchased", "paid", "open_balance")
# The reserve with one factor (services.ledger.ReserveFigures), in this order.
RESERVE_FIELDS = ("reserve", "released", "charged_back", "fees", "adjustments", "held")


@dataclass
class ReconRow:
    invoice_number: str
    load_number: str
    status: str
    flag: str
    amounts: dict[str, Decimal]  # by RECON_FIELDS

    def to_dict(self) -> dict[str, Any]:
        return {"invoice_number": self.invoice_number, "load_number": self.load_number,
                "status": self.status, "flag": self.flag,
                **{k: str(v) for k, v in self.amounts.items()}}


@dataclass
class BatchReconciliation:
    batch: str
    status: str
    rows: list[ReconRow]
    cents: list[int]  # the totals in cents, by RECON_FIELDS

    @functools.cached_property
    def totals(self) -> dict[str, Decimal]:
        """The totals by RECON_FIELDS (made when first asked: an overview of thousands of
        batches reads one or two of them)."""
        return dict(zip(RECON_FIELDS, map(from_cents, self.cents), strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "status": self.status,
                "totals": {k: str(v) for k, v in self.totals.items()},
                "rows": [r.to_dict() for r in self.rows]}


@dataclass
class FactorReserve:
    """The reserve with one factor: set aside by its purchase reports, released, taken by
    chargebacks and fees, adjusted, and what it still holds (by RESERVE_FIELDS)."""

    factor: str
    figures: dict[str, Decimal]

    def to_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, **{k: str(v) for k, v in self.figures.items()}}


@dataclass
class Reconciliation:
    batches: list[BatchReconciliation]
    totals: dict[str, Decimal]  # by RECON_FIELDS
    # The whole only (reserve movements of no invoice belong to no batch): per factor, and
    # over every factor (by RESERVE_FIELDS); empty for the reconciliation of one batch.
    reserve: list[FactorReserve] = field(default_factory=list)
    reserve_totals: dict[str, Decimal] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"totals": {k: str(v) for k, v in self.totals.items()},
                               "batches": [b.to_dict() for b in self.batches]}
        if self.reserve_totals:
            out["reserve"] = {"totals": {k: str(v) for k, v in self.reserve_totals.items()},
                              "factors": [f.to_dict() for f in self.reserve]}
        return out


class _Decimals(dict[int, Decimal]):
    """Figures in cents as Decimal, each distinct figure made once (a batch repeats its
    amounts, and most figures are zero): ``decimals[cents]``."""

    def __missing__(self, cents: int) -> Decimal:
        made = self[cents] = from_cents(cents)
        return made


@dataclass(frozen=True)
class _Figures:
    """The invoices that count (not recalled: ``money``, services.ledger.invoice_money) and
    the factor's purchase of each (``bought``), with each figure of RECON_FIELDS of one
    invoice as a column expression in cents (``columns``, in that order). Join Load to
    ``money`` for the status."""

    money: Subquery
    bought: Subquery
    columns: list[ColumnElement[int]]


def _figures(batch_id: int | None = None) -> _Figures:
    """Of every invoice, or of those of the batch ``batch_id`` only (picked out inside the
    sums: only that batch's payments and entries are read)."""
    m = invoice_money(batch_id=batch_id)
    bought_of = (select(PurchaseRecord.invoice_id, PurchaseRecord.invoice_amount_cents,
                        PurchaseRecord.advance_cents, PurchaseRecord.fee_cents,
                        PurchaseRecord.reserve_cents)
                 .where(PurchaseRecord.status == PurchaseStatus.PURCHASED.value))
    if batch_id is not None:
        bought_of = bought_of.where(PurchaseRecord.invoice_id.in_(
            select(Invoice.id).where(Invoice.batch_id == batch_id)))
    bought = bought_of.subquery("bought")  # one record per invoice at most (a unique index)
    is_bought = bought.c.invoice_id.is_not(None)
    invoiced = m.c.invoiced
    factor = func.coalesce(bought.c.invoice_amount_cents, 0)
    advance = func.coalesce(bought.c.advance_cents, 0)
    fee = func.coalesce(bought.c.fee_cents, 0)
    reserve = func.coalesce(bought.c.reserve_cents, 0)
    balance = m.c.balance
    owed = balance > 0
    open_statuses = [s.value for s in OPEN_STATUSES]
    columns: list[ColumnElement[int]] = [
        invoiced,
        case((is_bought, invoiced), else_=0),  # purchased
        case((is_bought, 0), else_=invoiced),  # not_purchased
        factor,  # factor_amount
        case((is_bought, factor - invoiced), else_=0),  # amount_difference
        advance, fee, reserve,
        factor - advance - fee - reserve,  # not_itemised
        m.c.paid, m.c.direct_paid, m.c.short_pay,
        case((balance < 0, -balance), else_=0),  # overpay
        case((and_(Load.status == BillingStatus.CHARGED_BACK.value, owed), balance),
             else_=0),  # charged_back
        case((and_(Load.status.in_(open_statuses), owed), balance), else_=0),  # open_balance
    ]
    return _Figures(m, bought, columns)


@gc_paused()
def reconcile(work: Work, batch: str | None = None, *, totals_only: bool = False,
              reserve: bool | None = None) -> Reconciliation:
    """Per batch and overall, and per invoice unless ``totals_only``, in cents added up by
    the database (services/ledger.py defines paid, short pay and balance):

    - ``invoiced``: our invoices' amounts; ``purchased``: of those the factor bought,
      ``not_purchased``: the rest. invoiced = purchased + not_purchased.
    - ``factor_amount``: what the factor's purchase report says it bought them for,
      ``amount_difference`` = factor_amount - purchased, split by the report into
      ``advance``, ``fee``, ``reserve`` and ``not_itemised`` (the part it did not split):
      purchased + amount_difference = factor_amount = advance + fee + reserve + not_itemised.
    - ``paid``: the factor's payment reports and the debtors' direct payments, of which
      ``direct_paid``; ``short_pay``: the short pay entries (a final payment's rest, a
      closed load); ``overpay``: what was paid beyond an invoice (its balance below zero).
    - ``open_balance``: what the debtors still owe on open invoices (Invoiced, Financed,
      Charged back), the aging's total; of it ``charged_back``: the open balance of the
      Charged back loads, the carrier's to collect now. Each invoice's balance =
      invoiced - paid - short_pay, so
      invoiced = paid + short_pay + open_balance - overpay
               = paid + short_pay + charged_back + (open_balance - charged_back) - overpay
      as long as every Completed invoice's rest is written down as a short pay (the
      payment report and ``loads close`` do; migration 0006 wrote down the older ones).

    Recalled invoices (and those of a reversed batch) are listed with the reason and count
    in nothing. Every batch's total is the sum of its rows (one GROUP BY adds them up,
    whether or not the rows are read), the whole the sum of the batches. With ``reserve``
    (the default for the whole, without ``totals_only``): the reserve per factor and over
    every factor (services.ledger.reserve_figures): held = reserve - released -
    charged_back - fees + adjustments; movements of no invoice belong to no batch, so it
    is not split by batch. ``totals_only``: no rows of invoices (the batches overview and
    Home need no more)."""
    batch_id = find_batch(work, batch).id if batch else None
    if reserve is None:
        reserve = batch is None and not totals_only
    f = _figures(batch_id)
    sums = _batch_totals(work, f, batch_id)
    rows = {} if totals_only else _rows(work, f, batch_id)
    stmt = (select(Batch.id, Batch.label, Batch.reversed_at, Batch.invoice_count)
            .order_by(Batch.submitted_at, Batch.id))
    if batch_id is not None:
        stmt = stmt.where(Batch.id == batch_id)
    nothing = _BatchSums([0] * len(RECON_FIELDS), _NO_COUNTS)
    status = _Statuses()
    out = []
    for b_id, label, reversed_at, invoice_count in work.execute(stmt):
        got = sums.get(b_id, nothing)
        out.append(BatchReconciliation(label, status(reversed_at, invoice_count, got.counts),
                                       rows.get(b_id, []), got.cents))
    overall = [sum(column) for column in zip(*(b.cents for b in out), strict=True)] \
        if out else [0] * len(RECON_FIELDS)
    recon = Reconciliation(out, dict(zip(RECON_FIELDS, map(from_cents, overall),
                                         strict=True)))
    if reserve:
        recon.reserve, recon.reserve_totals = _reserve(work)
    return recon


class _BatchSums(NamedTuple):  # a tuple: 10,000 of them are made at once
    cents: list[int]  # by RECON_FIELDS
    counts: tuple[int, ...]  # its invoices that count, by _STATUSES


_STATUSES = tuple(s.value for s in BillingStatus)
_NO_COUNTS = (0,) * len(_STATUSES)  # a batch whose every invoice was recalled


def _one_process(work: Work) -> None:
    """PostgreSQL: no parallel workers for the rest of this read. Each worker builds the
    hashes of every payment and ledger entry again; on a busy machine they wait for a core
    and the statement waits for them (bench/bench_recon.py, 100,000 invoices, 2 cores
    shared: totals 0.38 -> 0.28 s, overview 0.26 -> 0.23 s)."""
    if work.get_bind().dialect.name == "postgresql":
        work.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def _batch_totals(work: Work, f: _Figures, batch_id: int | None,
                  fields: tuple[str, ...] = RECON_FIELDS) -> dict[int, _BatchSums]:
    """Each batch's ``fields`` (in cents, in that order) and the count of its invoices in
    each status (recalled ones apart), added up by the database in one GROUP BY."""
    if batch_id is None:
        _one_process(work)
    m = f.money
    columns = [f.columns[RECON_FIELDS.index(k)] for k in fields]
    stmt = (select(m.c.batch_id, *(cast(func.sum(c), BigInteger) for c in columns),
                   *(cast(func.sum(case((Load.status == s, 1), else_=0)), Integer)
                     for s in _STATUSES))
            .select_from(m)
            .join(Load, Load.id == m.c.load_id)
            .outerjoin(f.bought, f.bought.c.invoice_id == m.c.invoice_id)
            .group_by(m.c.batch_id))
    if batch_id is not None:
        stmt = stmt.where(m.c.batch_id == batch_id)
    width = len(fields) + 1
    return {row[0]: _BatchSums(list(row[1:width]), tuple(row[width:]))
            for row in work.execute(stmt)}


class _Statuses(dict[tuple[bool, int, tuple[int, ...]], BatchStatus]):
    """A batch's status from its invoices' counts (services.batches.status_of), worked out
    once per distinct set of counts (most batches of a busy year are alike)."""

    def __call__(self, reversed_at: dt.datetime | None, invoice_count: int,
                 counts: tuple[int, ...]) -> BatchStatus:
        key = (reversed_at is not None, invoice_count, counts)
        status = self.get(key)
        if status is None:
            by_status = {s: n for s, n in zip(_STATUSES, counts, strict=True) if n}
            recalled = invoice_count - sum(counts)  # a recalled invoice stays in its batch
            if recalled:
                by_status[RECALLED] = recalled
            status = self[key] = status_of(reversed_at, by_status)
        return status


@gc_paused()
def batches_money(work: Work) -> list[tuple[BatchSummary, dict[str, Decimal]]]:
    """Every batch as services.batches.list_batches lists it (newest first), with its
    purchased, paid and open balance as the reconciliation counts them: the Factoring
    Reports overview, in two statements whatever the number of batches."""
    sums = _batch_totals(work, _figures(), None, OVERVIEW_FIELDS)
    stmt = (select(Batch.id, Batch.label, Batch.number, Subsidiary.name,
                   FactoringCompany.name, Batch.submitted_at, Batch.submitted_by,
                   Batch.invoice_count, Batch.total_cents, Batch.reversed_at)
            .join(Subsidiary, Subsidiary.id == Batch.subsidiary_id)
            .join(FactoringCompany, FactoringCompany.id == Batch.factoring_company_id)
            .order_by(Batch.submitted_at.desc(), Batch.id.desc()))
    nothing = _BatchSums([0] * len(OVERVIEW_FIELDS), _NO_COUNTS)
    status = _Statuses()
    decimals = _Decimals()
    out = []
    for (b_id, label, number, sub, factor, at, by, invoices, total,
         reversed_at) in work.execute(stmt):
        got = sums.get(b_id, nothing)
        summary = BatchSummary(
            id=b_id, batch=label, number=number, subsidiary=sub, factoring_company=factor,
            submitted_at=at, submitted_by=by, invoices=invoices, total=decimals[total],
            status=status(reversed_at, invoices, got.counts))
        out.append((summary, dict(zip(OVERVIEW_FIELDS, map(decimals.__getitem__, got.cents),
                                      strict=True))))
    return out


def _rows(work: Work, f: _Figures, batch_id: int | None) -> dict[int, list[ReconRow]]:
    """The invoices of every batch (or of one), in their order on the schedule."""
    m = f.money
    stmt = (select(Invoice.batch_id, Invoice.id, Invoice.invoice_number, Load.load_number,
                   Load.status, Invoice.recalled_at.is_not(None), Invoice.recall_reason,
                   f.bought.c.invoice_id.is_not(None), *f.columns)
            .select_from(Invoice)
            .join(Batch, Batch.id == Invoice.batch_id)
            .join(Load, Load.id == Invoice.load_id)
            .outerjoin(m, m.c.invoice_id == Invoice.id)
            .outerjoin(f.bought, f.bought.c.invoice_id == m.c.invoice_id)
            .order_by(Batch.submitted_at, Batch.id, Invoice.position))
    flags_stmt = (select(PurchaseRecord.invoice_id, PurchaseRecord.status,
                         PurchaseRecord.reason)
                  .where(PurchaseRecord.status != PurchaseStatus.PURCHASED.value)
                  .order_by(PurchaseRecord.id))
    if batch_id is not None:
        stmt = stmt.where(Invoice.batch_id == batch_id)
        flags_stmt = flags_stmt.join(Invoice, Invoice.id == PurchaseRecord.invoice_id).where(
            Invoice.batch_id == batch_id)
    held = {inv_id: _flag(status, reason)
            for inv_id, status, reason in work.execute(flags_stmt)}  # the latest says
    decimals = _Decimals()
    zero = decimals[0]
    out: dict[int, list[ReconRow]] = defaultdict(list)
    for b_id, inv_id, inv_no, load_no, status, recalled, why, bought, *cents in (
            work.execute(stmt)):
        if recalled:  # shown, with the reason, counting in no money
            flag = f"Recalled: {why}" if why else RECALLED
            amounts = dict.fromkeys(RECON_FIELDS, zero)
            status = RECALLED
        else:
            flag = "" if bought else held.get(inv_id, "")
            amounts = dict(zip(RECON_FIELDS, map(decimals.__getitem__, cents), strict=True))
        out[b_id].append(ReconRow(inv_no, load_no, status, flag, amounts))
    return out


def _reserve(work: Work) -> tuple[list[FactorReserve], dict[str, Decimal]]:
    """The reserve with each factor and over every factor (services.ledger)."""
    def as_money(r: ReserveFigures) -> dict[str, Decimal]:
        return {k: from_cents(getattr(r, k)) for k in RESERVE_FIELDS}

    factors = work.execute(select(FactoringCompany.id, FactoringCompany.name)
                           .order_by(FactoringCompany.name)).all()
    each = [(name, reserve_figures(work, f_id)) for f_id, name in factors]
    # Every batch has a factor; a movement may have none. With one factor and no such
    # movement, the whole is that factor's (the common case: no second pass over it all).
    orphans = work.execute(select(LedgerEntry.id).where(
        LedgerEntry.factoring_company_id.is_(None),
        LedgerEntry.kind.in_([k.value for k in RESERVE_KINDS])).limit(1)).first()
    whole = each[0][1] if len(each) == 1 and orphans is None else reserve_figures(work)
    return [FactorReserve(name, as_money(r)) for name, r in each], as_money(whole)
