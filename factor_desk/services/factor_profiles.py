"""Factoring companies as first-class records (issue #14): a factor's profile (name,
remit-to, email, the default Notice of Assignment, how the batch reaches it) beside its
terms (services/factors.py); the subsidiary's factor, and the warning when a subsidiary's
Notice of Assignment does not name the factor its invoices are assigned to."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from factor_desk.db.models import FactoringCompany, Subsidiary, max_length
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.text import excerpt, is_email_address
from factor_desk.domain.trade import InfoKind, Integration
from factor_desk.services.common import find_subsidiary
from factor_desk.services.company import (
    NOA_MAX_CHARS,
    SubsidiaryProfile,
    edited_subsidiary,
    get_subsidiary,
    profile_what,
    set_important_info,
)
from factor_desk.services.edit_versions import check, stamp
from factor_desk.services.factors import (
    FactorTerms,
    default_advance,
    factor_id_named,
    factor_what,
    find_factor,
    read_fee,
    set_factor_terms,
    terms_of,
)

# Loose on purpose (a clerk types what the factor's letter says): one @, something before
# it, a dot in the domain with something either side, no spaces.


@dataclass(frozen=True)
class FactorProfile:
    """A factoring company: who it is (name, remit-to, email), the Notice of Assignment a
    new subsidiary of it starts with, how its batches reach it, its terms, and the
    subsidiaries that factor with it now."""

    name: str
    remit_to: str
    email: str
    default_noa: str
    integration: Integration
    terms: FactorTerms
    subsidiaries: tuple[str, ...] = ()

    @property
    def version(self) -> int:
        """What its editor sends back with a save (services/edit_versions.py)."""
        return self.terms.version

    @property
    def remit_to_first_line(self) -> str:
        return first_line(self.remit_to)

    def to_dict(self) -> dict[str, Any]:
        # The terms' keys as ``factors list --json`` has them, and the subsidiaries.
        return {**self.terms.to_dict(), "subsidiaries": list(self.subsidiaries)}


@dataclass(frozen=True)
class FactorChange:
    """A subsidiary after its factor changed, and what the clerk should check (its Notice
    of Assignment names another factor, or it has none)."""

    profile: SubsidiaryProfile
    warnings: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ checking the clerk's text


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def clean_remit_to(text: str) -> str:
    """The remit-to as lines, each without surrounding blanks, blank lines dropped."""
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


def check_email(text: str, label: str = "Email") -> Problem | None:
    """Why ``text`` is not an email address (an empty one is no address, and fine)."""
    text = text.strip()
    if text and not is_email_address(text):
        return Problem(f"{label} is {excerpt(text)}; give an address like "
                       "schedules@factor.com (one @, a dot in the part after it, no spaces).")
    limit = max_length(FactoringCompany, "email")
    if len(text) > limit:
        return Problem(f"{label} is longer than {limit} characters.")
    return None


def _name_problems(work: Work, name: str) -> list[Problem]:
    if not name:
        return [Problem("A factoring company needs a name.")]
    limit = max_length(FactoringCompany, "name")
    if len(name) > limit:
        return [Problem(f"The factoring company's name is longer than {limit} characters.")]
    taken_id = factor_id_named(work, name)
    if taken_id is not None:
        taken = work.execute(select(FactoringCompany.name).where(
            FactoringCompany.id == taken_id)).scalar_one()
        return [Problem(f"A factoring company named {excerpt(taken)} already exists; "
                        "change it with factors set (or on the Company profile).")]
    return []


def check_new_factor_name(work: Work, name: str) -> None:
    """Refuse a new factor's name that is empty, too long or taken (in any case)."""
    problems = _name_problems(work, name.strip())
    if problems:
        raise InputRefused(problems)


def _profile_problems(name: str, email: str, default_noa: str,
                      integration: Integration | str) -> tuple[list[Problem], Integration]:
    problems = [p for p in (check_email(email),) if p]
    if len(default_noa) > NOA_MAX_CHARS:
        problems.append(Problem(f"The default Notice of Assignment is {len(default_noa)} "
                                f"characters; at most {NOA_MAX_CHARS} fit on an invoice."))
    try:
        kind = Integration.parse(str(integration))
    except ValueError as exc:
        problems.append(Problem(f"Integration: {exc}."))
        kind = Integration.NON_API
    if kind is Integration.EMAIL and not email.strip():
        problems.append(Problem(f"{name} has no email address: give it (--email) before "
                                "its batches are emailed."))
    return problems, kind


