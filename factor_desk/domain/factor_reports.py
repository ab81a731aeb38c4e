"""The words of the factor's reports: what kind an upload is, what became of an import, what
the factor did with an invoice, and what a row of an upload comes to. The values are those
the database keeps and the command line's --json prints."""

from __future__ import annotations

from enum import StrEnum


class ReportKind(StrEnum):
    """What a kept upload (a ``report_imports`` row) was."""

    PURCHASE = "purchase"
    PAYMENTS = "payments"
    LOADS = "loads"
    # The factor's reserve report: releases, chargebacks, fees and adjustments (#13).
    RESERVE = "reserve"


class ImportStatus(StrEnum):
    APPLIED = "applied"
    UNDONE = "undone"


class PurchaseStatus(StrEnum):
    """What the factor's purchase report says it did with an invoice."""

    PURCHASED = "purchased"
    HELD = "held"
    REJECTED = "rejected"

    @classmethod
    def parse(cls, word: str) -> PurchaseStatus | None:
        """The status a portal's word means (``Funded``, ``On hold``, ``Declined``...);
        None when the word is none of them."""
        return _STATUS_WORDS.get(word.strip().lower())


_STATUS_WORDS = {
    "purchased": PurchaseStatus.PURCHASED, "purchase": PurchaseStatus.PURCHASED,
    "funded": PurchaseStatus.PURCHASED, "approved": PurchaseStatus.PURCHASED,
    "bought": PurchaseStatus.PURCHASED, "paid": PurchaseStatus.PURCHASED,
    "held": PurchaseStatus.HELD, "hold": PurchaseStatus.HELD,
    "on hold": PurchaseStatus.HELD, "pending": PurchaseStatus.HELD,
    "rejected": PurchaseStatus.REJECTED, "reject": PurchaseStatus.REJECTED,
    "declined": PurchaseStatus.REJECTED, "denied": PurchaseStatus.REJECTED,
}


class Outcome(StrEnum):
    """What a row of an upload comes to when it is checked."""

    APPLIES = "applies"
    WARNING = "warning"
    ERROR = "error"
    # a later purchase report repeats an invoice an earlier import bought, and agrees with
    # it: nothing to write, not an error
    ALREADY_APPLIED = "already_applied"
