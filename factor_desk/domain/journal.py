"""The journal for the bookkeeper (issue #13): double-entry lines for the money of factored
invoices after the purchase, as the LOAN model books them (ERPNext's invoice discounting
posts the same way on disbursement and settlement):

- purchase: Dr Cash (advance), Dr Factoring fees (fee), Dr Reserve receivable (reserve),
  Cr Factoring liability (the factor's amount); what the report did not itemise goes to
  Factoring differences, so the entry balances;
- the debtor pays the factor: Dr Factoring liability, Cr Accounts receivable;
- short pay: Dr Short pays, Cr Accounts receivable;
- the debtor pays the carrier directly: Dr Cash, Cr Accounts receivable;
- chargeback: Dr Factoring liability, Cr Reserve receivable;
- reserve release: Dr Cash, Cr Reserve receivable; reserve fee: Dr Factoring fees,
  Cr Reserve receivable; adjustment (signed): Reserve receivable against Factoring
  differences.

The invoice itself (Dr Accounts receivable, Cr Sales) is the bookkeeper's own entry when
the carrier bills; the journal starts where the factor comes in. Plain data: the services
build a Journal, the documents write it as CSV or QuickBooks IIF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from factor_desk.domain.money import from_cents


class Account(StrEnum):
    """The role of an account in the journal; the bookkeeper names each (settings)."""

    CASH = "cash"
    ACCOUNTS_RECEIVABLE = "accounts_receivable"
    FACTORING_FEES = "factoring_fees"
    RESERVE_RECEIVABLE = "reserve_receivable"
    FACTORING_LIABILITY = "factoring_liability"
    SHORT_PAYS = "short_pays"
    FACTORING_DIFFERENCES = "factoring_differences"


# The account names used until the bookkeeper sets others (``reports journal-accounts``).
DEFAULT_ACCOUNT_NAMES: dict[Account, str] = {
    Account.CASH: "Checking",
    Account.ACCOUNTS_RECEIVABLE: "Accounts Receivable",
    Account.FACTORING_FEES: "Factoring Fees",
    Account.RESERVE_RECEIVABLE: "Factor Reserve Receivable",
    Account.FACTORING_LIABILITY: "Factoring Liability",
    Account.SHORT_PAYS: "Short Pays",
    Account.FACTORING_DIFFERENCES: "Factoring Differences",
}

ACCOUNT_PURPOSES: dict[Account, str] = {
    Account.CASH: "the bank account the factor and debtors pay into (asset)",
    Account.ACCOUNTS_RECEIVABLE: "what the debtors owe on the invoices (asset)",
    Account.FACTORING_FEES: "the factor's fees, at purchase and from the reserve (expense)",
    Account.RESERVE_RECEIVABLE: "the reserve the factor holds back for the carrier (asset)",
    Account.FACTORING_LIABILITY: "what the factor advanced against the invoices (liability)",
    Account.SHORT_PAYS: "what debtors did not pay and was written off (expense)",
    Account.FACTORING_DIFFERENCES: "what the factor's figures do not itemise, and "
                                   "reserve adjustments",
}

# QuickBooks account types (IIF ACCNTTYPE) of each role, for a bookkeeper making them.
QUICKBOOKS_TYPES: dict[Account, str] = {
    Account.CASH: "BANK", Account.ACCOUNTS_RECEIVABLE: "AR",
    Account.FACTORING_FEES: "EXP", Account.RESERVE_RECEIVABLE: "OCASSET",
    Account.FACTORING_LIABILITY: "OCLIAB", Account.SHORT_PAYS: "EXP",
    Account.FACTORING_DIFFERENCES: "EXP",
}

SETTING_PREFIX = "journal.account."
MAX_ACCOUNT_NAME = 100


def setting_key(account: Account) -> str:
    """The ``settings`` row that names ``account``: ``journal.account.cash``."""
    return SETTING_PREFIX + account.value


def parse_account(word: str) -> Account:
    """The account a clerk names: ``cash``, ``accounts-receivable``, ``Reserve Receivable``
    or the setting's key ``journal.account.cash``; ValueError says which there are."""
    text = word.strip().lower()
    if text.startswith(SETTING_PREFIX):
        text = text[len(SETTING_PREFIX):]
    text = "_".join(text.replace("-", " ").replace("_", " ").split())
    try:
        return Account(text)
    except ValueError:
        raise ValueError(f"there is no journal account {word.strip()!r}; the accounts are "
                         + ", ".join(a.value for a in Account)) from None


