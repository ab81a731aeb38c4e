"""Customers (debtors): the brokers and shippers who owe the invoices."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factor_desk.db.models import Customer, max_length
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, NotFound, Problem
from factor_desk.domain.text import excerpt
from factor_desk.domain.trade import InvoicingMethod
from factor_desk.services.edit_versions import check, stamp

EDITABLE = ("name", "mc_number", "address", "city", "state", "zip_code", "email")

# ------------------------------------------------------------------ who is who

# An MC or DOT number as TMS exports and clerks write it: digits, optionally after
# "MC", "MC-", "MC#", "MC ", "DOT", "USDOT" or "US DOT".
_REAL_MC = re.compile(r"(?:(MC|DOT|USDOT|US\s*DOT)\s*[-#:]?\s*)?([0-9]{1,12})",
                      re.IGNORECASE | re.ASCII)
# What a TMS puts in the MC column when it has none: a word, dashes, zeros.
_PLACEHOLDER_WORDS = frozenset({
    "", "na", "none", "null", "nil", "pending", "tbd", "tba", "unknown", "notapplicable",
    "notavailable", "nomc", "nodot", "missing", "x", "xx", "xxx", "blank", "empty"})
_PREFIX = re.compile(r"^(?:mc|usdot|dot)", re.ASCII)


def mc_key(mc: str) -> str | None:
    """What identifies a debtor by a real MC or DOT number (``"MC612044"``,
    ``"DOT900100"``), however it is spelled; None for anything else (``N/A``, ``TBD``,
    ``00000``, typos). An MC and a DOT number with the same digits are different
    numbers: the column is the MC, so bare digits are an MC number."""
    found = _REAL_MC.fullmatch(mc.strip())
    if found is None:
        return None
    number = int(found.group(2))
    if number == 0:
        return None
    kind = "MC" if (found.group(1) or "MC").upper() == "MC" else "DOT"
    return f"{kind}{number}"


def is_placeholder_mc(mc: str) -> bool:
    """True for what stands for "no MC" (empty, ``N/A``, ``NONE``, ``pending``, ``TBD``,
    ``-``, ``0``, ``00000``, ``MC N/A``...): it is saved as no MC."""
    letters = "".join(ch for ch in mc.casefold() if ch.isalnum())
    letters = _PREFIX.sub("", letters)
    return letters in _PLACEHOLDER_WORDS or set(letters) == {"0"}


def name_key(name: str) -> str:
    """What makes two spellings of a customer's name the same customer: case, spaces
    and the dots and commas of "Summit Brokerage, Inc." do not count."""
    return " ".join(name.casefold().replace(".", " ").replace(",", " ").split())


def clean_mc(mc: str) -> str:
    """The MC number to save: a real one as typed (trimmed), a placeholder as none.
    Refuses anything else: it would print on the schedule of accounts as the MC."""
    mc = mc.strip()
    if mc_key(mc) is not None:
        return mc
    if is_placeholder_mc(mc):
        return ""
    raise InputRefused([Problem(
        f"MC number: expected an MC or DOT number like MC-123456 (or nothing), found "
        f"{excerpt(mc)}")])


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
    # What an editor sends back with its save (services/edit_versions.py).
    version: int = 1

    @property
    def terms(self) -> str:
        return f"Net {self.terms_days}" if self.terms_days else "Due on receipt"


def _info(c: Customer) -> CustomerInfo:
    return CustomerInfo(
        id=c.id, name=c.name, mc_number=c.mc_number, address=c.address, city=c.city,
        state=c.state, zip_code=c.zip_code, email=c.email, terms_days=c.terms_days,
        invoicing_method=c.invoicing_method, version=c.version,
    )


def list_customers(work: Work) -> list[CustomerInfo]:
    return [_info(c) for c in work.execute(select(Customer).order_by(Customer.name)).scalars()]


def find_customer(work: Work, name: str, *, lock: bool = False) -> Customer:
    stmt = select(Customer).where(func.lower(Customer.name) == name.strip().lower())
    found = work.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No customer named {excerpt(name)}.")
    return found


def _check(session: Session, values: dict[str, Any], current_id: int | None
           ) -> list[Problem]:
    problems = []
    for key, value in values.items():
        if key in EDITABLE:
            limit = max_length(Customer, key)
            if len(value) > limit:
                problems.append(Problem(f"{key.replace('_', ' ')} is longer than {limit} "
                                        "characters"))
    if "name" in values:
        if not values["name"]:
            problems.append(Problem("A customer needs a name."))
        else:
            wanted = name_key(values["name"])
            clash = [(cid, name) for cid, name in session.execute(
                select(Customer.id, Customer.name)) if name_key(name) == wanted]
            for cid, name in clash:
                if cid != current_id:
                    problems.append(Problem(
                        f"A customer named {excerpt(name)} already exists."))
                    break
    terms = values.get("terms_days")
    if terms is not None and not (0 <= terms <= 365):
        problems.append(Problem(f"Payment terms must be 0 to 365 days, not {terms}."))
    return problems


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "mc_number":
            out[key] = clean_mc(value or "")
        elif key in EDITABLE:
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


def add_customer(work: Work, name: str, **fields: Any) -> CustomerInfo:
    values = _normalise({"name": name, **fields})
    problems = _check(work, values, None)
    if problems:
        raise InputRefused(problems)
    customer = Customer(**{"terms_days": 30, **values})
    work.add(customer)
    work.flush()
    return _info(customer)


def update_customer(work: Work, customer_name: str, /, *, version: int | None = None,
                    **fields: Any) -> CustomerInfo:
    """Edit a customer. ``invoicing_method=None`` (or "") removes its override.
    ``version``: the customer's as the form showed it (refused when another clerk saved
    it since)."""
    customer = find_customer(work, customer_name, lock=True)
    check(work, customer, version, f"customer {customer.name}")
    values = _normalise(fields)
    problems = _check(work, values, customer.id)
    if problems:
        raise InputRefused(problems)
    for key, value in values.items():
        setattr(customer, key, value)
    stamp(work, customer)
    work.flush()
    return _info(customer)
