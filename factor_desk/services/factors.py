"""The factoring companies' terms (issue #13): advance, fee (a percent of the invoice or a
flat amount per invoice), reserve, recourse and its days; what they expect of a purchase.

How the terms split an invoice the factor buys (the purchase report's figures add up to
the invoice: advance + fee + reserve):
- a percent fee: advance = advance % of the invoice, fee = fee %, reserve = reserve %;
  advance + fee + reserve is at most 100%, and 100% when the factor pays out the rest;
- a flat fee per invoice is taken from the advance: advance = advance % of the invoice
  less the fee; advance + reserve is at most 100%.
Each figure is rounded half up to the cent. Percents are kept in basis points (2 decimals),
a flat fee in cents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from factor_desk.db.models import FactoringCompany
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, NotFound, Problem
from factor_desk.domain.money import (
    CENT,
    MoneyError,
    format_money,
    from_cents,
    parse_money,
    to_cents,
)
from factor_desk.domain.text import excerpt
from factor_desk.domain.trade import Integration
from factor_desk.services.edit_versions import check, stamp

HUNDRED = Decimal(100)
MAX_RECOURSE_DAYS = 365
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*%\s*$")


def percent_text(percent: Decimal) -> str:
    """``97.5%``, ``3%``: a percent as a clerk writes it."""
    return f"{format(percent.normalize(), 'f')}%"


@dataclass(frozen=True)
class FactorTerms:
    """A factoring company's terms. Percents are Decimal (``Decimal("97.50")``); the fee is
    either ``fee_percent`` (and ``fee_flat`` is None) or ``fee_flat``, an amount per invoice
    (and ``fee_percent`` is None)."""

    name: str
    advance_percent: Decimal
    fee_percent: Decimal | None
    fee_flat: Decimal | None
    reserve_percent: Decimal
    recourse: bool
    recourse_days: int
    # The factor's profile (issue #14): where debtors pay, where the batch is emailed, the
    # NOA a new subsidiary of this factor starts with, how the batch reaches the factor.
    remit_to: str = ""
    email: str = ""
    default_noa: str = ""
    integration: Integration = Integration.NON_API
    # What the factor box sends back with its save (services/edit_versions.py).
    version: int = 1

    @property
    def fee(self) -> str:
        """The fee as ``factors set --fee`` takes it: ``2.5%`` or ``25.00``."""
        if self.fee_flat is not None:
            return str(self.fee_flat)
        return percent_text(self.fee_percent or Decimal(0))

    def expected(self, invoice: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """The advance, fee and reserve these terms give for an invoice of ``invoice``."""
        reserve = _share(invoice, self.reserve_percent)
        if self.fee_flat is not None:
            return _share(invoice, self.advance_percent) - self.fee_flat, self.fee_flat, \
                reserve
        return (_share(invoice, self.advance_percent),
                _share(invoice, self.fee_percent or Decimal(0)), reserve)

    def describe(self, field: str) -> str:
        """How the terms set ``field`` (advance, fee or reserve), for a message."""
        if field == "reserve":
            return percent_text(self.reserve_percent)
        if self.fee_flat is not None:
            flat = format_money(self.fee_flat)
            return (f"{flat} per invoice" if field == "fee" else
                    f"{percent_text(self.advance_percent)} less the {flat} fee")
        return percent_text(self.advance_percent if field == "advance"
                            else self.fee_percent or Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        def dec(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {"name": self.name, "advance_percent": dec(self.advance_percent),
                "fee": self.fee, "fee_percent": dec(self.fee_percent),
                "fee_flat": dec(self.fee_flat), "reserve_percent": dec(self.reserve_percent),
                "recourse": self.recourse,
                "recourse_days": self.recourse_days if self.recourse else None,
                "remit_to": self.remit_to, "email": self.email,
                "default_noa": self.default_noa, "integration": self.integration.value}


def _share(invoice: Decimal, percent: Decimal) -> Decimal:
    return (invoice * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def _points(percent: Decimal) -> int:
    return int((percent * 100).to_integral_value())


def _percent(points: int) -> Decimal:
    return Decimal(points).scaleb(-2)


def terms_of(f: FactoringCompany) -> FactorTerms:
    flat = f.fee_flat_cents > 0
    return FactorTerms(
        name=f.name, advance_percent=_percent(f.advance_basis_points),
        fee_percent=None if flat else _percent(f.fee_basis_points),
        fee_flat=from_cents(f.fee_flat_cents) if flat else None,
        reserve_percent=_percent(f.reserve_basis_points), recourse=f.recourse,
        recourse_days=f.recourse_days, remit_to=f.remit_to, email=f.email,
        default_noa=f.default_noa, integration=Integration(f.integration),
        version=f.version)


# ------------------------------------------------------------------ reading the clerk's text


def check_percent(value: Decimal, label: str) -> Problem | None:
    """Why ``value`` is not a percent of terms (0 to 100, at most two decimals)."""
    if not value.is_finite() or not 0 <= value <= 100:
        return Problem(f"{label} is {percent_text(value) if value.is_finite() else value}; "
                       "give a percent from 0 to 100.")
    if value != value.quantize(CENT):
        return Problem(f"{label} is {percent_text(value)}; give at most two decimals "
                       "(e.g. 97.25).")
    return None


def read_percent(text: str, label: str) -> Decimal:
    """``97.5``, ``97.5%``, ``2.5 %`` as a Decimal percent; refused when it is not one."""
    cleaned = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not cleaned or not value.is_finite():
        raise InputRefused([f"{label} is {excerpt(text)}; give a percent from 0 to 100, "
                            "e.g. 97.5."])
    problem = check_percent(value, label)
    if problem:
        raise InputRefused([problem])
    return value


def read_fee(text: str) -> tuple[Decimal | None, Decimal | None]:
    """The fee a clerk typed: ``3%`` or ``2.5 %`` a percent of the invoice (percent, None);
    ``25.00`` or ``$25`` a flat amount per invoice (None, amount)."""
    if not text.strip():  # not "Fee is '': expected an amount, found nothing"
        raise InputRefused(["Fee is empty; give a percent like 3% (0% for no fee) or a "
                            "flat amount per invoice like 25.00."])
    if _PERCENT.match(text):
        return read_percent(text, "Fee"), None
    if "%" in text:
        raise InputRefused([f"Fee is {excerpt(text)}; give a percent like 3% or a flat "
                            "amount per invoice like 25.00."])
    try:
        amount = parse_money(text)
    except MoneyError as exc:
        raise InputRefused([f"Fee is {excerpt(text)}: {exc}; give a percent like 3% or a "
                            "flat amount per invoice like 25.00."]) from None
    if amount < 0:
        raise InputRefused([f"Fee is {format_money(amount)}; a fee is zero or more."])
    return None, amount


def check_terms(name: str, advance: Decimal, fee_percent: Decimal | None,
                reserve: Decimal) -> list[Problem]:
    """Why these terms cannot be a factor's: each percent 0-100 with two decimals, and
    advance + reserve + a percent fee at most 100%."""
    problems = [p for p in (check_percent(advance, "Advance"),
                            check_percent(reserve, "Reserve"),
                            check_percent(fee_percent, "Fee") if fee_percent is not None
                            else None) if p]
    if problems:
        return problems
    total = advance + reserve + (fee_percent or 0)
    if total > HUNDRED:
        parts = f"advance {percent_text(advance)} + reserve {percent_text(reserve)}"
        if fee_percent is not None:
            parts += f" + fee {percent_text(fee_percent)}"
        return [Problem(f"The terms of {name} add up to more than the invoice: {parts} = "
                        f"{percent_text(total)}. Lower the advance to "
                        f"{percent_text(max(Decimal(0), advance - (total - HUNDRED)))} "
                        "(what the fee and the reserve leave).")]
    return []


# ------------------------------------------------------------------ the database


def factor_id_named(work: Work, name: str) -> int | None:
    """The id of the factoring company named ``name`` in any case, compared here and not by
    the database's lower(): SQLite's lowers A-Z only, so "Éclair Factoring" was not found by
    its own name. The factors are a handful of rows."""
    key = name.strip().casefold()
    return next((i for i, n in work.execute(select(FactoringCompany.id, FactoringCompany.name))
                 if n.casefold() == key), None)


def find_factor(work: Work, name: str, *, lock: bool = False) -> FactoringCompany:
    """The factoring company named ``name`` (any case); NotFound names the known ones."""
    found_id = factor_id_named(work, name)
    found = None
    if found_id is not None:
        stmt = select(FactoringCompany).where(FactoringCompany.id == found_id)
        if lock:
            stmt = stmt.with_for_update()
        found = work.execute(stmt).scalar_one_or_none()
    if found is None:
        known = work.execute(select(FactoringCompany.name)
                             .order_by(FactoringCompany.name)).scalars().all()
        raise NotFound(f"No factoring company named {excerpt(name)}"
                       + (f"; known: {', '.join(known)}." if known else
                          "; none is set up yet (Company profile)."))
    return found


def list_factors(work: Work) -> list[FactorTerms]:
    """Every factoring company's terms, by name."""
    return [terms_of(f) for f in work.execute(
        select(FactoringCompany).order_by(FactoringCompany.name)).scalars()]


