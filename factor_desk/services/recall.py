"""Recall and reverse (issue #12): invoices the factor has not bought go back to Queued.

``recall_invoices``: some invoices of a batch (held, rejected, or pulled by the clerk) leave
its open set; ``reverse_batch``: every invoice of a batch that nothing was purchased from.
The batch keeps the record: its invoices stay as they were sent (marked recalled, with the
reason), so its download does not change; the loads can be batched again, in a new batch,
with the same invoice numbers. Each is one write transaction: every load moves with a
history row (lifecycle.move_loads), or none does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from factor_desk.db.models import Batch, Invoice, Load, ReportImport, utcnow
from factor_desk.db.work import Work
from factor_desk.domain.batches import BatchStatus
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import ImportStatus, ReportKind
from factor_desk.domain.lifecycle import BillingStatus, HistoryAction, check_exception
from factor_desk.services.batches import find_batch, show_batch
from factor_desk.services.common import chunks, current_user
from factor_desk.services.lifecycle import move_loads


@dataclass
class MovedLoad:
    load_number: str
    invoice_number: str
    status: BillingStatus  # its new status

    def to_dict(self) -> dict[str, Any]:
        return {"load_number": self.load_number, "invoice_number": self.invoice_number,
                "status": self.status.value}


@dataclass
class RecallResult:
    """What a recall or a reverse did: the loads moved, and the batch's status after it."""

    batch: str
    reason: str
    batch_status: BatchStatus
    loads: list[MovedLoad] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "reason": self.reason,
                "batch_status": self.batch_status.value,
                "loads": [m.to_dict() for m in self.loads]}


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InputRefused(["Give a reason: the batch keeps it with the invoices."])
    return text


def _locked_batch(work: Work, batch: str) -> Batch:
    """The batch, its row locked until commit: two clerks recalling from one batch, or
    recalling while another reverses it, take turns."""
    found = find_batch(work, batch)
    work.execute(select(Batch.id).where(Batch.id == found.id).with_for_update())
    work.refresh(found)
    if found.reversed_at is not None:
        raise InputRefused([f"Batch {found.label} was reversed; nothing in it can be "
                            "recalled or reversed again."])
    return found


def _open_invoices(work: Work, b: Batch) -> list[tuple[Invoice, Load]]:
    rows = work.execute(
        select(Invoice, Load).join(Load, Load.id == Invoice.load_id)
        .where(Invoice.batch_id == b.id, Invoice.recalled_at.is_(None))
        .order_by(Invoice.position).with_for_update(of=Load)
    ).all()
    return [(inv, ld) for inv, ld in rows]


def _move_back(work: Work, b: Batch, chosen: list[tuple[Invoice, Load]], *, user: str,
               history_reason: str, recall_reason: str, action: HistoryAction
               ) -> list[MovedLoad]:
    move_loads(work, [(ld.id, ld.load_number) for _, ld in chosen],
               BillingStatus.INVOICED, BillingStatus.QUEUED, by=user, reason=history_reason,
               batch_id=b.id, exception=True, action=action)
    now = utcnow()
    ids = [inv.id for inv, _ in chosen]
    for part in chunks(ids):
        work.execute(update(Invoice).where(Invoice.id.in_(part), Invoice.recalled_at.is_(None))
                     .values(recalled_at=now, recalled_by=user, recall_reason=recall_reason)
                     .execution_options(synchronize_session=False))
    return [MovedLoad(ld.load_number, inv.invoice_number, BillingStatus.QUEUED)
            for inv, ld in chosen]


def recall_invoices(work: Work, batch: str, load_numbers: list[str], *, reason: str,
                    user: str | None = None) -> RecallResult:
    """Recall the invoices of ``load_numbers`` (load or invoice numbers) from ``batch``: each
    must be in it, not recalled already, and Invoiced (the factor has not bought it). All
    or nothing; refused with every reason found."""
    why = _reason(reason)
    user = user or current_user(work)
    wanted = list(dict.fromkeys(n.strip() for n in load_numbers if n.strip()))
    if not wanted:
        raise InputRefused(["No loads were chosen to recall."])
    b = _locked_batch(work, batch)
    open_rows = _open_invoices(work, b)
    by_number: dict[str, tuple[Invoice, Load]] = {}
    for inv, ld in open_rows:
        by_number.setdefault(inv.invoice_number, (inv, ld))
        by_number[ld.load_number] = (inv, ld)
    recalled = set(work.execute(
        select(Load.load_number).join(Invoice, Invoice.load_id == Load.id)
        .where(Invoice.batch_id == b.id, Invoice.recalled_at.is_not(None))).scalars())
    problems: list[Problem] = []
    chosen: list[tuple[Invoice, Load]] = []
    for n in wanted:
        row = by_number.get(n)
        if row is None:
            problems.append(Problem(
                f"Load {n} was already recalled from batch {b.label}." if n in recalled
                else f"Load {n} is not in batch {b.label}."))
            continue
        inv, ld = row
        try:
            check_exception(ld.load_number, BillingStatus(ld.status), BillingStatus.QUEUED)
        except InputRefused as exc:
            problems.extend(exc.problems)
            continue
        if row not in chosen:
            chosen.append(row)
    if problems:
        raise InputRefused(problems, summary=problems[0].message if len(problems) == 1 else
                           f"Nothing was recalled ({len(problems)} problems).")
    moved = _move_back(work, b, chosen, user=user,
                       history_reason=f"Recalled from batch {b.label}: {why}",
                       recall_reason=why, action=HistoryAction.RECALLED)
    work.flush()
    return RecallResult(b.label, why, show_batch(work, b.label).status, moved)


def purchases_of(work: Work, b: Batch) -> list[int]:
    """The applied purchase imports that name batch ``b``."""
    return list(work.execute(
        select(ReportImport.id).where(ReportImport.batch_id == b.id,
                                      ReportImport.kind == ReportKind.PURCHASE,
                                      ReportImport.status == ImportStatus.APPLIED)
        .order_by(ReportImport.id)).scalars())


def reverse_batch(work: Work, batch: str, *, reason: str, user: str | None = None
                  ) -> RecallResult:
    """Reverse ``batch``: every invoice still in it is recalled, its loads go back to
    Queued, and the batch becomes Reversed. Refused once a purchase report was applied to
    it (undo that first, or recall the unbought invoices instead)."""
    why = _reason(reason)
    user = user or current_user(work)
    b = _locked_batch(work, batch)
    imports = purchases_of(work, b)
    if imports:
        numbers = ", ".join(f"#{i}" for i in imports)
        raise InputRefused([
            f"Batch {b.label} cannot be reversed: a purchase report was applied to it "
            f"(import {numbers}). Undo it first, or recall the invoices the factor did not "
            "buy."])
    chosen = _open_invoices(work, b)
    problems: list[Problem] = []
    for _inv, ld in chosen:
        try:
            check_exception(ld.load_number, BillingStatus(ld.status), BillingStatus.QUEUED)
        except InputRefused as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputRefused(problems, summary=f"Batch {b.label} was not reversed.")
    moved = _move_back(work, b, chosen, user=user,
                       history_reason=f"Batch {b.label} reversed: {why}",
                       recall_reason=f"Batch reversed: {why}", action=HistoryAction.REVERSED)
    work.execute(update(Batch).where(Batch.id == b.id)
                 .values(reversed_at=utcnow(), reversed_by=user, reverse_reason=why)
                 .execution_options(synchronize_session=False))
    work.flush()
    return RecallResult(b.label, why, BatchStatus.REVERSED, moved)
