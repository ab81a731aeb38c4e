"""The moves a clerk makes on a load before it is batched (issue #12): Create invoice
(Released -> Queued), back to Released, Void, and editing the load's fields. Each is one
write transaction (the caller's unit of work), all or nothing, and leaves a history row
(who, when, why) through services.lifecycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select, update

from factor_desk.db.models import Batch, Customer, Invoice, Load, StatusHistory, max_length
from factor_desk.db.work import Work
from factor_desk.domain.dates import parse_date
from factor_desk.domain.errors import InputRefused, LifecycleError, Problem
from factor_desk.domain.lifecycle import (
    BillingStatus,
    HistoryAction,
    check_exception,
    check_move,
)
from factor_desk.domain.money import MoneyError, from_cents, parse_money, to_cents
from factor_desk.domain.text import excerpt
from factor_desk.domain.trade import InvoicingMethod
from factor_desk.domain.versions import StaleEdit
from factor_desk.services.common import chunks, current_user
from factor_desk.services.customers import name_key
from factor_desk.services.edit_versions import check, stamp
from factor_desk.services.lifecycle import FIRST_STATUSES, move_loads, record_change
from factor_desk.services.loads.debtors import customer_index, resolve_customers
from factor_desk.services.loads.queries import find_load
from factor_desk.services.loads.rows import LoadRow


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class MovedLoad:
    """A load a move changed, with its status now."""

    load_number: str
    status: BillingStatus
    invoice_number: str
    changes: list[FieldChange] = field(default_factory=list)


def _locked(work: Work, numbers: Sequence[str]) -> list[Load]:
    """The loads numbered ``numbers``, in that order, locked until the transaction ends;
    refused naming every number that is no load."""
    wanted = [n.strip() for n in numbers]
    if not wanted:
        raise InputRefused([Problem("Name at least one load.")])
    found = {ld.load_number: ld for ld in work.execute(
        select(Load).where(Load.load_number.in_(set(wanted))).with_for_update()).scalars()}
    missing = [n for n in dict.fromkeys(wanted) if n not in found]
    if missing:
        raise InputRefused([Problem(f"No load {excerpt(n)} in Factor Desk.") for n in missing])
    return [found[n] for n in dict.fromkeys(wanted)]


def _move(work: Work, numbers: Sequence[str], target: BillingStatus, *, reason: str,
          user: str | None, exception: bool) -> list[MovedLoad]:
    """Move every load to ``target``, or none: a refusal names each load and its status."""
    chosen = _locked(work, numbers)
    problems: list[Problem] = []
    for ld in chosen:
        try:
            if exception:
                check_exception(ld.load_number, BillingStatus(ld.status), target)
            else:
                check_move(ld.load_number, BillingStatus(ld.status), target)
        except LifecycleError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputRefused(problems, summary=None if len(problems) == 1 else
                           f"{len(problems)} loads cannot move; nothing was changed.")
    by = user or current_user(work)
    for current in dict.fromkeys(BillingStatus(ld.status) for ld in chosen):
        group = [(ld.id, ld.load_number) for ld in chosen if ld.status == current.value]
        move_loads(work, group, current, target, by=by, reason=reason, exception=exception)
    work.expire_all()
    return [MovedLoad(ld.load_number, target, ld.invoice_number) for ld in chosen]


def _need_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise InputRefused([Problem("Say why (a reason is needed for the load's history).")])
    return text


def queue_loads(work: Work, numbers: Sequence[str], *, invoice_number: str | None = None,
                invoice_date: dt.date | None = None, user: str | None = None
                ) -> list[MovedLoad]:
    """Create invoice: Released -> Queued, for every load or none. The invoice number stays
    as the import gave it (the load number unless the file said otherwise) unless
    ``invoice_number`` (one load only) sets it. ``invoice_date`` dates the invoice: its
    batch issues it with that date (and the due date from it); without one, the invoice is
    dated the day its batch is submitted."""
    by = user or current_user(work)
    if invoice_number is not None:
        if len(set(numbers)) != 1:
            raise InputRefused([Problem("--invoice-number names the invoice of one load; "
                                        "give one load.")])
        load = _locked(work, numbers)[0]
        if load.status == BillingStatus.RELEASED.value:
            _apply(work, load, {"invoice_number": invoice_number}, by=by)
    reason = "Invoice created" + (f" (dated {invoice_date.isoformat()})" if invoice_date
                                  else "")
    moved = _move(work, numbers, BillingStatus.QUEUED, reason=reason, user=by,
                  exception=False)
    for part in chunks([m.load_number for m in moved]):
        work.execute(update(Load).where(Load.load_number.in_(part))
                     .values(invoice_date=invoice_date)
                     .execution_options(synchronize_session=False))
    return moved


def unqueue_loads(work: Work, numbers: Sequence[str], *, reason: str,
                  user: str | None = None) -> list[MovedLoad]:
    """Queued -> Released, for every load or none."""
    return _move(work, numbers, BillingStatus.RELEASED, reason=_need_reason(reason),
                 user=user, exception=True)


def void_loads(work: Work, numbers: Sequence[str], *, reason: str, user: str | None = None
               ) -> list[MovedLoad]:
    """Released or Queued -> Void: never billed; its load number stays taken."""
    return _move(work, numbers, BillingStatus.VOID, reason=_need_reason(reason), user=user,
                 exception=True)


# The fields ``edit_load`` changes, by the names the command line gives them.
EDITABLE = ("customer", "amount", "po_number", "invoice_number", "pickup_date",
            "delivery_date", "invoicing_method")
_LABELS = {"customer": "customer", "amount": "amount", "po_number": "PO",
           "invoice_number": "invoice number", "pickup_date": "pickup date",
           "delivery_date": "delivery date", "invoicing_method": "method"}


@dataclass(frozen=True)
class LoadToEdit:
    """A load as the Edit load dialog shows it, read at once with its version (what the
    dialog sends back with its save)."""

    load_number: str
    invoice_number: str
    customer: str
    amount: Decimal
    po_number: str
    pickup_date: dt.date | None
    delivery_date: dt.date | None
    invoicing_method: str | None  # its own; None: the customer's or subsidiary's
    status: str
    version: int

    @property
    def editable(self) -> bool:
        return BillingStatus(self.status) in FIRST_STATUSES


def load_to_edit(work: Work, number: str) -> LoadToEdit:
    """The load numbered ``number`` as Edit load shows it; NotFound when there is none."""
    load = find_load(work, number)
    return LoadToEdit(load.load_number, load.invoice_number, load.customer.name,
                      from_cents(load.total_cents), load.po_number, load.pickup_date,
                      load.delivery_date, load.invoicing_method, load.status, load.version)


def edit_load(work: Work, number: str, changes: dict[str, object], *,
              user: str | None = None, version: int | None = None) -> MovedLoad:
    """Change fields of a Released or Queued load, checked as the import checks them; the
    history row names each field changed, old -> new. Refused for a load already batched
    ("recall it first") or void. Only fields whose value differs count as changes.
    ``version``: the load's as the dialog showed it; refused, naming who changed (or
    moved) the load and when, when it is not the load's any more."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InputRefused([Problem(f"cannot edit {', '.join(unknown)}")])
    load = _locked(work, [number])[0]
    status = BillingStatus(load.status)
    if status not in FIRST_STATUSES:
        why = _not_editable(work, load, status)
        if version is not None:  # the dialog showed it editable: say who moved it, when
            by, at = work.execute(select(StatusHistory.by, StatusHistory.at).where(
                StatusHistory.load_id == load.id).order_by(StatusHistory.id.desc())
                .limit(1)).one()
            raise StaleEdit(f"load {load.load_number}", by, at, detail=why)
        raise InputRefused([Problem(why)])
    check(work, load, version, f"load {load.load_number}")
    done = _apply(work, load, changes, by=user or current_user(work))
    return MovedLoad(load.load_number, status, load.invoice_number, done)


