"""Submit Batch: the chosen Queued factoring loads become Invoiced, each with an invoice
that freezes its number, amounts, carrier, bill-to and the Notice of Assignment."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, case, func, select, update
from sqlalchemy.orm import Session, selectinload

from factor_desk.db.models import (
    Batch,
    Customer,
    FactoringCompany,
    Invoice,
    Load,
    Subsidiary,
    utcnow,
)
from factor_desk.db.work import Work
from factor_desk.domain.batches import BatchStatus, batch_status
from factor_desk.domain.errors import InputRefused, NotFound, Problem
from factor_desk.domain.lifecycle import BillingStatus, check_move
from factor_desk.domain.money import cents_str, from_cents
from factor_desk.domain.text import excerpt
from factor_desk.domain.trade import DocumentKind, InfoKind, InvoicingMethod, missing_documents
from factor_desk.services.common import chunks, current_user, find_subsidiary
from factor_desk.services.lifecycle import move_loads
from factor_desk.services.loads import effective_method


@dataclass
class BatchSummary:
    id: int
    batch: str  # its number as clerks and the factor see it, e.g. BRF-0003
    number: int
    subsidiary: str
    factoring_company: str
    submitted_at: dt.datetime  # UTC
    submitted_by: str
    invoices: int
    total: Decimal
    status: BatchStatus
    loads: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "batch": self.batch, "number": self.number,
            "subsidiary": self.subsidiary, "factoring_company": self.factoring_company,
            "submitted_at": self.submitted_at.isoformat(timespec="seconds"),
            "submitted_by": self.submitted_by,
            "invoices": self.invoices, "total": str(self.total), "status": self.status,
            "loads": list(self.loads),
        }


@dataclass
class InvoiceLine:
    invoice_number: str
    load_number: str
    invoice_date: dt.date
    due_date: dt.date
    debtor: str
    debtor_mc: str
    po_number: str
    amount: Decimal
    status: str  # the load's status, or "Recalled"
    recall_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["amount"] = str(self.amount)
        d["invoice_date"] = self.invoice_date.isoformat()
        d["due_date"] = self.due_date.isoformat()
        return d


@dataclass
class BatchDetail(BatchSummary):
    invoice_lines: list[InvoiceLine] = field(default_factory=list)
    reverse_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["invoice_lines"] = [i.to_dict() for i in self.invoice_lines]
        d["reverse_reason"] = self.reverse_reason
        return d


def submit_batch(
    work: Work,
    subsidiary: str,
    load_numbers: list[str] | None = None,
    *,
    all_eligible: bool = False,
    user: str | None = None,
    invoice_date: dt.date | None = None,
) -> BatchSummary:
    """Put the given loads (or every eligible one) in a new batch, all or nothing.

    Refused, with every reason, when the subsidiary has no Notice of Assignment or
    factoring company, a load is unknown, of another subsidiary, not Queued, not billed by
    factoring, or lacks a required document (``work``, a write, then changes nothing). Two
    clerks submitting the same loads at once: one batch gets them, the other submission is
    refused.
    """
    if not all_eligible and not load_numbers:
        raise InputRefused(["No loads were selected for the batch."])
    user = user or current_user(work)
    invoice_date = invoice_date or dt.date.today()
    sub = find_subsidiary(work, subsidiary)
    # Taking the next batch number locks the subsidiary row until commit: submissions
    # for one subsidiary run one at a time, on PostgreSQL as on SQLite. Past its highest
    # batch too: a counter set back by hand (psql) must not block every submit after it.
    highest = (select(func.coalesce(func.max(Batch.number), 0))
               .where(Batch.subsidiary_id == sub.id).scalar_subquery())
    number = work.execute(
        update(Subsidiary)
        .where(Subsidiary.id == sub.id)
        .values(last_batch_number=case(
            (highest > Subsidiary.last_batch_number, highest),
            else_=Subsidiary.last_batch_number) + 1)
        .returning(Subsidiary.last_batch_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    work.refresh(sub)
    noa = next((i.text for i in sub.important_info
                if i.kind == InfoKind.NOTICE_OF_ASSIGNMENT.value), None)
    problems: list[Problem] = []
    if not noa:
        problems.append(Problem(
            f"{sub.name} has no Notice of Assignment. Set it in Company profile → "
            "Document configuration → Manage Important Info before submitting a batch."))
    if sub.factoring_company is None:
        problems.append(Problem(
            f"{sub.name} has no factoring company. Choose one in Company profile."))
    loads = _selected_loads(work, sub, load_numbers, all_eligible, problems)
    if problems:
        raise InputRefused(problems, summary=_refusal_summary(problems))
    factor = sub.factoring_company
    assert factor is not None  # refused above when there is none
    batch = Batch(
        subsidiary_id=sub.id, factoring_company_id=factor.id, number=number,
        label=f"{sub.code}-{number:04d}", submitted_at=utcnow(), submitted_by=user,
        invoice_count=len(loads), total_cents=sum(ld.total_cents for ld in loads),
    )
    work.add(batch)
    work.flush()
    move_loads(
        work, [(ld.id, ld.load_number) for ld in loads],
        BillingStatus.QUEUED, BillingStatus.INVOICED,
        by=user, reason=f"Submitted in batch {batch.label}", batch_id=batch.id,
    )
    carrier = _carrier_of(sub)
    for position, ld in enumerate(loads, start=1):
        terms = ld.customer.terms_days
        dated = ld.invoice_date or invoice_date  # the date Create invoice gave it, if any
        work.add(Invoice(
            batch_id=batch.id, load_id=ld.id, position=position,
            invoice_number=ld.invoice_number, invoice_date=dated,
            terms_days=terms, due_date=dated + dt.timedelta(days=terms),
            amount_cents=ld.total_cents, noa_text=noa, remit_to=factor.remit_to,
            snapshot=_snapshot(ld, carrier, factor.name, factor.remit_to),
        ))
    work.flush()
    return BatchSummary(
        id=batch.id, batch=batch.label, number=number, subsidiary=sub.name,
        factoring_company=factor.name,
        submitted_at=batch.submitted_at, submitted_by=user,
        invoices=len(loads), total=from_cents(batch.total_cents), status=BatchStatus.SUBMITTED,
        loads=[ld.load_number for ld in loads],
    )


def _refusal_summary(problems: list[Problem]) -> str:
    if len(problems) == 1:
        return problems[0].message
    return f"The batch was not submitted ({len(problems)} problems); nothing was changed."


def _selected_loads(session: Session, sub: Subsidiary, load_numbers: list[str] | None,
                    all_eligible: bool, problems: list[Problem]) -> list[Load]:
    base = (
        select(Load, effective_method())
        .join(Customer, Customer.id == Load.customer_id)
        .join(Subsidiary, Subsidiary.id == Load.subsidiary_id)
        .options(selectinload(Load.customer), selectinload(Load.charges),
                 selectinload(Load.documents))
        # The loads locked until commit: a document removed or a status changed by another
        # clerk at this moment is either done before they are read here (their documents
        # are read after the lock) or waits for this batch (and is then refused).
        .with_for_update(of=Load)
    )
    found: Sequence[tuple[Load, str] | Row[Load, str]]
    if all_eligible:
        found = session.execute(
            base.where(Load.subsidiary_id == sub.id,
                       Load.status == BillingStatus.QUEUED.value,
                       effective_method() == InvoicingMethod.FACTORING.value)
            .order_by(Load.id)
        ).all()
        if not found:
            problems.append(Problem(f"{sub.name} has no Queued loads billed by factoring."))
    else:
        wanted = list(dict.fromkeys(n.strip() for n in load_numbers or () if n.strip()))
        found = []
        for part in chunks(wanted):
            found.extend(session.execute(base.where(Load.load_number.in_(part))).all())
        by_number = {ld.load_number: (ld, m) for ld, m in found}
        found = [by_number[n] for n in wanted if n in by_number]
        for n in wanted:
            if n not in by_number:
                problems.append(Problem(f"Load {n} is not in Factor Desk."))
    required = [DocumentKind(k) for k in (sub.required_documents or [])]
    loads = []
    for ld, method in found:
        if ld.subsidiary_id != sub.id:
            problems.append(Problem(
                f"Load {ld.load_number} belongs to another subsidiary, not {sub.name}."))
            continue
        try:
            check_move(ld.load_number, BillingStatus(ld.status), BillingStatus.INVOICED)
        except InputRefused as exc:
            problems.extend(exc.problems)
            continue
        if method != InvoicingMethod.FACTORING.value:
            problems.append(Problem(
                f"Load {ld.load_number} is billed {method}, not by factoring; change its "
                "invoicing method to Factoring to batch it."))
            continue
        missing = missing_documents(required, {d.kind for d in ld.documents})
        if missing:
            names = " and ".join(k.label.lower() for k in missing)
            problems.append(Problem(
                f"Load {ld.load_number} has no {names}; attach it before factoring."))
            continue
        loads.append(ld)
    return loads


def _carrier_of(sub: Subsidiary) -> dict[str, str]:
    return {
        "name": sub.name, "legal_name": sub.legal_name or sub.name, "mc_number": sub.mc_number,
        "dot_number": sub.dot_number, "address": sub.address, "city": sub.city,
        "state": sub.state, "zip_code": sub.zip_code, "phone": sub.phone, "email": sub.email,
    }


def _snapshot(ld: Load, carrier: dict[str, str], factor_name: str, remit_to: str
              ) -> dict[str, Any]:
    """Everything the invoice page and the packet need, frozen at submission."""
    c = ld.customer
    lines = [{"description": "Linehaul", "amount": cents_str(ld.linehaul_cents)}]
    itemised = sum(ch.amount_cents for ch in ld.charges)
    lines += [{"description": ch.description, "amount": cents_str(ch.amount_cents)}
              for ch in ld.charges]
    if ld.accessorials_cents != itemised:  # pragma: no cover - guarded at import
        lines.append({"description": "Accessorials",
                      "amount": cents_str(ld.accessorials_cents - itemised)})
    docs = sorted(ld.documents, key=lambda d: (DocumentKind.packet_position(d.kind), d.id))
    return {
        "carrier": carrier,
        "bill_to": {"name": c.name, "mc_number": c.mc_number, "address": c.address,
                    "city": c.city, "state": c.state, "zip_code": c.zip_code},
        "load_number": ld.load_number,
        "po_number": ld.po_number,
        "pickup": {"date": ld.pickup_date.isoformat() if ld.pickup_date else None,
                   "location": ld.pickup_location},
        "delivery": {"date": ld.delivery_date.isoformat() if ld.delivery_date else None,
                     "location": ld.delivery_location},
        "lines": lines,
        "total": cents_str(ld.total_cents),
        "factor": {"name": factor_name, "remit_to": remit_to},
        "documents": [{"id": d.id, "kind": d.kind, "file_name": d.file_name,
                       "content_type": d.content_type, "sha256": d.sha256} for d in docs],
    }


# ------------------------------------------------------------------ reading batches


def _status_counts(session: Session, batch_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for part in chunks(batch_ids):
        for batch_id, status, n in session.execute(
            select(Invoice.batch_id, Load.status, func.count())
            .join(Load, Load.id == Invoice.load_id)
            .where(Invoice.batch_id.in_(part), Invoice.recalled_at.is_(None))
            .group_by(Invoice.batch_id, Load.status)
        ):
            counts[batch_id][status] = counts[batch_id].get(status, 0) + n
        # recalled invoices, counted apart: they no longer count in the batch's status
        for batch_id, n in session.execute(
            select(Invoice.batch_id, func.count())
            .where(Invoice.batch_id.in_(part), Invoice.recalled_at.is_not(None))
            .group_by(Invoice.batch_id)
        ):
            counts[batch_id][RECALLED] = n
    return counts


RECALLED = "Recalled"  # an invoice recalled from its batch, as batch show and reports say


def status_of(reversed_at: dt.datetime | None, counts: dict[str, int]) -> BatchStatus:
    """A batch's status from the count of each status of its invoices (RECALLED apart)."""
    open_counts = {k: v for k, v in counts.items() if k != RECALLED}
    return batch_status(open_counts, reversed_=reversed_at is not None,
                        recalled=counts.get(RECALLED, 0))


