"""The statuses of a batch (issue #12), from the statuses of the invoices still in it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from factor_desk.domain.lifecycle import BillingStatus


class BatchStatus(StrEnum):
    SUBMITTED = "Submitted"
    PARTIALLY_PURCHASED = "Partially purchased"
    PURCHASED = "Purchased"
    PARTIALLY_PAID = "Partially paid"
    CLOSED = "Closed"
    # Every load of it went back to Queued before the factor bought any; kept as sent.
    REVERSED = "Reversed"


def batch_status(statuses: Mapping[str, int], *, reversed_: bool = False,
                 recalled: int = 0) -> BatchStatus:
    """A batch's status from the count of each load status of the invoices still in it
    (recalled ones are left out by the caller; ``recalled`` says how many there were)."""
    if reversed_:
        return BatchStatus.REVERSED
    total = sum(statuses.values())
    completed = statuses.get(BillingStatus.COMPLETED, 0)
    # a charged-back invoice was bought too: the factor gave it back later
    bought = (statuses.get(BillingStatus.FINANCED, 0) + completed
              + statuses.get(BillingStatus.CHARGED_BACK, 0))
    if not total:
        # every invoice was recalled: nothing of it is open any more
        return BatchStatus.CLOSED if recalled else BatchStatus.SUBMITTED
    if completed == total:
        return BatchStatus.CLOSED
    if bought == total:  # the steps come in order: paid in part once bought whole
        return BatchStatus.PARTIALLY_PAID if completed else BatchStatus.PURCHASED
    if bought:
        return BatchStatus.PARTIALLY_PURCHASED
    return BatchStatus.SUBMITTED
