"""The money of an invoice after the factor bought it, beyond the factor's payments: what
the ``ledger_entries`` table keeps (issue #13). Each entry is one movement, in cents, with
its date, its reference and where it came from (a reserve report's import, or a clerk).

How the figures add up, to the cent (services/ledger.py computes them in SQL):
- an invoice's balance = its amount - paid (the factor's payments + direct payments)
  - short pay. Charged back does not change the balance: it changes who collects it.
- the reserve held with a factor = reserve (purchase reports) - released - taken by
  chargebacks - taken by fees + adjustments (signed).
"""

from __future__ import annotations

from enum import StrEnum

from factor_desk.domain.text import excerpt


class EntryKind(StrEnum):
    """What one ledger entry is. The last four are the rows of a reserve report."""

    # the open rest of an invoice written off: a final payment row, a payment row with a
    # short pay reason, or ``loads close --short-pay-reason``
    SHORT_PAY = "short_pay"
    # the debtor paid the carrier, not the factor (``loads pay``), e.g. after a chargeback
    DIRECT_PAYMENT = "direct_payment"
    # reserve report: the factor paid reserve out to the carrier
    RELEASE = "release"
    # reserve report: the factor took an invoice back out of the reserve (recourse)
    CHARGEBACK = "chargeback"
    # reserve report: a fee taken from the reserve
    FEE = "fee"
    # reserve report: any other correction, signed (+ adds to the reserve held)
    ADJUSTMENT = "adjustment"


# The kinds a reserve report's Type column may say.
RESERVE_KINDS: tuple[EntryKind, ...] = (
    EntryKind.RELEASE, EntryKind.CHARGEBACK, EntryKind.FEE, EntryKind.ADJUSTMENT)

_RESERVE_WORDS = {
    "release": EntryKind.RELEASE, "released": EntryKind.RELEASE,
    "reserve release": EntryKind.RELEASE, "rebate": EntryKind.RELEASE,
    "chargeback": EntryKind.CHARGEBACK, "charge back": EntryKind.CHARGEBACK,
    "charged back": EntryKind.CHARGEBACK, "recourse": EntryKind.CHARGEBACK,
    "fee": EntryKind.FEE, "fees": EntryKind.FEE,
    "adjustment": EntryKind.ADJUSTMENT, "adjust": EntryKind.ADJUSTMENT,
    "correction": EntryKind.ADJUSTMENT,
}


def parse_reserve_kind(word: str) -> EntryKind:
    """The reserve movement a report's Type cell names; ValueError says what was expected."""
    kind = _RESERVE_WORDS.get(" ".join(word.replace("-", " ").split()).lower())
    if kind is None:
        raise ValueError(f"expected release, chargeback, fee or adjustment, found "
                         f"{excerpt(word)}")
    return kind
