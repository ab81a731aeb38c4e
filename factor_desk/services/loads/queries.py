"""Loads as the clerk looks them up: the listing (tuned for 100,000 loads), the loads a
batch can take, one load by its number, and its status history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, func, null, or_, select
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
from factor_desk.services.common import Converted, find_subsidiary, gc_paused, plain_rows
from factor_desk.services.ledger import invoice_money


class LoadSummary(NamedTuple):
    """One load as a list shows it. A tuple: a listing makes 100,000 of them at once, and
    ``_build_summaries`` makes each with one call of ``tuple.__new__`` (C), in 0.6 of the
    time a slotted dataclass's ``__init__`` took (0.035 s against 0.06 s for 100,000,
    2026-11-29); what a listing adds afterwards to a few of them (a factor's flag, an open
    balance) is a new tuple put in that load's place (``_replace``)."""

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
    cents: int  # the amount, in cents: ``amount`` is made when asked for
    status: str
    invoicing_method: str
    documents: tuple[str, ...] = ()
    missing_documents: tuple[str, ...] = ()
    # what the factor said of an Invoiced load it held or rejected ("held", "rejected") and
    # why; None when it did not
    factor_flag: str | None = None
    factor_reason: str | None = None
    # what the debtor still owes on a Financed or Charged back load paid in part (#13), in
    # cents; None when nothing is paid yet, or nothing is left
    open_cents: int | None = None

    @property
    def status_text(self) -> str:
        """The status as a clerk reads it in a list: "Financed (partially paid)"."""
        return self.status + (" (partially paid)" if self.open_cents is not None else "")

    @property
    def amount(self) -> Decimal:
        # Made when asked for, not for each of 100,000 listed loads (0.04 s of the listing).
        return from_cents(self.cents)

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
    factoring_only: bool = False, subsidiary_id: int | None = None, status: str | None = None,
) -> list[LoadSummary]:
    """Loads matching ``conditions`` (and of ``subsidiary_id``, in ``status``, when given)
    as summaries, in load order.

    Customers and subsidiaries are few: they are read once into dicts and joined here,
    which keeps the big query on the loads table alone (100,000 rows in a few tenths of a
    second on SQLite, half of what the same query with two joins takes). The loads' rows
    come as the driver's tuples (``plain_rows``); their documents first, in a second query,
    one row per load that has any, with its kinds in one text. A subsidiary or status every
    row shares is not read 100,000 times: its column comes as NULL, which the driver gives
    as None without making anything (8-10 ms of the listing's fetch), and None stands for
    it below."""
    customers = {
        cid: (name, mc, method)
        for cid, name, mc, method in session.execute(select(
            Customer.id, Customer.name, Customer.mc_number, Customer.invoicing_method))
    }
    subsidiaries: dict[int | None, tuple[str, str, list[str]]] = {
        sid: (name, default, list(required or []))
        for sid, name, default, required in session.execute(select(
            Subsidiary.id, Subsidiary.name, Subsidiary.default_invoicing_method,
            Subsidiary.required_documents))
    }
    conditions = list(conditions)
    if subsidiary_id is not None:
        conditions.append(Load.subsidiary_id == subsidiary_id)
        subsidiaries[None] = subsidiaries[subsidiary_id]
    if status is not None:
        conditions.append(Load.status == status)
    stmt = select(
        Load.id, Load.load_number, Load.invoice_number,
        Load.subsidiary_id if subsidiary_id is None else null(), Load.customer_id,
        Load.po_number, Load.pickup_date, Load.pickup_location, Load.delivery_date,
        Load.delivery_location, Load.total_cents, Load.status if status is None else null(),
        Load.invoicing_method,
    ).where(*conditions).order_by(Load.id)
    # The join lets the database start from the smaller side: no documents at all costs
    # nothing, and documents of other loads are never read. Grouped by the loads' id, which
    # their index gives in order: no sort (SQLite).
    doc_stmt = select(
        Load.id, func.aggregate_strings(SupportingDocument.kind, ","),
    ).select_from(SupportingDocument).join(
        Load, Load.id == SupportingDocument.load_id).where(*conditions).group_by(Load.id)
    if join_customer:
        stmt = stmt.join(Customer, Customer.id == Load.customer_id)
        doc_stmt = doc_stmt.join(Customer, Customer.id == Load.customer_id)
    with gc_paused():
        docs: dict[int, str] = {lid: kinds for lid, kinds in plain_rows(session, doc_stmt)[0]}
        # Each row read as it comes and freed before the next: a list of them all, still
        # alive when the pause ends, doubled the collector's first pass (25-30 ms to 60-90).
        rows, values = plain_rows(session, stmt, convert=_SHARED)
        if status is not None:
            values[_STATUS][None] = status
        return _build_summaries(rows, values, docs, customers, subsidiaries, factoring_only)


# Where the dates, places and status sit in the listing's rows (see _summaries): values that
# repeat down a column, each kept as one object for every row that has it (dates converted
# once each; for 100,000 loads, one object per distinct place instead of one per row: less
# to make, free and walk for the collector, 0.03 s of 0.28 s).
_PICKUP_DATE, _PICKUP_PLACE, _DELIVERY_DATE, _DELIVERY_PLACE, _STATUS = 6, 7, 8, 9, 11
_SHARED = (_PICKUP_DATE, _PICKUP_PLACE, _DELIVERY_DATE, _DELIVERY_PLACE, _STATUS)


