"""Loads as the clerk looks them up: the listing (tuned for 100,000 loads), the loads a
batch can take, one load by its number, and its status history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from factor_desk.db.models import (
    Batch,
    Customer,
    Invoice,
    Load,
    PurchaseRecord,
    ReportImport,
    StatusHistory,
    Subsidiary,
    SupportingDocument,
)
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.domain.factor_reports import ImportStatus, PurchaseStatus
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import from_cents
from factor_desk.domain.text import excerpt
from factor_desk.domain.trade import DocumentKind, InvoicingMethod, missing_documents
from factor_desk.services.common import chunks, find_subsidiary, gc_paused


@dataclass(slots=True)
class LoadSummary:
    id: int
    load_number: str
    invoice_number: str
    subsidiary: str
    customer: str
    customer_mc: str
    po_number: str
    pickup_date: dt.date | None
    pickup_location: str
    delivery_date: dt.date | None
    delivery_location: str
    amount: Decimal
    status: str
    invoicing_method: str
    documents: tuple[str, ...] = ()
    missing_documents: tuple[str, ...] = ()
    # what the factor said of an Invoiced load it held or rejected ("held", "rejected") and
    # why; None when it did not
    factor_flag: str | None = None
    factor_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "load_number": self.load_number,
            "invoice_number": self.invoice_number,
            "subsidiary": self.subsidiary,
            "customer": self.customer,
            "customer_mc": self.customer_mc,
            "po_number": self.po_number,
            "pickup_date": self.pickup_date.isoformat() if self.pickup_date else None,
            "pickup_location": self.pickup_location,
            "delivery_date": self.delivery_date.isoformat() if self.delivery_date else None,
            "delivery_location": self.delivery_location,
            "amount": str(self.amount),
            "status": self.status,
            "invoicing_method": self.invoicing_method,
            "documents": list(self.documents),
            "missing_documents": list(self.missing_documents),
            "factor_flag": self.factor_flag,
            "factor_reason": self.factor_reason,
        }


def effective_method() -> ColumnElement[str]:
    """The invoicing method that applies to a load, as an SQL expression: the load's own,
    else its customer's override, else its subsidiary's default."""
    return func.coalesce(
        Load.invoicing_method, Customer.invoicing_method, Subsidiary.default_invoicing_method
    )


def _summaries(
    session: Session, conditions: list[ColumnElement[bool]], *, join_customer: bool = False,
    factoring_only: bool = False,
) -> list[LoadSummary]:
    """Loads matching ``conditions`` as summaries, in load order.

    Customers and subsidiaries are few: they are read once into dicts and joined here,
    which keeps the big query on the loads table alone (100,000 rows in a few tenths of a
    second on SQLite, half of what the same query with two joins takes)."""
    customers = {
        cid: (name, mc, method)
        for cid, name, mc, method in session.execute(select(
            Customer.id, Customer.name, Customer.mc_number, Customer.invoicing_method))
    }
    subsidiaries = {
        sid: (name, default, list(required or []))
        for sid, name, default, required in session.execute(select(
            Subsidiary.id, Subsidiary.name, Subsidiary.default_invoicing_method,
            Subsidiary.required_documents))
    }
    stmt = select(
        Load.id, Load.load_number, Load.invoice_number, Load.subsidiary_id, Load.customer_id,
        Load.po_number, Load.pickup_date, Load.pickup_location, Load.delivery_date,
        Load.delivery_location, Load.total_cents, Load.status, Load.invoicing_method,
    ).where(*conditions)
    if join_customer:
        stmt = stmt.join(Customer, Customer.id == Load.customer_id)
    with gc_paused():
        return _build_summaries(session, stmt, customers, subsidiaries, factoring_only)


def _build_summaries(session: Session, stmt: Select[*tuple[Any, ...]],
                     customers: dict[int, tuple[str, str, str | None]],
                     subsidiaries: dict[int, tuple[str, str, list[str]]],
                     factoring_only: bool) -> list[LoadSummary]:
    # Plain rows through the connection: ORM row processing doubles the cost at 100k rows.
    rows = session.connection().execute(stmt.order_by(Load.id)).all()
    docs: dict[int, set[str]] = defaultdict(set)
    if rows:
        doc_stmt = select(SupportingDocument.load_id, SupportingDocument.kind).distinct()
        if len(rows) > 2000:
            # Cheaper to read the documents of the same filter than to bind 100k ids.
            doc_stmt = doc_stmt.where(
                SupportingDocument.load_id.in_(stmt.with_only_columns(Load.id)))
            for load_id, kind in session.connection().execute(doc_stmt):
                docs[load_id].add(kind)
        else:
            for part in chunks([r[0] for r in rows]):
                for load_id, kind in session.execute(
                    doc_stmt.where(SupportingDocument.load_id.in_(part))
                ):
                    docs[load_id].add(kind)
    out: list[LoadSummary] = []
    # Few distinct (required, present) pairs occur: work each out once.
    answers: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
    factoring = InvoicingMethod.FACTORING.value
    no_docs: frozenset[str] = frozenset()
    # Few distinct (customer, subsidiary, own method) triples occur too: the names, the
    # method and the answer without documents of each are worked out once (per row, they
    # were a third of the time of a 100,000-load listing; profiled).
    triples: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    append = out.append
    for (lid, number, invoice, sub_id, cust_id, po, pu_date, pu_loc, del_date, del_loc, cents,
         status, own_method) in rows:
        triple = triples.get((cust_id, sub_id, own_method))
        if triple is None:
            cust, mc, cust_method = customers[cust_id]
            sub, default_method, required = subsidiaries[sub_id]
            method = own_method or cust_method or default_method
            # Documents are required before factoring; a directly billed load needs none.
            need = required if method == factoring else None
            triple = triples[(cust_id, sub_id, own_method)] = (
                cust, mc, sub, method, sub_id if need else None, need, None)
        cust, mc, sub, method, need_key, need, plain = triple
        if factoring_only and method != factoring:
            continue
        found = docs.get(lid)
        if found is None and plain is not None:
            answer = plain
        else:
            present: set[str] | frozenset[str] = found or no_docs
            key = (need_key, frozenset(present))
            answer = answers.get(key)
            if answer is None:
                missing = tuple(k.value for k in missing_documents(
                    [DocumentKind(k) for k in need], present)) if need else ()
                answer = answers[key] = (tuple(sorted(present, key=DocumentKind.packet_position)),
                                         missing)
            if not present:
                triples[(cust_id, sub_id, own_method)] = (*triple[:6], answer)
        append(LoadSummary(
            lid, number, invoice, sub, cust, mc, po, pu_date, pu_loc, del_date, del_loc,
            from_cents(cents), status, method, answer[0], answer[1],
        ))
    return out


def list_loads(
    work: Work,
    *,
    subsidiary: str | None = None,
    status: str | None = None,
    search: str | None = None,
) -> list[LoadSummary]:
    """Loads in the order they came in, optionally of one subsidiary and status, or
    matching ``search`` in the load, invoice or PO number or the customer's name. Void
    loads are left out unless ``status`` asks for them."""
    conditions = []
    if not status:
        conditions.append(Load.status != BillingStatus.VOID.value)
    if subsidiary:
        conditions.append(Load.subsidiary_id == find_subsidiary(work, subsidiary).id)
    if status:
        try:
            conditions.append(Load.status == BillingStatus.parse(status).value)
        except ValueError as exc:
            raise InputRefused([str(exc)]) from None
    if search:
        # Literal text: a clerk's "50%" or "A_B" is not a pattern (LIKE ... ESCAPE).
        text = search.strip().lower()
        conditions.append(or_(*(
            func.lower(column).contains(text, autoescape=True)
            for column in (Load.load_number, Load.invoice_number, Load.po_number,
                           Customer.name))))
    loads = _summaries(work, conditions, join_customer=bool(search))
    _add_factor_flags(work, loads)
    return loads


def _add_factor_flags(work: Work, loads: list[LoadSummary]) -> None:
    """Give each Invoiced load the factor held or rejected its flag and reason (the latest
    word of an applied purchase report on it). Few loads are Invoiced and flagged: one
    query over the purchase records of Invoiced loads."""
    if not any(ld.status == BillingStatus.INVOICED for ld in loads):
        return
    latest: dict[int, tuple[str, str]] = {}
    for load_id, status, reason in work.execute(
        select(Invoice.load_id, PurchaseRecord.status, PurchaseRecord.reason)
        .join(PurchaseRecord, PurchaseRecord.invoice_id == Invoice.id)
        .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
        .join(Load, Load.id == Invoice.load_id)
        .where(ReportImport.status == ImportStatus.APPLIED,
               Load.status == BillingStatus.INVOICED.value)
        .order_by(PurchaseRecord.id)
    ):
        latest[load_id] = (status, reason or "")
    for ld in loads:
        found = latest.get(ld.id)
        if found and found[0] in (PurchaseStatus.HELD, PurchaseStatus.REJECTED):
            ld.factor_flag, ld.factor_reason = found


def eligible_loads(work: Work, subsidiary: str) -> list[LoadSummary]:
    """The loads a batch can take: Queued, and billed by factoring (the load's own method,
    else the customer's, else the subsidiary's). ``missing_documents`` names what each one
    still lacks before Submit Batch will take it."""
    sub = find_subsidiary(work, subsidiary)
    return _summaries(
        work,
        [Load.subsidiary_id == sub.id, Load.status == BillingStatus.QUEUED.value],
        factoring_only=True,
    )


def find_load(work: Work, load_number: str) -> Load:
    """The load numbered ``load_number``; NotFound when there is none."""
    load = work.execute(
        select(Load).where(Load.load_number == load_number.strip())
    ).scalar_one_or_none()
    if load is None:
        raise NotFound(f"No load {excerpt(load_number.strip())} in Factor Desk.")
    return load




@dataclass
class HistoryEntry:
    at: dt.datetime  # UTC
    from_status: str | None
    to_status: str
    by: str
    reason: str
    batch: str | None
    import_id: int | None


def load_history(work: Work, load_number: str) -> list[HistoryEntry]:
    """Every status move of a load, oldest first."""
    load = find_load(work, load_number)
    rows = work.execute(
        select(StatusHistory, Batch.label)
        .outerjoin(Batch, Batch.id == StatusHistory.batch_id)
        .where(StatusHistory.load_id == load.id)
        .order_by(StatusHistory.at, StatusHistory.id)
    ).all()
    return [
        HistoryEntry(
            at=h.at, from_status=h.from_status,
            to_status=h.to_status, by=h.by, reason=h.reason, batch=label,
            import_id=h.import_id,
        )
        for h, label in rows
    ]