def _summary(b: Batch, sub_name: str, factor_name: str, counts: dict[str, int]
             ) -> dict[str, Any]:
    return dict(
        id=b.id, batch=b.label, number=b.number, subsidiary=sub_name,
        factoring_company=factor_name,
        submitted_at=b.submitted_at, submitted_by=b.submitted_by,
        invoices=b.invoice_count, total=from_cents(b.total_cents),
        status=status_of(b.reversed_at, counts),
    )


def list_batches(work: Work, *, subsidiary: str | None = None) -> list[BatchSummary]:
    """Every batch, newest first."""
    stmt = (
        select(Batch, Subsidiary.name, FactoringCompany.name)
        .join(Subsidiary, Subsidiary.id == Batch.subsidiary_id)
        .join(FactoringCompany, FactoringCompany.id == Batch.factoring_company_id)
        .order_by(Batch.submitted_at.desc(), Batch.id.desc())
    )
    if subsidiary:
        stmt = stmt.where(Batch.subsidiary_id == find_subsidiary(work, subsidiary).id)
    rows = work.execute(stmt).all()
    counts = _status_counts(work, [b.id for b, _, _ in rows])
    return [BatchSummary(**_summary(b, s, f, counts.get(b.id, {}))) for b, s, f in rows]


def find_batch(work: Work, batch: str) -> Batch:
    """A batch by its number as shown (``BRF-0003``), or by the bare number when only one
    subsidiary has a batch with that number."""
    key = batch.strip()
    found = work.execute(
        select(Batch).where(func.upper(Batch.label) == key.upper())
    ).scalar_one_or_none()
    if found is None and key.isdigit():
        matches = work.execute(select(Batch).where(Batch.number == int(key))).scalars().all()
        if len(matches) == 1:
            found = matches[0]
        elif len(matches) > 1:
            labels = ", ".join(m.label for m in matches)
            raise NotFound(f"Batch {key} is ambiguous: {labels}. Give the full batch number.")
    if found is None:
        raise NotFound(f"No batch {excerpt(batch)}.")
    return found


def show_batch(work: Work, batch: str) -> BatchDetail:
    b = find_batch(work, batch)
    rows = work.execute(
        select(Invoice, Load.load_number, Load.status)
        .join(Load, Load.id == Invoice.load_id)
        .where(Invoice.batch_id == b.id)
        .order_by(Invoice.position)
    ).all()
    counts: dict[str, int] = defaultdict(int)
    for inv, _number, status in rows:
        counts[RECALLED if inv.recalled_at is not None else status] += 1
    lines = [
        InvoiceLine(
            invoice_number=inv.invoice_number, load_number=number,
            invoice_date=inv.invoice_date, due_date=inv.due_date,
            debtor=inv.snapshot["bill_to"]["name"], debtor_mc=inv.snapshot["bill_to"]["mc_number"],
            po_number=inv.snapshot["po_number"], amount=from_cents(inv.amount_cents),
            status=RECALLED if inv.recalled_at is not None else status,
            recall_reason=inv.recall_reason or "",
        )
        for inv, number, status in rows
    ]
    return BatchDetail(
        **_summary(b, b.subsidiary.name, b.factoring_company.name, counts),
        loads=[line.load_number for line in lines], invoice_lines=lines,
        reverse_reason=b.reverse_reason or "",
    )
