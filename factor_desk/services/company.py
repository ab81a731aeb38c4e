"""Company profile: subsidiaries, their document configuration (important info, the
Notice of Assignment), their factoring company, invoicing method and required documents."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factor_desk.db.models import (
    Company,
    FactoringCompany,
    ImportantInfo,
    Subsidiary,
    max_length,
    utcnow,
)
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, NotFound, Problem
from factor_desk.domain.text import excerpt
from factor_desk.domain.trade import (
    DEFAULT_REQUIRED_DOCUMENTS,
    DocumentKind,
    InfoKind,
    InvoicingMethod,
)
from factor_desk.services.common import current_user, find_subsidiary

NOA_MAX_CHARS = 2000

# The subsidiary fields a clerk edits in "general info", with their labels.
GENERAL_FIELDS = {
    "name": "Name",
    "legal_name": "Legal name",
    "mc_number": "MC number",
    "dot_number": "DOT number",
    "address": "Address",
    "city": "City",
    "state": "State",
    "zip_code": "ZIP",
    "phone": "Phone",
    "email": "Email",
}


@dataclass
class InfoEntry:
    kind: str
    label: str
    text: str
    updated_at: dt.datetime  # UTC
    updated_by: str


@dataclass
class SubsidiaryProfile:
    id: int
    name: str
    code: str
    legal_name: str
    mc_number: str
    dot_number: str
    address: str
    city: str
    state: str
    zip_code: str
    phone: str
    email: str
    factoring_company: str | None
    default_invoicing_method: str
    required_documents: list[str]
    important_info: list[InfoEntry] = field(default_factory=list)

    @property
    def notice_of_assignment(self) -> str | None:
        for entry in self.important_info:
            if entry.kind == InfoKind.NOTICE_OF_ASSIGNMENT:
                return entry.text
        return None


@dataclass
class FactorInfo:
    id: int
    name: str
    remit_to: str
    integration: str
    fee_percent: str
    advance_percent: str
    reserve_percent: str
    email: str = ""


@dataclass
class CompanyProfile:
    name: str | None
    subsidiaries: list[SubsidiaryProfile]
    factoring_companies: list[FactorInfo]


# ------------------------------------------------------------------ reading

_INFO_ORDER = {k.value: i for i, k in enumerate(InfoKind)}


def _profile_of(sub: Subsidiary) -> SubsidiaryProfile:
    return SubsidiaryProfile(
        id=sub.id,
        name=sub.name,
        code=sub.code,
        legal_name=sub.legal_name,
        mc_number=sub.mc_number,
        dot_number=sub.dot_number,
        address=sub.address,
        city=sub.city,
        state=sub.state,
        zip_code=sub.zip_code,
        phone=sub.phone,
        email=sub.email,
        factoring_company=sub.factoring_company.name if sub.factoring_company else None,
        default_invoicing_method=sub.default_invoicing_method,
        required_documents=list(sub.required_documents or []),
        important_info=[
            InfoEntry(
                kind=i.kind,
                label=InfoKind(i.kind).label,
                text=i.text,
                updated_at=i.updated_at,
                updated_by=i.updated_by,
            )
            for i in sorted(sub.important_info, key=lambda i: _INFO_ORDER[i.kind])
        ],
    )


def _percent(basis_points: int) -> str:
    return format(Decimal(basis_points).scaleb(-2).normalize(), "f")


def _factor_info(f: FactoringCompany) -> FactorInfo:
    return FactorInfo(
        id=f.id, name=f.name, remit_to=f.remit_to, integration=f.integration,
        fee_percent=_percent(f.fee_basis_points),
        advance_percent=_percent(f.advance_basis_points),
        reserve_percent=_percent(f.reserve_basis_points), email=f.email,
    )


def get_profile(work: Work) -> CompanyProfile:
    """The whole company profile, as plain data."""
    company = work.execute(select(Company).order_by(Company.id)).scalars().first()
    subs = work.execute(select(Subsidiary).order_by(Subsidiary.name)).scalars().all()
    factors = work.execute(select(FactoringCompany).order_by(FactoringCompany.name)).scalars()
    return CompanyProfile(
        name=company.name if company else None,
        subsidiaries=[_profile_of(s) for s in subs],
        factoring_companies=[_factor_info(f) for f in factors],
    )


def get_subsidiary(work: Work, name: str) -> SubsidiaryProfile:
    return _profile_of(find_subsidiary(work, name))


# ------------------------------------------------------------------ creating


def ensure_company(work: Work, name: str) -> Company:
    company = work.execute(select(Company).order_by(Company.id)).scalars().first()
    if company is None:
        company = Company(name=name)
        work.add(company)
        work.flush()
    return company


def _code_for(session: Session, name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name.upper())
    stop = {"LLC", "INC", "CO", "CORP", "THE", "AND", "LTD"}
    base = "".join(w[0] for w in words if w not in stop)[:6] or "SUB"
    if len(base) < 2:
        base = (words[0] if words else "SUB")[:4]
    code, n = base, 1
    taken = set(session.execute(select(Subsidiary.code)).scalars())
    while code in taken:
        n += 1
        code = f"{base}{n}"
    return code


def add_subsidiary(
    work: Work,
    name: str,
    *,
    code: str | None = None,
    company_name: str | None = None,
    default_invoicing_method: str = InvoicingMethod.FACTORING,
    required_documents: list[str] | None = None,
    factor: str | None = None,
    **general: str,
) -> SubsidiaryProfile:
    """Add a carrier to the company. Its batches are numbered ``CODE-0001``. With
    ``factor``, it factors with it and starts with the factor's default NOA, if any."""
    name = name.strip()
    unknown = set(general) - set(GENERAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown subsidiary fields: {sorted(unknown)}")
    problems = [Problem(f"{GENERAL_FIELDS[k]} is longer than {max_length(Subsidiary, k)} "
                        "characters") for k, v in {"name": name, **general}.items()
                if len((v or "").strip()) > max_length(Subsidiary, k)]
    if not name:
        problems.append(Problem("A subsidiary needs a name."))
    elif work.execute(select(Subsidiary.id).where(
            func.lower(Subsidiary.name) == name.lower())).first():
        problems.append(Problem(f"A subsidiary named {excerpt(name)} already exists."))
    code = (code or "").strip().upper() or _code_for(work, name)
    if len(code) > max_length(Subsidiary, "code") or \
            work.execute(select(Subsidiary.id).where(Subsidiary.code == code)).first():
        problems.append(Problem(f"The code {excerpt(code)} is taken or longer than "
                                f"{max_length(Subsidiary, 'code')} characters; batches are "
                                "numbered with it (CODE-0001): give another."))
    try:
        method = InvoicingMethod.parse(default_invoicing_method).value
    except ValueError as exc:
        problems.append(Problem(f"Invoicing method: {exc}."))
    if problems:
        raise InputRefused(problems)
    company = ensure_company(work, company_name or name)
    sub = Subsidiary(
        company=company,
        name=name,
        code=code,
        default_invoicing_method=method,
        required_documents=[
            DocumentKind.parse(k).value
            for k in (required_documents if required_documents is not None
                      else DEFAULT_REQUIRED_DOCUMENTS)
        ],
        last_batch_number=0,
        **{k: (v or "").strip() for k, v in general.items()},
    )
    work.add(sub)
    work.flush()
    if factor:
        from factor_desk.services.factor_profiles import give_factor

        return give_factor(work, sub.name, factor)
    return _profile_of(sub)


def add_factoring_company(
    work: Work,
    name: str,
    *,
    remit_to: str = "",
    fee_percent: str = "0",
    advance_percent: str | None = None,
    reserve_percent: str = "0",
    recourse: bool = False,
) -> FactorInfo:
    """A new factoring company. Its terms add up (services/factors.py): without an advance,
    it is what the fee and the reserve leave (a 2.5% fee: a 97.5% advance)."""
    from factor_desk.services.factor_profiles import check_new_factor_name
    from factor_desk.services.factors import check_terms, default_advance, read_percent

    check_new_factor_name(work, name)
    fee = read_percent(fee_percent, "Fee")
    reserve = read_percent(reserve_percent, "Reserve")
    advance = (default_advance(fee, reserve) if advance_percent is None
               else read_percent(advance_percent, "Advance"))
    problems = check_terms(name.strip(), advance, fee, reserve)
    if problems:
        raise InputRefused(problems)

    def bp(value: Decimal) -> int:
        return int((value * 100).to_integral_value())

    factor = FactoringCompany(
        name=name.strip(),
        remit_to=remit_to.strip(),
        integration="non_api",
        fee_basis_points=bp(fee),
        advance_basis_points=bp(advance),
        reserve_basis_points=bp(reserve),
        recourse=recourse,
    )
    work.add(factor)
    work.flush()
    return _factor_info(factor)


# ------------------------------------------------------------------ editing


def update_subsidiary(work: Work, subsidiary: str, **changes: str) -> SubsidiaryProfile:
    """Edit the subsidiary's general info (the fields of GENERAL_FIELDS)."""
    sub = find_subsidiary(work, subsidiary)
    problems = []
    for key, value in changes.items():
        if key not in GENERAL_FIELDS:
            raise TypeError(f"unknown subsidiary field {key!r}")
        value = (value or "").strip()
        limit = max_length(Subsidiary, key)
        if limit and len(value) > limit:
            problems.append(Problem(f"{GENERAL_FIELDS[key]} is longer than {limit} characters"))
        if key == "name":
            if not value:
                problems.append(Problem("A subsidiary needs a name."))
            else:
                clash = work.execute(
                    select(Subsidiary.id).where(
                        func.lower(Subsidiary.name) == value.lower(), Subsidiary.id != sub.id
                    )
                ).first()
                if clash:
                    problems.append(Problem(f"A subsidiary named {excerpt(value)} already exists."))
    if problems:
        raise InputRefused(problems)
    for key, value in changes.items():
        setattr(sub, key, (value or "").strip())
    work.flush()
    return _profile_of(sub)


def set_important_info(
    work: Work, subsidiary: str, kind: str, text: str, *, user: str | None = None
) -> SubsidiaryProfile:
    """Save an important-info entry (one per kind). For the Notice of Assignment the text
    is kept exactly as the factor gave it, but for surrounding blank space."""
    sub = find_subsidiary(work, subsidiary)
    try:
        info_kind = InfoKind.parse(kind)
    except ValueError as exc:
        raise InputRefused([str(exc)]) from None
    text = (text or "").strip()
    if not text:
        raise InputRefused([f"The {info_kind.label} text is empty; paste the text to save."])
    if len(text) > NOA_MAX_CHARS:
        raise InputRefused(
            [f"The {info_kind.label} text is {len(text)} characters; at most "
             f"{NOA_MAX_CHARS} fit on an invoice."]
        )
    entry = next((i for i in sub.important_info if i.kind == info_kind.value), None)
    if entry is None:
        entry = ImportantInfo(kind=info_kind.value, text=text)
        sub.important_info.append(entry)
    entry.text = text
    entry.updated_at = utcnow()
    entry.updated_by = user or current_user(work)
    work.flush()
    return _profile_of(sub)


def remove_important_info(work: Work, subsidiary: str, kind: str) -> SubsidiaryProfile:
    sub = find_subsidiary(work, subsidiary)
    info_kind = InfoKind.parse(kind)
    entry = next((i for i in sub.important_info if i.kind == info_kind.value), None)
    if entry is None:
        raise NotFound(f"{sub.name} has no {info_kind.label}.")
    sub.important_info.remove(entry)
    work.flush()
    return _profile_of(sub)


def set_factoring_company(
    work: Work, subsidiary: str, factor_name: str | None
) -> SubsidiaryProfile:
    sub = find_subsidiary(work, subsidiary)
    if factor_name is None:
        sub.factoring_company = None
    else:
        from factor_desk.services.factors import factor_id_named

        found = factor_id_named(work, factor_name)
        factor = work.get(FactoringCompany, found) if found is not None else None
        if factor is None:
            raise NotFound(f"No factoring company named {excerpt(factor_name)}.")
        sub.factoring_company = factor
    work.flush()
    return _profile_of(sub)


def set_default_invoicing_method(
    work: Work, subsidiary: str, method: str
) -> SubsidiaryProfile:
    sub = find_subsidiary(work, subsidiary)
    try:
        sub.default_invoicing_method = InvoicingMethod.parse(method).value
    except ValueError as exc:
        raise InputRefused([str(exc)]) from None
    work.flush()
    return _profile_of(sub)


def set_required_documents(
    work: Work, subsidiary: str, kinds: list[str]
) -> SubsidiaryProfile:
    """The documents a load needs before it can be factored; an empty list needs none."""
    sub = find_subsidiary(work, subsidiary)
    parsed: list[str] = []
    problems = []
    for k in kinds:
        try:
            kind = DocumentKind.parse(k).value
        except ValueError as exc:
            problems.append(Problem(str(exc)))
            continue
        if kind not in parsed:
            parsed.append(kind)
    if problems:
        raise InputRefused(problems)
    sub.required_documents = parsed
    work.flush()
    return _profile_of(sub)


# ------------------------------------------------------------------ starting


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
