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
from factor_desk.domain.text import clip, excerpt
from factor_desk.domain.trade import (
    DEFAULT_REQUIRED_DOCUMENTS,
    DocumentKind,
    InfoKind,
    InvoicingMethod,
)
from factor_desk.domain.versions import StaleEdit
from factor_desk.services.common import current_user, find_subsidiary
from factor_desk.services.edit_versions import check, stamp

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
    version: int = 1  # what its editor sends back (services/edit_versions.py)


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
    # What the Company profile's form sends back with its save (services/edit_versions.py).
    version: int = 1

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
                version=i.version,
            )
            for i in sorted(sub.important_info, key=lambda i: _INFO_ORDER[i.kind])
        ],
        version=sub.version,
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


def profile_what(sub: Subsidiary) -> str:
    return f"the Company profile of {sub.name}"


def edited_subsidiary(work: Work, subsidiary: str, version: int | None) -> Subsidiary:
    """The subsidiary named ``subsidiary``, locked, for a form's save (``version`` given:
    a name that names none any more was renamed since the form read it, a StaleEdit that
    offers to reload) or the command line's (None: NotFound)."""
    try:
        return find_subsidiary(work, subsidiary, lock=True)
    except NotFound:
        if version is None:
            raise
        raise StaleEdit(clip(subsidiary.strip(), 60), None, None, gone=True,
                        gone_how="renamed or removed") from None


def _editing(work: Work, subsidiary: str, version: int | None) -> Subsidiary:
    """The subsidiary named ``subsidiary``, locked, its edit counted; refused when the
    form's ``version`` is not its own any more."""
    sub = edited_subsidiary(work, subsidiary, version)
    check(work, sub, version, profile_what(sub))
    stamp(work, sub)
    return sub


def save_subsidiary(work: Work, subsidiary: str, general: dict[str, str], *,
                    factoring_company: str | None, default_invoicing_method: str,
                    required_documents: list[str], version: int | None = None
                    ) -> SubsidiaryProfile:
    """The Company profile's form of a subsidiary, saved whole (one edit of it); refused
    when ``version`` (the one the form showed) is not the subsidiary's any more."""
    profile = update_subsidiary(work, subsidiary, version=version, **general)
    set_factoring_company(work, profile.name, factoring_company)
    set_default_invoicing_method(work, profile.name, default_invoicing_method)
    return set_required_documents(work, profile.name, required_documents)


def update_subsidiary(work: Work, subsidiary: str, *, version: int | None = None,
                      **changes: str) -> SubsidiaryProfile:
    """Edit the subsidiary's general info (the fields of GENERAL_FIELDS)."""
    sub = _editing(work, subsidiary, version)
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
    work: Work, subsidiary: str, kind: str, text: str, *, user: str | None = None,
    version: int | None = None,
) -> SubsidiaryProfile:
    """Save an important-info entry (one per kind). For the Notice of Assignment the text
    is kept exactly as the factor gave it, but for surrounding blank space. ``version``:
    the entry's as the editor showed it, 0 when it showed none (adding one); refused when
    another clerk saved (or removed) it since."""
    # The subsidiary's row is the lock: two clerks saving its entries take turns.
    sub = edited_subsidiary(work, subsidiary, version)
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
    _check_entry(sub, info_kind, entry, version)
    if entry is None:
        entry = ImportantInfo(kind=info_kind.value, text=text)
        sub.important_info.append(entry)
    # The next of the subsidiary's numbers (migration 0014), never the entry's own + 1: an
    # entry removed and added again must not show a version a form still holds.
    sub.info_versions = max(sub.info_versions or 0, entry.version or 0) + 1
    entry.version = sub.info_versions
    entry.text = text
    entry.updated_at = utcnow()
    entry.updated_by = user or current_user(work)
    work.flush()
    return _profile_of(sub)


def _check_entry(sub: Subsidiary, kind: InfoKind, entry: ImportantInfo | None,
                 version: int | None) -> None:
    """Refuse an edit of the entry whose editor showed ``version`` (0: no entry) when the
    entry is at another one now, or was removed."""
    if version is None:
        return
    what = f"the {kind.label} of {sub.name}"
    if entry is None and version:
        raise StaleEdit(what, None, None, gone=True)
    if entry is not None and entry.version != version:
        raise StaleEdit(what, entry.updated_by, entry.updated_at)


def remove_important_info(work: Work, subsidiary: str, kind: str, *,
                          version: int | None = None) -> SubsidiaryProfile:
    """Remove an entry; refused when ``version`` (the one shown) is not its own any more."""
    sub = edited_subsidiary(work, subsidiary, version)
    info_kind = InfoKind.parse(kind)
    entry = next((i for i in sub.important_info if i.kind == info_kind.value), None)
    _check_entry(sub, info_kind, entry, version)
    if entry is None:
        raise NotFound(f"{sub.name} has no {info_kind.label}.")
    sub.important_info.remove(entry)
    work.flush()
    return _profile_of(sub)


def set_factoring_company(
    work: Work, subsidiary: str, factor_name: str | None, *, version: int | None = None
) -> SubsidiaryProfile:
    sub = _editing(work, subsidiary, version)
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
    work: Work, subsidiary: str, method: str, *, version: int | None = None
) -> SubsidiaryProfile:
    sub = _editing(work, subsidiary, version)
    try:
        sub.default_invoicing_method = InvoicingMethod.parse(method).value
    except ValueError as exc:
        raise InputRefused([str(exc)]) from None
    work.flush()
    return _profile_of(sub)


def set_required_documents(
    work: Work, subsidiary: str, kinds: list[str], *, version: int | None = None
) -> SubsidiaryProfile:
    """The documents a load needs before it can be factored; an empty list needs none."""
    sub = _editing(work, subsidiary, version)
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
