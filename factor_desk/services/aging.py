"""Aging: what the debtors still owe on open invoices, by how long past due, and the money
of the last months (invoiced, purchased, paid). Both are SQL aggregates: aging reads each
invoice's balance from services/ledger.py ``invoice_money()`` (the one definition of a
balance) and sums it into five buckets in one statement.

Buckets compare ``Invoice.due_date`` with dates computed here (as of - 30 days, ...), not
with date arithmetic in SQL, which SQLite and PostgreSQL spell differently."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, select

from factor_desk.db.models import (
    Batch,
    Customer,
    Invoice,
    LedgerEntry,
    Load,
    Payment,
    PurchaseRecord,
    ReportImport,
    Subsidiary,
)
from factor_desk.db.work import Work
from factor_desk.documents.aging_files import AgingTable
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import ImportStatus, PurchaseStatus
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.lifecycle import OPEN_STATUSES
from factor_desk.domain.money import from_cents
from factor_desk.services.ledger import invoice_money

# The buckets, in order: their keys (JSON, columns) and their titles (tables, charts).
BUCKETS: tuple[str, ...] = ("current", "days_1_30", "days_31_60", "days_61_90",
                            "days_over_90")
BUCKET_TITLES: tuple[str, ...] = ("Current", "1-30 days", "31-60 days", "61-90 days",
                                  "Over 90 days")
# The last day past due of the first four buckets (days past due = as of - due date);
# the fifth is every day after.
_BUCKET_EDGES = (0, 30, 60, 90)
GROUPINGS: dict[str, str] = {"debtor": "Debtor", "subsidiary": "Subsidiary",
                             "batch": "Batch"}


@dataclass(frozen=True)
class AgingRow:
    """One debtor's (subsidiary's, batch's) open balance in the buckets, in cents."""

    name: str
    cents: tuple[int, int, int, int, int]  # by BUCKETS

    @property
    def total_cents(self) -> int:
        return sum(self.cents)

    @property
    def amounts(self) -> dict[str, Decimal]:
        """The buckets and ``total`` as Decimal, by key."""
        out = {key: from_cents(c) for key, c in zip(BUCKETS, self.cents, strict=True)}
        out["total"] = from_cents(self.total_cents)
        return out

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, **{k: str(v) for k, v in self.amounts.items()}}


@dataclass(frozen=True)
class Aging:
    """The aging as of a day, grouped ``by`` debtor, subsidiary or batch: the rows (by
    name) and their totals (the row named "Total"). The grand total equals the open
    balance of every open invoice (Invoiced, Financed, Charged back) owed something."""

    as_of: dt.date
    by: str
    rows: list[AgingRow]
    totals: AgingRow

    @property
    def total(self) -> Decimal:
        return from_cents(self.totals.total_cents)

    def to_dict(self) -> dict[str, Any]:
        """``{"as_of", "rows": [{"name", "current", ..., "total"}], "total"}``: money as
        text ("1234.50"); ``total`` is the grand total (the buckets' totals are the sums of
        the rows, and ``totals``)."""
        return {"as_of": self.as_of.isoformat(), "rows": [r.to_dict() for r in self.rows],
                "total": str(self.total)}


def aging_statement(as_of: dt.date, by: str = "debtor") -> Select[Any]:
    """The one statement: per name, the sum of the positive balances of open invoices in
    each bucket. Exposed for the bench (which times it against a bare SUM ... GROUP BY)."""
    if by not in GROUPINGS:
        raise InputRefused([Problem(
            f"Aging can be grouped by {', '.join(GROUPINGS)}; not by {by!r}.")])
    m = invoice_money()
    due = Invoice.due_date
    # due >= as_of: current; due >= as_of - 30: 1-30 days past due; ...
    edges = [as_of - dt.timedelta(days=days) for days in _BUCKET_EDGES]
    ranges = [due >= edges[0],
              *(and_(due < newer, due >= older) for newer, older in itertools.pairwise(edges)),
              due < edges[-1]]
    sums = [func.sum(case((in_bucket, m.c.balance), else_=0)).label(key)
            for in_bucket, key in zip(ranges, BUCKETS, strict=True)]
    # Summed per id (the loads' own column, or the invoice's batch), named after: the
    # planner then reads the invoices in their order and looks each load up by its key,
    # rather than walking the loads of each debtor through an index (measured 3x slower
    # on SQLite, 100,000 invoices). Names are unique, so the rows are the same.
    # "+ 0": a key SQLite cannot take from an index (it would walk the loads in that
    # index's order to save a sort, then find each load's invoice: 3x slower).
    key, named, name = {
        "debtor": (Load.customer_id + 0, Customer.id, Customer.name),
        "subsidiary": (Load.subsidiary_id + 0, Subsidiary.id, Subsidiary.name),
        "batch": (m.c.batch_id, Batch.id, Batch.label),
    }[by]
    per_key = (select(key.label("key"), *sums)
               .select_from(m)
               .join(Invoice, Invoice.id == m.c.invoice_id)
               .join(Load, Load.id == m.c.load_id)
               .where(Load.status.in_([s.value for s in OPEN_STATUSES]), m.c.balance > 0)
               .group_by(key)
               .subquery("per_key"))
    return (select(name.label("name"), *(per_key.c[k] for k in BUCKETS))
            .join(per_key, per_key.c.key == named))


