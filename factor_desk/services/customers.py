"""Customers (debtors): the brokers and shippers who owe the invoices."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factor_desk.db.models import Customer
from factor_desk.domain.errors import InputRefused, NotFound, Problem
from factor_desk.domain.trade import InvoicingMethod

EDITABLE = ("name", "mc_number", "address", "city", "state", "zip_code", "email")


@dataclass
class CustomerInfo:
    id: int
    name: str
    mc_number: str
    address: str
    city: str
    state: str
    zip_code: str
    email: str
    terms_days: int
    # None: the subsidiary's default invoicing method applies.
    invoicing_method: str | None

    @property
    def terms(self) -> str:
        return f"Net {self.terms_days}" if self.terms_days else "Due on receipt"


def _info(c: Customer) -> CustomerInfo:
    return CustomerInfo(
        id=c.id, name=c.name, mc_number=c.mc_number, address=c.address, city=c.city,
        state=c.state, zip_code=c.zip_code, email=c.email, terms_days=c.terms_days,
        invoicing_method=c.invoicing_method,
    )


def list_customers(session: Session) -> list[CustomerInfo]:
    return [_info(c) for c in session.execute(select(Customer).order_by(Customer.name)).scalars()]


def find_customer(session: Session, name: str) -> Customer:
    found = session.execute(
        select(Customer).where(func.lower(Customer.name) == name.strip().lower())
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No customer named {name!r}.")
    return found


def _check(session: Session, values: dict, current_id: int | None) -> list[Problem]:
    problems = []
    for key, value in values.items():
        if key in EDITABLE:
            limit = Customer.__table__.c[key].type.length
            if len(value) > limit:
                problems.append(Problem(f"{key.replace('_', ' ')} is longer than {limit} "
                                        "characters"))
    if "name" in values:
        if not values["name"]:
            problems.append(Problem("A customer needs a name."))
        else:
            clash = session.execute(select(Customer.id).where(
                func.lower(Customer.name) == values["name"].lower())).scalar_one_or_none()
            if clash is not None and clash != current_id:
                problems.append(Problem(f"A customer named {values['name']!r} already exists."))
    terms = values.get("terms_days")
    if terms is not None and not (0 <= terms <= 365):
        problems.append(Problem(f"Payment terms must be 0 to 365 days, not {terms}."))
    return problems


def _normalise(fields: dict) -> dict:
    out = {}
    for key, value in fields.items():
        if key in EDITABLE:
            out[key] = (value or "").strip()
        elif key == "terms_days":
            out[key] = int(value)
        elif key == "invoicing_method":
            try:
                out[key] = InvoicingMethod.parse(value).value if value else None
            except ValueError as exc:
                raise InputRefused([str(exc)]) from None
        else:
            raise TypeError(f"unknown customer field {key!r}")
    return out


def add_customer(session: Session, name: str, **fields) -> CustomerInfo:
    values = _normalise({"name": name, **fields})
    problems = _check(session, values, None)
    if problems:
        raise InputRefused(problems)
    customer = Customer(**{"terms_days": 30, **values})
    session.add(customer)
    session.flush()
    return _info(customer)


def update_customer(session: Session, customer_name: str, /, **fields) -> CustomerInfo:
    """Edit a customer. ``invoicing_method=None`` (or "") removes its override."""
    customer = find_customer(session, customer_name)
    values = _normalise(fields)
    problems = _check(session, values, customer.id)
    if problems:
        raise InputRefused(problems)
    for key, value in values.items():
        setattr(customer, key, value)
    session.flush()
    return _info(customer)
