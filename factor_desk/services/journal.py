"""The journal for the bookkeeper (issue #13): every purchase, payment, short pay, direct
payment, chargeback and reserve movement dated in a period, as balanced double-entry lines
(domain/journal.py says how each is booked), and the names the bookkeeper gives the
accounts (the ``settings`` table).

The rows are those services/ledger.py adds up: every purchase record, payment and ledger
entry in the tables counts (an undone import's rows are deleted with its undo), recalled
invoices count in nothing. So over all dates the journal's accounts tie to
``invoice_money()`` and ``reserve_figures()`` to the cent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import aliased

from factor_desk.db.models import (
    Batch,
    Customer,
    FactoringCompany,
    Invoice,
    LedgerEntry,
    Load,
    Payment,
    PurchaseRecord,
    ReportImport,
    Setting,
)
from factor_desk.db.work import Work
from factor_desk.documents.journal_files import format_for, journal_bytes
from factor_desk.documents.saving import write_new_file
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import PurchaseStatus
from factor_desk.domain.journal import (
    ACCOUNT_PURPOSES,
    DEFAULT_ACCOUNT_NAMES,
    ENTRY_ORDER,
    SETTING_PREFIX,
    Account,
    EntryType,
    Journal,
    JournalEntry,
    JournalLine,
    check_account_name,
    parse_account,
    setting_key,
)
from factor_desk.domain.ledger import EntryKind

# ------------------------------------------------------------------ account names


@dataclass(frozen=True)
class JournalAccount:
    """One account of the journal: its key, the name the bookkeeper gave it (or the
    default), and what it holds."""

    key: str
    name: str
    default: str
    purpose: str

    @property
    def is_default(self) -> bool:
        return self.name == self.default

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "default": self.default,
                "is_default": self.is_default, "purpose": self.purpose}


def account_names(work: Work) -> dict[Account, str]:
    """The name of each account: the bookkeeper's setting, else the default."""
    stored = dict(work.execute(
        select(Setting.key, Setting.value).where(Setting.key.startswith(SETTING_PREFIX))).all())
    names = {}
    for account in Account:
        value = (stored.get(setting_key(account)) or "").strip()
        names[account] = value or DEFAULT_ACCOUNT_NAMES[account]
    return names


def journal_accounts(work: Work) -> list[JournalAccount]:
    """Every account of the journal, with its name and its default."""
    names = account_names(work)
    return [JournalAccount(a.value, names[a], DEFAULT_ACCOUNT_NAMES[a], ACCOUNT_PURPOSES[a])
            for a in Account]


def set_journal_accounts(work: Work, changes: dict[str, str]) -> list[JournalAccount]:
    """Name accounts, all or nothing: ``{"cash": "Operating Checking"}``; an empty name
    goes back to the default. Refused (InputRefused, every reason) for an unknown account
    or a name no ledger takes."""
    problems: list[Problem] = []
    checked: dict[Account, str] = {}
    for key, name in changes.items():
        try:
            account = parse_account(key)
            checked[account] = check_account_name(name)
        except ValueError as exc:
            problems.append(Problem(str(exc), column=key))
    if problems:
        raise InputRefused(problems)
    for account, name in checked.items():
        row = work.get(Setting, setting_key(account), with_for_update=True)
        if not name or name == DEFAULT_ACCOUNT_NAMES[account]:
            work.execute(delete(Setting).where(Setting.key == setting_key(account)))
        elif row is None:
            work.add(Setting(key=setting_key(account), value=name))
        else:
            row.value = name
    work.flush()
    return journal_accounts(work)


# ------------------------------------------------------------------ the journal


def check_period(since: dt.date, until: dt.date) -> None:
    if since > until:
        raise InputRefused([Problem(
            f"the period starts on {since.isoformat()}, after it ends on "
            f"{until.isoformat()}; give the first day, then the last day")])


def _import_reference(import_id: int | None, file_name: str | None) -> str:
    return f"import #{import_id} {file_name}" if import_id is not None else ""


def _about(invoice_number: str | None, load_number: str | None, debtor: str | None,
           factor: str | None) -> str:
    """"invoice 1001 (load 1001), Summit Brokerage, Capital Depot"."""
    parts = []
    if invoice_number:
        load = f" (load {load_number})" if load_number and load_number != invoice_number \
            else ""
        parts.append(f"invoice {invoice_number}{load}")
    parts.extend(p for p in (debtor, factor) if p)
    return ", ".join(parts)