def _not_editable(work: Work, load: Load, status: BillingStatus) -> str:
    if status is BillingStatus.VOID:
        return f"Load {load.load_number} is Void; a void load cannot be edited."
    label = work.execute(select(Batch.label).join(Invoice, Invoice.batch_id == Batch.id)
                         .where(Invoice.load_id == load.id)).scalar_one_or_none()
    sent = f"its invoice was sent in {label}" if label else "its invoice was sent"
    return f"Load {load.load_number} is {status}; {sent}; recall it first."


def _apply(work: Work, load: Load, changes: dict[str, object], *, by: str) -> list[FieldChange]:
    """Check every value (all problems at once), then write them and one history row."""
    problems: list[Problem] = []
    new: dict[str, object] = {}
    shown: list[FieldChange] = []

    def bad(name: str, message: str) -> None:
        problems.append(Problem(message, column=_LABELS[name]))

    for name, value in changes.items():
        if value is None:
            continue
        text = value.strip() if isinstance(value, str) else value
        if name in ("po_number", "invoice_number"):
            limit = max_length(Load, name)
            assert isinstance(text, str)
            if len(text) > limit:
                bad(name, f"longer than {limit} characters")
            elif name == "invoice_number" and not text:
                bad(name, "the invoice number is empty")
            elif name == "invoice_number" and text != load.invoice_number and work.execute(
                    select(Load.id).where(Load.invoice_number == text)).first():
                bad(name, f"invoice number {excerpt(text)} is already used by another load")
            else:
                new[name] = text
        elif name == "amount":
            try:
                amount = parse_money(text)
            except MoneyError as exc:
                bad(name, str(exc))
                continue
            if amount <= 0:
                bad(name, "the total must be more than zero; there is nothing to invoice")
            elif to_cents(amount) < load.accessorials_cents:
                bad(name, f"accessorials {from_cents(load.accessorials_cents)} exceed the "
                          f"total {amount}")
            else:
                new[name] = to_cents(amount)
        elif name in ("pickup_date", "delivery_date"):
            if text in ("", None):
                new[name] = None
                continue
            try:
                new[name] = parse_date(text)
            except ValueError as exc:
                bad(name, str(exc))
        elif name == "invoicing_method":
            try:
                new[name] = InvoicingMethod.parse(str(text)).value if text else None
            except ValueError as exc:
                bad(name, str(exc))
        elif name == "customer":
            assert isinstance(text, str)
            if not text:
                bad(name, "the customer is empty")
            elif len(text) > max_length(Customer, "name"):
                bad(name, f"longer than {max_length(Customer, 'name')} characters")
            elif name_key(text) == name_key(load.customer.name):
                continue  # its own customer's name (the dialog sends it): no change
            else:
                twins = [d for d in customer_index(work) if name_key(d.name) == name_key(text)]
                if len(twins) > 1 and not any(d.name == text for d in twins):
                    which = ", ".join(f"{d.name} ({d.mc or 'no MC'})" for d in twins)
                    bad(name, f"{excerpt(text)} names {len(twins)} customers: {which}; "
                              "type one of them exactly as it is spelt, or rename one "
                              "first.")
                else:
                    new[name] = text
    pickup = new.get("pickup_date", load.pickup_date)
    delivery = new.get("delivery_date", load.delivery_date)
    if (isinstance(pickup, dt.date) and isinstance(delivery, dt.date) and delivery < pickup):
        bad("delivery_date", "the delivery date is before the pickup date")
    if problems:
        raise InputRefused(problems, summary=None if len(problems) == 1 else
                           f"Load {load.load_number}: {len(problems)} problems; "
                           "nothing was changed.")

    def note(name: str, old: object, value: object) -> None:
        if old != value:
            shown.append(FieldChange(_LABELS[name], _text(old), _text(value)))

    for name, value in new.items():
        if name == "customer":
            assert isinstance(value, str)
            old_name = load.customer.name
            customer_id = _customer_id(work, value)
            if customer_id != load.customer_id:
                load.customer_id = customer_id
                work.flush()
                work.refresh(load)
                note(name, old_name, load.customer.name)
        elif name == "amount":
            assert isinstance(value, int)
            note(name, from_cents(load.total_cents), from_cents(value))
            load.total_cents = value
            load.linehaul_cents = value - load.accessorials_cents
        else:
            note(name, getattr(load, name), value)
            setattr(load, name, value)
    if shown:
        record_change(work, load.id, BillingStatus(load.status), by=by, reason="Edited: " + (
            "; ".join(f"{c.field} {c.old} → {c.new}" for c in shown)),
            action=HistoryAction.EDITED)
        stamp(work, load)
    work.flush()
    return shown


def _text(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _customer_id(work: Work, name: str) -> int:
    """The customer the import would bill a row naming ``name`` to (no MC), created as the
    import creates one when none matches."""
    row = LoadRow(0, "", "", name, "", "", None, "", None, "", 0, 0, 0, None, "")
    debtors, _, new = resolve_customers([row], customer_index(work))
    debtor = debtors[0]
    if debtor.id is None:
        customer = Customer(name=debtor.name, mc_number=debtor.mc, address="", city="",
                            state="", zip_code="", email="", terms_days=30,
                            invoicing_method=None)
        work.add(customer)
        work.flush()
        return customer.id
    return debtor.id