# ------------------------------------------------------------------ reading


def profile_of(work: Work, factor: FactoringCompany) -> FactorProfile:
    subs = work.execute(select(Subsidiary.name).where(
        Subsidiary.factoring_company_id == factor.id).order_by(Subsidiary.name)).scalars()
    terms = terms_of(factor)
    return FactorProfile(name=factor.name, remit_to=factor.remit_to, email=factor.email,
                         default_noa=factor.default_noa, integration=terms.integration,
                         terms=terms, subsidiaries=tuple(subs))


def factor_profile(work: Work, name: str) -> FactorProfile:
    """The profile of the factor named ``name`` (any case); NotFound names the known ones."""
    return profile_of(work, find_factor(work, name))


# ------------------------------------------------------------------ changing


def add_factor(work: Work, name: str, remit_to: str, email: str = "", *,
               advance: Decimal | None = None, fee: str | None = None,
               reserve: Decimal | None = None, recourse_days: int | None = None,
               non_recourse: bool = False, default_noa: str = "",
               integration: Integration | str = Integration.NON_API) -> FactorProfile:
    """A new factoring company, refused whole when its name is taken (any case), its
    remit-to is empty, its email is not an address or its terms do not add up. Without an
    advance, the advance is what the fee (a percent) and the reserve leave."""
    name = name.strip()
    remit = clean_remit_to(remit_to)
    problems = _name_problems(work, name)
    if not remit:
        problems.append(Problem(f"Give the remit-to of {name or 'the factoring company'}: "
                                "where the debtors pay (its name and address)."))
    more, kind = _profile_problems(name, email, default_noa.strip(), integration)
    problems += more
    fee_percent: Decimal | None = Decimal(0)
    if fee is not None:
        try:
            fee_percent, _flat = read_fee(fee)
        except InputRefused as exc:
            problems += exc.problems
    if problems:
        raise InputRefused(problems)
    work.add(FactoringCompany(
        name=name, remit_to=remit, email=email.strip(), default_noa=default_noa.strip(),
        integration=kind.value, fee_basis_points=0, fee_flat_cents=0,
        advance_basis_points=10000, reserve_basis_points=0, recourse=False))
    work.flush()
    reserve = Decimal(0) if reserve is None else reserve
    set_factor_terms(
        work, name, fee=fee if fee is not None else "0%", reserve=reserve,
        advance=advance if advance is not None else default_advance(fee_percent or Decimal(0),
                                                                     reserve),
        recourse_days=recourse_days, non_recourse=non_recourse)
    return factor_profile(work, name)


def set_factor(work: Work, name: str, *, remit_to: str | None = None,
               email: str | None = None, default_noa: str | None = None,
               integration: Integration | str | None = None,
               advance: Decimal | None = None, fee: str | None = None,
               reserve: Decimal | None = None, recourse_days: int | None = None,
               non_recourse: bool = False, version: int | None = None) -> FactorProfile:
    """Change what is given of a factor's profile and terms (the rest stays), all or
    nothing: refused, naming each problem, when the remit-to would be empty, the email is
    not an address, the integration is email without an address, or the terms do not add
    up. An email of "" removes the address; a default NOA of "" removes it. ``version``:
    the factor's as the form showed it (refused when another clerk saved it since)."""
    factor = find_factor(work, name, lock=True)
    check(work, factor, version, factor_what(factor))
    stamp(work, factor)
    new_remit = factor.remit_to if remit_to is None else clean_remit_to(remit_to)
    new_email = factor.email if email is None else email.strip()
    new_noa = factor.default_noa if default_noa is None else default_noa.strip()
    problems, kind = _profile_problems(
        factor.name, new_email, new_noa,
        factor.integration if integration is None else integration)
    if remit_to is not None and not new_remit:
        problems.append(Problem(f"The remit-to of {factor.name} cannot be empty: it is "
                                "where the debtors pay."))
    if any(v is not None for v in (advance, fee, reserve, recourse_days)) or non_recourse:
        try:
            set_factor_terms(work, factor.name, advance=advance, fee=fee, reserve=reserve,
                             recourse_days=recourse_days, non_recourse=non_recourse)
        except InputRefused as exc:  # nothing of it is kept: the whole write rolls back
            problems += exc.problems
    if problems:
        raise InputRefused(problems)
    factor.remit_to, factor.email, factor.default_noa = new_remit, new_email, new_noa
    factor.integration = kind.value
    work.flush()
    return profile_of(work, factor)


