"""Which customer (debtor) each row of a loads file is billed to: an old customer found by
its real MC or DOT number, else by its name, else a new one. The dry run and the import
both ask this module, so the preview is what the import does."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from factor_desk.db.models import Customer
from factor_desk.db.work import Work
from factor_desk.domain.text import excerpt
from factor_desk.services.customers import is_placeholder_mc, mc_key, name_key
from factor_desk.services.loads.rows import LoadRow


@dataclass(slots=True)
class RowCustomer:
    """The customer (debtor) one importable row of a loads file is billed to. The dry run
    and the import work it out the same way, so the preview is what the import does."""

    row: int
    load_number: str
    # The customer's name in Factor Desk, or the name the import gives the new customer.
    customer: str
    new_customer: bool
    # Why the customer billed is not what the file's name or MC says, when it is not.
    note: str = ""


@dataclass(slots=True)
class Debtor:
    """A customer in Factor Desk, or one the import is going to create (``id`` None)."""

    name: str
    mc: str
    id: int | None


def customer_index(work: Work) -> list[Debtor]:
    """Every customer in Factor Desk, oldest first."""
    return [Debtor(name, mc, cid) for cid, name, mc in work.execute(
        select(Customer.id, Customer.name, Customer.mc_number).order_by(Customer.id))]


def resolve_customers(
    rows: list[LoadRow], known: list[Debtor]
) -> tuple[list[Debtor], list[RowCustomer], list[Debtor]]:
    """The customer each row is billed to, the per-row account of it, and the customers
    the import creates. The dry run and the import both call this: what the preview says
    is what the import does.

    A row's customer is the one with its MC, when the MC is a real MC or DOT number (a
    placeholder like ``N/A``, ``TBD`` or ``00000`` says nothing about who the debtor is),
    else the one with its name (case, spaces, dots and commas aside), else a new customer
    under the file's name with the real MC or none. Two names with one real MC are one
    debtor (the MC is what the factor checks credit by): the later row is billed to the
    first and its note says so. So does a row whose MC disagrees with the customer its
    name found."""
    by_mc_name: dict[tuple[str, str], Debtor] = {}
    by_mc: dict[str, Debtor] = {}
    by_name: dict[str, Debtor] = {}
    for d in known:
        key, nkey = mc_key(d.mc), name_key(d.name)
        by_name.setdefault(nkey, d)
        if key is not None:
            by_mc.setdefault(key, d)
            by_mc_name.setdefault((key, nkey), d)
    # Of two old customers whose names differ only in case or spaces, the exact spelling.
    by_exact = {d.name: d for d in reversed(known)}
    new: list[Debtor] = []
    decided: dict[tuple[str, str], tuple[Debtor, str]] = {}
    debtors: list[Debtor] = []
    plan: list[RowCustomer] = []
    for r in rows:
        pair = (r.customer, r.customer_mc)
        answer = decided.get(pair)
        if answer is None:
            answer = decided[pair] = _resolve_one(r, by_mc_name, by_mc, by_name, by_exact,
                                                  new)
        debtor, note = answer
        debtors.append(debtor)
        plan.append(RowCustomer(r.row, r.load_number, debtor.name, debtor.id is None, note))
    return debtors, plan, new


def _resolve_one(r: LoadRow, by_mc_name: dict[tuple[str, str], Debtor],
                 by_mc: dict[str, Debtor], by_name: dict[str, Debtor],
                 by_exact: dict[str, Debtor], new: list[Debtor]) -> tuple[Debtor, str]:
    mc = r.customer_mc
    key, nkey = mc_key(mc), name_key(r.customer)
    notes: list[str] = []
    found = None
    if key is not None:
        found = by_mc_name.get((key, nkey)) or by_mc.get(key)
        if found is not None and name_key(found.name) != nkey:
            notes.append(f"billed to {excerpt(found.name)}, the customer with MC "
                         f"{excerpt(found.mc)}; the file names {excerpt(r.customer)}")
    elif mc and not is_placeholder_mc(mc):
        notes.append(f"the MC {excerpt(mc)} is not an MC or DOT number: it is not saved, "
                     "and the customer is found by name")
    if found is None:
        found = by_exact.get(r.customer) or by_name.get(nkey)
        if found is None:
            found = Debtor(" ".join(r.customer.split()), mc if key else "", None)
            new.append(found)
            by_name[nkey] = found
        elif key is not None:
            has = mc_key(found.mc)
            if has is None and found.id is None:
                # A new customer first seen without a real MC takes the first real one.
                found.mc = mc
            elif has is not None and has != key:
                notes.append(f"billed to {excerpt(found.name)} by name, whose MC is "
                             f"{excerpt(found.mc)}; the file gives MC {excerpt(mc)}")
        if key is not None and mc_key(found.mc) == key:
            by_mc.setdefault(key, found)
            by_mc_name.setdefault((key, nkey), found)
    return found, "; ".join(notes)