def _build_summaries(rows: Iterable[Sequence[Any]], values: dict[int, Converted],
                     docs: dict[int, str],
                     customers: dict[int, tuple[str, str, str | None]],
                     subsidiaries: dict[int | None, tuple[str, str, list[str]]],
                     factoring_only: bool) -> list[LoadSummary]:
    out: list[LoadSummary] = []
    factoring = InvoicingMethod.FACTORING.value
    pickup, delivery = values[_PICKUP_DATE], values[_DELIVERY_DATE]
    pickup_place, delivery_place = values[_PICKUP_PLACE], values[_DELIVERY_PLACE]
    statuses = values[_STATUS]
    # Few distinct (customer, subsidiary, own method) triples occur: the names, the method,
    # the documents it needs and the answer for a load without documents of each are worked
    # out once (per row, they were a third of the time of a 100,000-load listing; profiled).
    # Keyed by the customer's id alone when the subsidiary is the listing's one (None) and
    # the load has no method of its own, as most have: no key tuple to make for each row.
    triples: dict[Any, tuple[Any, ...]] = {}
    # Few distinct (documents needed, kinds present) pairs occur too: each worked out once.
    answers: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
    docs_get = docs.get
    append = out.append
    new = cast("Callable[[type[LoadSummary], tuple[Any, ...]], LoadSummary]", tuple.__new__)
    for (lid, number, invoice, sub_id, cust_id, po, pu_date, pu_loc, del_date, del_loc, cents,
         status, own_method) in rows:
        key = cust_id if sub_id is None and own_method is None else (cust_id, sub_id,
                                                                      own_method)
        triple = triples.get(key)
        if triple is None:
            triple = triples[key] = _triple(
                customers[cust_id], subsidiaries[sub_id], own_method, factoring)
        cust, mc, sub, method, need, plain = triple
        if factoring_only and method != factoring:
            continue
        kinds = docs_get(lid)
        if kinds is None:
            answer = plain
        else:
            answer = answers.get((need, kinds)) or answers.setdefault(
                (need, kinds), _documents_answer(need, kinds))
        append(new(LoadSummary, (
            # an invoice numbered as its load (the import's default) shares its text
            lid, number, number if invoice == number else invoice, sub, cust, mc, po,
            pickup[pu_date], pickup_place[pu_loc], delivery[del_date],
            delivery_place[del_loc], cents, statuses[status], method, answer[0], answer[1],
            None, None, None,  # every field: tuple.__new__ fills no defaults
        )))
    return out


def _triple(customer: tuple[str, str, str | None], subsidiary: tuple[str, str, list[str]],
            own_method: str | None, factoring: str) -> tuple[Any, ...]:
    """What loads of one customer, subsidiary and own method share: (customer's name, MC,
    subsidiary's name, method, the documents needed, the documents' answer for a load that
    has none)."""
    cust, mc, cust_method = customer
    sub, default_method, required = subsidiary
    method = own_method or cust_method or default_method
    # Documents are required before factoring; a directly billed load needs none.
    need = tuple(required) if method == factoring else ()
    return (cust, mc, sub, method, need, _documents_answer(need, ""))


def _documents_answer(need: tuple[str, ...], kinds: str
                      ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the kinds present in packet order, the needed kinds missing) for a load whose
    documents' kinds are ``kinds`` (comma-separated, any order, repeats allowed)."""
    present = frozenset(kinds.split(",")) if kinds else frozenset()
    missing = tuple(k.value for k in missing_documents(
        [DocumentKind(k) for k in need], present)) if need else ()
    return tuple(sorted(present, key=DocumentKind.packet_position)), missing


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
    sub_id = find_subsidiary(work, subsidiary).id if subsidiary else None
    wanted: str | None = None
    if not status:
        conditions.append(Load.status != BillingStatus.VOID.value)
    else:
        try:
            wanted = BillingStatus.parse(status).value
        except ValueError as exc:
            raise InputRefused([str(exc)]) from None
    if search:
        # Literal text: a clerk's "50%" or "A_B" is not a pattern (LIKE ... ESCAPE).
        text = search.strip().lower()
        conditions.append(or_(*(
            func.lower(column).contains(text, autoescape=True)
            for column in (Load.load_number, Load.invoice_number, Load.po_number,
                           Customer.name))))
    loads = _summaries(work, conditions, join_customer=bool(search), subsidiary_id=sub_id,
                       status=wanted)
    _add_factor_flags(work, loads)
    _add_open_balances(work, loads)
    return loads


_PAID_IN_PART = (BillingStatus.FINANCED, BillingStatus.CHARGED_BACK)


def _add_open_balances(work: Work, loads: list[LoadSummary]) -> None:
    """Give each Financed or Charged back load paid in part what is still open on it (one
    query over the invoices of such loads, services/ledger.py's figures)."""
    if not any(ld.status in _PAID_IN_PART for ld in loads):
        return
    m = invoice_money()
    open_of = {load_id: int(balance) for load_id, balance in work.execute(
        select(m.c.load_id, m.c.balance).join(Load, Load.id == m.c.load_id)
        .where(Load.status.in_([s.value for s in _PAID_IN_PART]), m.c.paid > 0,
               m.c.balance > 0))}
    if not open_of:
        return
    for i, ld in enumerate(loads):
        if (cents := open_of.get(ld.id)) is not None:
            loads[i] = ld._replace(open_cents=cents)


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
    for i, ld in enumerate(loads):
        found = latest.get(ld.id)
        if found and found[0] in (PurchaseStatus.HELD, PurchaseStatus.REJECTED):
            loads[i] = ld._replace(factor_flag=found[0], factor_reason=found[1])


def eligible_loads(work: Work, subsidiary: str) -> list[LoadSummary]:
    """The loads a batch can take: Queued, and billed by factoring (the load's own method,
    else the customer's, else the subsidiary's). ``missing_documents`` names what each one
    still lacks before Submit Batch will take it."""
    sub = find_subsidiary(work, subsidiary)
    return _summaries(work, [], factoring_only=True, subsidiary_id=sub.id,
                      status=BillingStatus.QUEUED.value)


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