# ------------------------------------------------------------------ the subsidiary's factor


def _collapsed(text: str) -> str:
    return " ".join(text.split()).casefold()


def noa_names_factor(text: str, factor: str, remit_to: str) -> bool:
    """Whether a Notice of Assignment names the factor: its name or the first line of its
    remit-to, in any case and however the lines break."""
    noa = _collapsed(text)
    return any(key and key in noa for key in (_collapsed(factor),
                                              _collapsed(first_line(remit_to))))


def noa_warning(subsidiary: str, text: str | None, factor: str, remit_to: str
                ) -> str | None:
    """What the clerk should check when ``subsidiary``'s Notice of Assignment (``text``;
    None or empty: it has none) does not name its factor ``factor``; None when it does.
    The one wording of this warning, for the window and the command line."""
    if not (text or "").strip():
        return (f"{subsidiary} has no Notice of Assignment yet: save the one {factor} gave "
                "you before you submit a batch.")
    if noa_names_factor(text or "", factor, remit_to):
        return None
    line = first_line(remit_to)
    nor = f" nor {excerpt(line)} (its remit-to)" if line and \
        _collapsed(line) != _collapsed(factor) else ""
    return (f"The Notice of Assignment of {subsidiary} does not name {factor}{nor}: "
            f"check it is the text {factor} gave you, or debtors may pay the wrong party.")


def _saved_noa(sub: Subsidiary) -> str | None:
    return next((i.text for i in sub.important_info
                 if i.kind == InfoKind.NOTICE_OF_ASSIGNMENT.value), None)


def subsidiary_noa_warning(work: Work, subsidiary: str, *, text: str | None = None,
                           factor: str | None = None) -> str | None:
    """``noa_warning`` for a subsidiary: its saved Notice of Assignment (or ``text``)
    against its factor (or ``factor``); None when it has no factor."""
    sub = find_subsidiary(work, subsidiary)
    found = find_factor(work, factor) if factor else sub.factoring_company
    if found is None:
        return None
    return noa_warning(sub.name, _saved_noa(sub) if text is None else text, found.name,
                       found.remit_to)


def set_subsidiary_factor(work: Work, subsidiary: str, factor: str | None, *,
                          version: int | None = None) -> FactorChange:
    """The subsidiary now factors with ``factor`` (None: with none). Batches submitted
    already keep the factor they were submitted to. Warns when its Notice of Assignment
    does not name the new factor (or it has none). ``version``: the subsidiary's as the
    form showed it."""
    sub = edited_subsidiary(work, subsidiary, version)
    check(work, sub, version, profile_what(sub))
    stamp(work, sub)
    sub.factoring_company = find_factor(work, factor) if factor else None
    work.flush()
    warning = subsidiary_noa_warning(work, sub.name)
    return FactorChange(get_subsidiary(work, sub.name), [warning] if warning else [])


def give_factor(work: Work, subsidiary: str, factor: str) -> SubsidiaryProfile:
    """A new subsidiary's factor; it starts with the factor's default Notice of Assignment
    when the factor has one."""
    sub = find_subsidiary(work, subsidiary)
    found = find_factor(work, factor)
    sub.factoring_company = found
    work.flush()
    if found.default_noa.strip():
        return set_important_info(work, sub.name, InfoKind.NOTICE_OF_ASSIGNMENT,
                                  found.default_noa)
    return get_subsidiary(work, sub.name)
