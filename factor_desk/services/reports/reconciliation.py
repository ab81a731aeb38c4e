"""What the factor's reports come to, read from the applied imports: the loads the factor
held or rejected, and the reconciliation of every batch (what was invoiced, purchased,
advanced, paid, short paid, and what is still open)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from factor_desk.db.models import Batch, Invoice, Load, Payment, PurchaseRecord, ReportImport
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ImportStatus, PurchaseStatus
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import from_cents
from factor_desk.services.batches import RECALLED, find_batch, status_of
from factor_desk.services.common import chunks


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


# purchased (our invoice amounts) + amount_difference = factor_amount (what the factor's
# report says it bought) = advance + fee + reserve + not_itemised (the part the report did
# not split, when it leaves advance or fee out).
RECON_FIELDS = ("invoiced", "purchased", "not_purchased", "factor_amount", "amount_difference",
                "advance", "fee", "reserve", "not_itemised", "paid", "short_pay", "overpay",
                "open_balance")


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
    totals: dict[str, Decimal]  # by RECON_FIELDS

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "status": self.status,
                "totals": {k: str(v) for k, v in self.totals.items()},
                "rows": [r.to_dict() for r in self.rows]}


@dataclass
class Reconciliation:
    batches: list[BatchReconciliation]
    totals: dict[str, Decimal]  # by RECON_FIELDS

    def to_dict(self) -> dict[str, Any]:
        return {"totals": {k: str(v) for k, v in self.totals.items()},
                "batches": [b.to_dict() for b in self.batches]}


class _Decimals(dict[int, Decimal]):
    """Figures in cents as Decimal, each distinct figure made once (a batch repeats its
    amounts, and most figures are zero): ``decimals[cents]``."""

    def __missing__(self, cents: int) -> Decimal:
        made = self[cents] = from_cents(cents)
        return made


def reconcile(work: Work, batch: str | None = None, *, totals_only: bool = False
              ) -> Reconciliation:
    """Per invoice, per batch and overall: invoiced, purchased (our amount of what the
    factor bought), not yet purchased, the factor's amount of what it bought and the
    difference, advances, fees, reserve, the part not itemised, paid, short pays, overpays
    and the open balance. invoiced = purchased + not purchased = paid + short pay -
    overpay + open balance; purchased + amount difference = factor's amount = advance +
    fee + reserve + not itemised; every total is the sum of its rows (added up in cents,
    so to the cent). ``totals_only``: the batches' and overall totals, without the rows of
    each invoice (the batches overview needs no more)."""
    stmt = (select(Batch.id, Batch.reversed_at, Batch.label, Invoice.id,
                   Invoice.invoice_number, Load.load_number, Load.status, Invoice.amount_cents,
                   Invoice.recall_reason, Invoice.recalled_at.is_not(None))
            .join(Invoice, Invoice.batch_id == Batch.id)
            .join(Load, Load.id == Invoice.load_id)
            .order_by(Batch.submitted_at, Batch.id, Invoice.position))
    if batch:
        stmt = stmt.where(Batch.id == find_batch(work, batch).id)
    rows = work.execute(stmt).all()
    invoice_ids = [r[3] for r in rows]
    reversed_of = {r[0]: r[1] for r in rows}
    bought: dict[int, tuple[int, int, int, int]] = {}
    held: dict[int, str] = {}
    paid: dict[int, int] = defaultdict(int)
    applied = ReportImport.status == ImportStatus.APPLIED
    for part in chunks(invoice_ids):
        for inv_id, status, reason, adv, fee, res, factor in work.execute(
            select(PurchaseRecord.invoice_id, PurchaseRecord.status, PurchaseRecord.reason,
                   PurchaseRecord.advance_cents, PurchaseRecord.fee_cents,
                   PurchaseRecord.reserve_cents, PurchaseRecord.invoice_amount_cents)
            .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
            .where(PurchaseRecord.invoice_id.in_(part), applied)
            .order_by(PurchaseRecord.id)
        ):
            if status == PurchaseStatus.PURCHASED:
                bought[inv_id] = (adv or 0, fee or 0, res or 0, factor)
            else:
                held[inv_id] = _flag(status, reason)
        for inv_id, amount in work.execute(
            select(Payment.invoice_id, func.sum(Payment.amount_cents))
            .join(ReportImport, ReportImport.id == Payment.import_id)
            .where(Payment.invoice_id.in_(part), applied)
            .group_by(Payment.invoice_id)
        ):
            paid[inv_id] = int(amount)
    # Added up in cents, each figure in the order of RECON_FIELDS; a Decimal at the end.
    per_batch: dict[int, BatchReconciliation] = {}
    batch_cents: dict[int, list[int]] = {}
    statuses: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    decimals = _Decimals()
    for batch_id, _reversed, label, inv_id, inv_no, load_no, status, amount, why, recalled in rows:
        if recalled:
            # recalled (or its batch reversed): shown, with the reason, counting in no money
            status, amount, flag = RECALLED, 0, f"Recalled: {why}" if why else RECALLED
            bought.pop(inv_id, None)
            paid.pop(inv_id, None)
        completed = status == BillingStatus.COMPLETED
        is_bought = inv_id in bought
        adv, fee, res, factor = bought.get(inv_id, (0, 0, 0, 0))
        p = paid.get(inv_id, 0)
        cents = (
            amount,  # invoiced
            amount if is_bought else 0,  # purchased
            0 if is_bought else amount,  # not_purchased
            factor,  # factor_amount
            factor - amount if is_bought else 0,  # amount_difference
            adv, fee, res,  # advance, fee, reserve
            factor - adv - fee - res,  # not_itemised
            p,  # paid
            max(0, amount - p) if completed else 0,  # short_pay
            max(0, p - amount) if completed else 0,  # overpay
            0 if completed else amount,  # open_balance
        )
        if not recalled:
            flag = held.get(inv_id, "") if not is_bought else ""
        rec = per_batch.get(batch_id)
        if rec is None:
            rec = per_batch[batch_id] = BatchReconciliation(label, "", [], {})
            batch_cents[batch_id] = [0] * len(RECON_FIELDS)
        if not totals_only:
            rec.rows.append(ReconRow(inv_no, load_no, status, flag,
                                     dict(zip(RECON_FIELDS, map(decimals.__getitem__, cents),
                                              strict=True))))
        totals = batch_cents[batch_id]
        for i, c in enumerate(cents):
            totals[i] += c
        statuses[batch_id][status] += 1
    overall = [0] * len(RECON_FIELDS)
    for batch_id, rec in per_batch.items():
        totals = batch_cents[batch_id]
        rec.totals = {k: from_cents(c) for k, c in zip(RECON_FIELDS, totals, strict=True)}
        rec.status = status_of(reversed_of[batch_id], statuses[batch_id])
        overall = [a + c for a, c in zip(overall, totals, strict=True)]
    return Reconciliation(batches=list(per_batch.values()),
                          totals={k: from_cents(c)
                                  for k, c in zip(RECON_FIELDS, overall, strict=True)})