def factor_terms_by_id(work: Work, factor_id: int) -> FactorTerms:
    found = work.get(FactoringCompany, factor_id)
    assert found is not None  # a batch's factor
    return terms_of(found)


def set_factor_terms(work: Work, name: str, *, advance: Decimal | None = None,
                     fee: str | None = None, reserve: Decimal | None = None,
                     recourse_days: int | None = None, non_recourse: bool = False,
                     version: int | None = None) -> FactorTerms:
    """Change the terms given (the others stay), checked as a whole: refused, naming each
    problem, when they cannot be a factor's. ``recourse_days`` makes the factor a recourse
    one; ``non_recourse`` a non-recourse one (keeping its days for a later change).
    ``version``: the factor's as the form showed it (refused when another clerk saved it
    since)."""
    factor = find_factor(work, name, lock=True)
    check(work, factor, version, factor_what(factor))
    stamp(work, factor)
    problems: list[Problem] = []
    if recourse_days is not None and non_recourse:
        problems.append(Problem("Give the recourse days or non-recourse, not both."))
    if recourse_days is not None and not 1 <= recourse_days <= MAX_RECOURSE_DAYS:
        problems.append(Problem(f"Recourse days is {recourse_days}; give 1 to "
                                f"{MAX_RECOURSE_DAYS} days."))
    current = terms_of(factor)
    fee_percent, fee_flat = current.fee_percent, current.fee_flat
    if fee is not None:
        try:
            fee_percent, fee_flat = read_fee(fee)
        except InputRefused as exc:
            problems.extend(exc.problems)
    new_advance = current.advance_percent if advance is None else advance
    new_reserve = current.reserve_percent if reserve is None else reserve
    if not problems:
        problems = check_terms(factor.name, new_advance, fee_percent, new_reserve)
    if problems:
        raise InputRefused(problems)
    factor.advance_basis_points = _points(new_advance)
    factor.reserve_basis_points = _points(new_reserve)
    factor.fee_basis_points = _points(fee_percent) if fee_percent is not None else 0
    factor.fee_flat_cents = to_cents(fee_flat) if fee_flat is not None else 0
    if recourse_days is not None:
        factor.recourse, factor.recourse_days = True, recourse_days
    elif non_recourse:
        factor.recourse = False
    work.flush()
    return terms_of(factor)


