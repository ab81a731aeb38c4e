"""The first run's company, saved at once: the company, its first subsidiary, the factor
it factors with and its Notice of Assignment (moved from services/company.py, which had
grown past its size)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from factor_desk.db.models import Company, Subsidiary, max_length
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.text import excerpt
from factor_desk.domain.trade import InfoKind
from factor_desk.services.company import (
    GENERAL_FIELDS,
    SubsidiaryProfile,
    add_factoring_company,
    add_subsidiary,
    ensure_company,
    set_factoring_company,
    set_important_info,
)


def start_company(
    work: Work,
    company_name: str,
    subsidiary: dict[str, str],
    *,
    factor: dict[str, str],
    notice_of_assignment: str,
    required_documents: list[str],
) -> SubsidiaryProfile:
    """The first run's wizard, saved at once (``work``: one write, so all of it or none):
    the company, its first subsidiary (``subsidiary``: GENERAL_FIELDS and ``code``), the
    factoring company (``factor``: name, remit_to, fee/advance/reserve percents) the
    subsidiary factors through, its Notice of Assignment and the documents required."""
    if work.execute(select(Company.id)).first():
        raise InputRefused(["This data already holds a company; add subsidiaries in "
                            "Company profile."])
    company_name = company_name.strip()
    general = {k: v for k, v in subsidiary.items() if k != "code"}
    factor_name = (factor.get("name") or "").strip()
    problems = []
    if not company_name:
        problems.append(Problem("The company needs a name."))
    if not (general.get("name") or "").strip():
        problems.append(Problem("The subsidiary needs a name."))
    if not factor_name:
        problems.append(Problem("The factoring company needs a name."))
    for key, value in general.items():
        limit = max_length(Subsidiary, key) if key in GENERAL_FIELDS else None
        if limit and len((value or "").strip()) > limit:
            problems.append(Problem(f"{GENERAL_FIELDS[key]} is longer than {limit} characters"))
    terms: dict[str, str] = {}
    for key, default in (("fee_percent", "0"), ("advance_percent", ""),
                         ("reserve_percent", "0")):
        text = (factor.get(key) or "").strip().rstrip("%").strip() or default
        if not text:  # no advance given: what the fee and the reserve leave
            continue
        try:
            percent = Decimal(text)
        except ArithmeticError:
            percent = Decimal("NaN")
        if not percent.is_finite() or not 0 <= percent <= 100:
            label = key.removesuffix("_percent").capitalize()
            problems.append(Problem(f"{label} is {excerpt(text)}; give a percent from 0 "
                                    "to 100."))
        terms[key] = text
    if problems:
        raise InputRefused(problems)
    ensure_company(work, company_name)
    add_factoring_company(work, factor_name, remit_to=factor.get("remit_to") or "",
                          fee_percent=terms["fee_percent"],
                          advance_percent=terms.get("advance_percent"),
                          reserve_percent=terms["reserve_percent"])
    profile = add_subsidiary(work, general.pop("name"), code=subsidiary.get("code") or None,
                             company_name=company_name,
                             required_documents=required_documents, **general)
    set_factoring_company(work, profile.name, factor_name)
    return set_important_info(work, profile.name, InfoKind.NOTICE_OF_ASSIGNMENT,
                              notice_of_assignment)


def notice_template(factor_name: str, remit_to: str) -> str:
    """A Notice of Assignment naming the factor, for the clerk to check against the one
    the factor gave."""
    name = factor_name.strip() or "[FACTORING COMPANY]"
    lines = [line.strip() for line in remit_to.splitlines() if line.strip()]
    if lines and lines[0].lower().rstrip(".,") in name.lower():  # the name again
        lines = lines[1:]
    where = ", ".join(lines)
    to = f"{name.upper()}, {where.upper()}" if where else name.upper()
    return ("NOTICE OF ASSIGNMENT: THIS INVOICE HAS BEEN ASSIGNED TO AND MUST BE PAID "
            f"DIRECTLY TO {to}. PAYMENT TO ANY OTHER PARTY DOES NOT DISCHARGE YOUR "
            "OBLIGATION.")