class _Lines:
    """The lines of one entry, each given signed (debit positive); zero lines dropped."""

    def __init__(self, names: dict[Account, str], debtor: str):
        self.names, self.debtor = names, debtor
        self.lines: list[JournalLine] = []

    def add(self, account: Account, signed_cents: int) -> None:
        if signed_cents == 0:
            return
        name = self.debtor if account is Account.ACCOUNTS_RECEIVABLE else ""
        self.lines.append(JournalLine(account, self.names[account], max(signed_cents, 0),
                                      max(-signed_cents, 0), name))

    def pair(self, debit: Account, credit: Account, cents: int) -> None:
        self.add(debit, cents)
        self.add(credit, -cents)


def _invoice_columns() -> tuple[Any, ...]:
    return (Invoice.invoice_number, Load.load_number, Customer.name, FactoringCompany.name)


def _open_invoices(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` over an Invoice joined to its load, debtor and factor; recalled invoices
    out (they count in nothing)."""
    return (stmt.join(Load, Load.id == Invoice.load_id)
            .join(Customer, Customer.id == Load.customer_id)
            .join(Batch, Batch.id == Invoice.batch_id)
            .join(FactoringCompany, FactoringCompany.id == Batch.factoring_company_id)
            .where(Invoice.recalled_at.is_(None)))


_WHAT = {
    EntryType.PURCHASE: "Purchased by the factor",
    EntryType.PAYMENT: "Paid to the factor",
    EntryType.SHORT_PAY: "Short pay",
    EntryType.DIRECT_PAYMENT: "Paid to the carrier directly",
    EntryType.CHARGEBACK: "Charged back from the reserve",
    EntryType.RELEASE: "Reserve released",
    EntryType.FEE: "Fee taken from the reserve",
    EntryType.ADJUSTMENT: "Reserve adjusted",
}


def journal(work: Work, since: dt.date, until: dt.date) -> Journal:
    """The journal of the entries dated ``since`` to ``until`` (both included), ordered by
    date, then kind (purchases, payments, short pays, direct payments, chargebacks,
    releases, fees, adjustments), then invoice. Each entry balances to the cent. Refused
    when ``since`` is after ``until``."""
    check_period(since, until)
    names = account_names(work)
    entries: list[tuple[tuple[Any, ...], JournalEntry]] = []

    def add(date: dt.date, kind: EntryType, invoice_number: str | None, about: str,
            reference: str, lines: _Lines, order_id: int, detail: str = "") -> None:
        if not lines.lines:
            return
        memo = _WHAT[kind] + (f" ({detail})" if detail else "")
        memo += f": {about}" if about else ""
        entry = JournalEntry(date, kind, invoice_number or "", memo, reference,
                             tuple(lines.lines))
        assert entry.balances, entry  # the booking rules balance by construction
        entries.append(((date, ENTRY_ORDER[kind], invoice_number or "", order_id), entry))

    # Purchases: the factor's amount against what it paid, kept and charged.
    purchases = _open_invoices(
        select(PurchaseRecord.id, PurchaseRecord.purchase_date,
               PurchaseRecord.invoice_amount_cents, PurchaseRecord.advance_cents,
               PurchaseRecord.fee_cents, PurchaseRecord.reserve_cents,
               PurchaseRecord.import_id, ReportImport.file_name, *_invoice_columns())
        .join(Invoice, Invoice.id == PurchaseRecord.invoice_id)
        .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
        .where(PurchaseRecord.status == PurchaseStatus.PURCHASED.value,
               PurchaseRecord.purchase_date.between(since, until)))
    for (rid, date, factor_amount, advance, fee, reserve, import_id, file_name, inv_no,
         load_no, debtor, factor) in work.execute(purchases):
        lines = _Lines(names, debtor)
        advance, fee, reserve = advance or 0, fee or 0, reserve or 0
        lines.add(Account.CASH, advance)
        lines.add(Account.FACTORING_FEES, fee)
        lines.add(Account.RESERVE_RECEIVABLE, reserve)
        lines.add(Account.FACTORING_DIFFERENCES, factor_amount - advance - fee - reserve)
        lines.add(Account.FACTORING_LIABILITY, -factor_amount)
        add(date, EntryType.PURCHASE, inv_no, _about(inv_no, load_no, debtor, factor),
            _import_reference(import_id, file_name), lines, rid)

    # The debtors' payments to the factor (payment reports).
    payments = _open_invoices(
        select(Payment.id, Payment.payment_date, Payment.amount_cents,
               Payment.reference_number, Payment.check_number, Payment.import_id,
               ReportImport.file_name, *_invoice_columns())
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .join(ReportImport, ReportImport.id == Payment.import_id)
        .where(Payment.payment_date.between(since, until)))
    for (pid, date, amount, reference, check, import_id, file_name, inv_no, load_no, debtor,
         factor) in work.execute(payments):
        lines = _Lines(names, debtor)
        lines.pair(Account.FACTORING_LIABILITY, Account.ACCOUNTS_RECEIVABLE, amount)
        add(date, EntryType.PAYMENT, inv_no, _about(inv_no, load_no, debtor, factor),
            reference or (f"check {check}" if check else "")
            or _import_reference(import_id, file_name), lines, pid)

    # Short pays, direct payments and the reserve's movements (ledger entries); the factor
    # is the entry's own, else its invoice's.
    entry_factor = aliased(FactoringCompany)
    moves = (
        select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.entry_date,
               LedgerEntry.amount_cents, LedgerEntry.reference, LedgerEntry.reason,
               LedgerEntry.import_id, ReportImport.file_name, Invoice.invoice_number,
               Load.load_number, Customer.name,
               func.coalesce(entry_factor.name, FactoringCompany.name))
        .outerjoin(Invoice, Invoice.id == LedgerEntry.invoice_id)
        .outerjoin(Load, Load.id == Invoice.load_id)
        .outerjoin(Customer, Customer.id == Load.customer_id)
        .outerjoin(Batch, Batch.id == Invoice.batch_id)
        .outerjoin(FactoringCompany, FactoringCompany.id == Batch.factoring_company_id)
        .outerjoin(entry_factor, entry_factor.id == LedgerEntry.factoring_company_id)
        .outerjoin(ReportImport, ReportImport.id == LedgerEntry.import_id)
        .where(LedgerEntry.entry_date.between(since, until),
               or_(LedgerEntry.invoice_id.is_(None), Invoice.recalled_at.is_(None))))
    for (eid, kind, date, amount, reference, reason, import_id, file_name, inv_no, load_no,
         debtor, factor) in work.execute(moves):
        entry_type = EntryType(kind)
        lines = _Lines(names, debtor or "")
        debit, credit = _BOOKED[EntryKind(kind)]
        lines.pair(debit, credit, amount)
        add(date, entry_type, inv_no, _about(inv_no, load_no, debtor, factor),
            reference or _import_reference(import_id, file_name), lines, eid,
            reason.strip() if kind == EntryKind.SHORT_PAY else "")

    entries.sort(key=lambda pair: pair[0])
    return Journal(since, until, [entry for _key, entry in entries])


# Each ledger entry kind: the account debited and the one credited by its amount (an
# adjustment is signed: a negative one swaps them).
_BOOKED: dict[EntryKind, tuple[Account, Account]] = {
    EntryKind.SHORT_PAY: (Account.SHORT_PAYS, Account.ACCOUNTS_RECEIVABLE),
    EntryKind.DIRECT_PAYMENT: (Account.CASH, Account.ACCOUNTS_RECEIVABLE),
    EntryKind.CHARGEBACK: (Account.FACTORING_LIABILITY, Account.RESERVE_RECEIVABLE),
    EntryKind.RELEASE: (Account.CASH, Account.RESERVE_RECEIVABLE),
    EntryKind.FEE: (Account.FACTORING_FEES, Account.RESERVE_RECEIVABLE),
    EntryKind.ADJUSTMENT: (Account.RESERVE_RECEIVABLE, Account.FACTORING_DIFFERENCES),
}


# ------------------------------------------------------------------ the file


@dataclass(frozen=True)
class JournalFile:
    """A journal written to a file: where, in which format, and what it holds."""

    path: Path
    file_format: str
    journal: Journal

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.file_format,
                **self.journal.to_dict()}


def write_journal(book: Journal, to: str | Path, file_format: str | None = None, *,
                  replace: bool = False) -> JournalFile:
    """Write ``book`` to ``to`` as CSV or QuickBooks IIF (None: by the file's name, .iif
    or else CSV); an existing file is refused unless ``replace``."""
    fmt = format_for(to, file_format)
    path = write_new_file(to, journal_bytes(book, fmt), replace=replace)
    return JournalFile(path, fmt, book)