def aging(work: Work, as_of: dt.date, by: str = "debtor") -> Aging:
    """Every open invoice (its load Invoiced, Financed or Charged back; not recalled) that
    is owed something, its balance in a bucket by days past due on ``as_of`` (as of - due
    date: 0 or less is current, then 1-30, 31-60, 61-90, over 90), summed per debtor (the
    load's customer), subsidiary or batch. One SQL aggregate."""
    rows = [AgingRow(str(r[0]), (int(r[1] or 0), int(r[2] or 0), int(r[3] or 0),
                                 int(r[4] or 0), int(r[5] or 0)))
            for r in work.execute(aging_statement(as_of, by))]
    rows.sort(key=lambda r: (r.name.casefold(), r.name))
    totals = tuple(sum(r.cents[i] for r in rows) for i in range(len(BUCKETS)))
    return Aging(as_of=as_of, by=by, rows=rows,
                 totals=AgingRow("Total", totals))  # type: ignore[arg-type]


def aging_table(report: Aging, company: str = "") -> AgingTable:
    """The aging as the files show it (documents/aging_files.py)."""
    return AgingTable(
        title=f"Aging by {report.by}", as_of=report.as_of, name_title=GROUPINGS[report.by],
        bucket_titles=BUCKET_TITLES,
        rows=[(r.name, tuple(from_cents(c) for c in r.cents)) for r in report.rows],
        totals=tuple(from_cents(c) for c in report.totals.cents), company=company)


# ------------------------------------------------------------------ money by month


@dataclass(frozen=True)
class MonthFigures:
    start: dt.date  # the first day of the month
    invoiced: Decimal
    purchased: Decimal
    paid: Decimal  # the factor's payment reports and the debtors' direct payments


MONTH_SERIES: tuple[str, ...] = ("invoiced", "purchased", "paid")


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of ``day``'s month, ``back`` months earlier."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def money_by_month(work: Work, months: int, today: dt.date) -> list[MonthFigures]:
    """Invoiced (by invoice date; recalled invoices left out: they are invoiced again),
    purchased (our amount of each invoice the factor bought, by purchase date, as the
    reconciliation's "purchased") and paid (payment reports and direct payments, by
    payment date), per month for the ``months`` months up to ``today``'s, oldest first.
    SQL sums per day, put into months here (the same on SQLite and PostgreSQL)."""
    months = max(1, months)
    first = month_start(today, months - 1)
    end = month_start(today, -1)
    applied = ReportImport.status == ImportStatus.APPLIED.value
    queries: dict[str, list[Any]] = {
        "invoiced": [
            select(Invoice.invoice_date, func.sum(Invoice.amount_cents))
            .where(Invoice.recalled_at.is_(None), Invoice.invoice_date >= first,
                   Invoice.invoice_date < end)
            .group_by(Invoice.invoice_date)],
        "purchased": [
            select(PurchaseRecord.purchase_date, func.sum(Invoice.amount_cents))
            .join(Invoice, Invoice.id == PurchaseRecord.invoice_id)
            .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
            .where(applied, PurchaseRecord.status == PurchaseStatus.PURCHASED.value,
                   PurchaseRecord.purchase_date >= first, PurchaseRecord.purchase_date < end)
            .group_by(PurchaseRecord.purchase_date)],
        "paid": [
            select(Payment.payment_date, func.sum(Payment.amount_cents))
            .join(ReportImport, ReportImport.id == Payment.import_id)
            .where(applied, Payment.payment_date >= first, Payment.payment_date < end)
            .group_by(Payment.payment_date),
            select(LedgerEntry.entry_date, func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.kind == EntryKind.DIRECT_PAYMENT.value,
                   LedgerEntry.entry_date >= first, LedgerEntry.entry_date < end)
            .group_by(LedgerEntry.entry_date)],
    }
    starts = [month_start(today, months - 1 - i) for i in range(months)]
    index = {(s.year, s.month): i for i, s in enumerate(starts)}
    cents = {name: [0] * months for name in queries}
    for name, statements in queries.items():
        for stmt in statements:
            for day, amount in work.execute(stmt):
                cents[name][index[(day.year, day.month)]] += int(amount or 0)
    return [MonthFigures(start=s, invoiced=from_cents(cents["invoiced"][i]),
                         purchased=from_cents(cents["purchased"][i]),
                         paid=from_cents(cents["paid"][i]))
            for i, s in enumerate(starts)]