def factor_what(factor: FactoringCompany) -> str:
    return f"the factoring company {factor.name}"


def default_advance(fee_percent: Decimal, reserve: Decimal) -> Decimal:
    """A new factor's advance when none is given: what its fee and reserve leave."""
    return max(Decimal(0), HUNDRED - fee_percent - reserve)


def terms_expected(terms: FactorTerms, invoice: Decimal, given: dict[str, Decimal | None]
                   ) -> list[str]:
    """A warning for each figure of a purchase (``given``: advance, fee, reserve; None
    when the row does not give it) that is not what ``terms`` expect for ``invoice``."""
    advance, fee, reserve = terms.expected(invoice)
    expected = {"advance": advance, "fee": fee, "reserve": reserve}
    # When the terms leave nothing over, a factor paying out the rest pays a cent more or
    # less than the advance rounded on its own: that advance agrees with the terms too.
    rest = invoice - fee - reserve
    fills = terms.advance_percent + terms.reserve_percent + (terms.fee_percent or 0) \
        == HUNDRED
    out = []
    for field in ("advance", "fee", "reserve"):
        found = given.get(field)
        if found is None or found == expected[field]:
            continue
        if field == "advance" and fills and found == rest:
            continue
        out.append(f"{field} {found:.2f}, {terms.name}'s terms "
                   f"({terms.describe(field)}) expect {expected[field]:.2f}")
    return out