def check_account_name(name: str) -> str:
    """The name, trimmed; ValueError for one no ledger takes (a tab or line break would
    break the IIF file's columns)."""
    text = name.strip()
    if any(c in text for c in "\t\r\n"):
        raise ValueError("an account name cannot hold a tab or a line break")
    if len(text) > MAX_ACCOUNT_NAME:
        raise ValueError(f"an account name is at most {MAX_ACCOUNT_NAME} characters, "
                         f"this one has {len(text)}")
    return text


class EntryType(StrEnum):
    """What a journal entry records. Entries of one day are ordered as listed here."""

    PURCHASE = "purchase"
    PAYMENT = "payment"  # the debtor paid the factor (payment report)
    SHORT_PAY = "short_pay"
    DIRECT_PAYMENT = "direct_payment"
    CHARGEBACK = "chargeback"
    RELEASE = "release"
    FEE = "fee"
    ADJUSTMENT = "adjustment"


ENTRY_ORDER = {kind: n for n, kind in enumerate(EntryType)}


@dataclass(frozen=True)
class JournalLine:
    """One line: an account debited or credited (one of the two is zero), in cents.
    ``name`` is the debtor on an Accounts receivable line (QuickBooks wants a customer
    there), else empty."""

    account: Account
    account_name: str
    debit_cents: int
    credit_cents: int
    name: str = ""

    @property
    def debit(self) -> Decimal:
        return from_cents(self.debit_cents)

    @property
    def credit(self) -> Decimal:
        return from_cents(self.credit_cents)

    @property
    def signed_cents(self) -> int:
        """Debit positive, credit negative (as QuickBooks reads an amount)."""
        return self.debit_cents - self.credit_cents


@dataclass(frozen=True)
class JournalEntry:
    """One entry: its lines balance to the cent."""

    date: dt.date
    type: EntryType
    invoice_number: str  # "" for a reserve movement of no one invoice
    memo: str
    reference: str
    lines: tuple[JournalLine, ...]

    @property
    def debit_cents(self) -> int:
        return sum(line.debit_cents for line in self.lines)

    @property
    def credit_cents(self) -> int:
        return sum(line.credit_cents for line in self.lines)

    @property
    def balances(self) -> bool:
        return self.debit_cents == self.credit_cents


@dataclass(frozen=True)
class AccountTotal:
    account: str  # the account's name
    debit: Decimal
    credit: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "debit": str(self.debit), "credit": str(self.credit)}


@dataclass
class Journal:
    """The entries dated from ``since`` to ``until`` (both included), in order."""

    since: dt.date
    until: dt.date
    entries: list[JournalEntry] = field(default_factory=list)

    @property
    def line_count(self) -> int:
        return sum(len(e.lines) for e in self.entries)

    @property
    def debit(self) -> Decimal:
        return from_cents(sum(e.debit_cents for e in self.entries))

    @property
    def credit(self) -> Decimal:
        return from_cents(sum(e.credit_cents for e in self.entries))

    def cents_by_role(self) -> dict[Account, tuple[int, int]]:
        """(debits, credits) in cents of each account role."""
        out = {a: (0, 0) for a in Account}
        for entry in self.entries:
            for line in entry.lines:
                d, c = out[line.account]
                out[line.account] = (d + line.debit_cents, c + line.credit_cents)
        return out

    def totals(self) -> list[AccountTotal]:
        """Debits and credits of each account by its name, in the order first used."""
        cents: dict[str, list[int]] = {}
        for entry in self.entries:
            for line in entry.lines:
                pair = cents.setdefault(line.account_name, [0, 0])
                pair[0] += line.debit_cents
                pair[1] += line.credit_cents
        return [AccountTotal(name, from_cents(d), from_cents(c))
                for name, (d, c) in cents.items()]

    def to_dict(self) -> dict[str, Any]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "entries": len(self.entries), "lines": self.line_count,
                "debit": str(self.debit), "credit": str(self.credit),
                "accounts": [t.to_dict() for t in self.totals()]}
