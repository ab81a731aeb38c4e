"""The billing lifecycle of a load, in one place.

Released -> Queued -> Invoiced -> Financed -> Completed. A load moves forward one step at a
time; it moves back only when the batch or import that moved it forward is undone. The
exceptions (EXCEPTIONS) are the moves a clerk or the factor makes when something says no:
back to Released, Void, a recall, a chargeback (Financed -> Charged back: the factor gave
the invoice back, the carrier collects it now) and the debtor's direct payment of a
charged-back invoice (Charged back -> Completed).
"""

from __future__ import annotations

from enum import StrEnum

from factor_desk.domain.errors import LifecycleError
from factor_desk.domain.text import excerpt


class BillingStatus(StrEnum):
    RELEASED = "Released"
    QUEUED = "Queued"
    INVOICED = "Invoiced"
    FINANCED = "Financed"
    COMPLETED = "Completed"
    # The factor charged the invoice back (recourse): it is the carrier's to collect again.
    CHARGED_BACK = "Charged back"
    # Out of the lifecycle: a load that will never be billed (a cancelled or duplicate
    # load). Its load number stays taken.
    VOID = "Void"

    @classmethod
    def parse(cls, text: str) -> BillingStatus:
        key = text.strip().lower()
        for status in cls:
            if status.value.lower() == key:
                return status
        raise ValueError(
            f"expected one of {', '.join(s.value for s in cls)}, found {excerpt(text)}"
        )


# The forward steps of a load's billing; Void is not one of them.
ORDER: tuple[BillingStatus, ...] = (
    BillingStatus.RELEASED, BillingStatus.QUEUED, BillingStatus.INVOICED,
    BillingStatus.FINANCED, BillingStatus.COMPLETED,
)

# The exceptions of the lifecycle (issue #12): moves a clerk makes when the factor or the
# load says no, each with the words of its action. Every other move is a forward step or
# the undo of one (check_move).
EXCEPTIONS: dict[tuple[BillingStatus, BillingStatus], str] = {
    (BillingStatus.QUEUED, BillingStatus.RELEASED): "taken back to Released",
    (BillingStatus.RELEASED, BillingStatus.VOID): "voided",
    (BillingStatus.QUEUED, BillingStatus.VOID): "voided",
    # A recalled invoice, or every invoice of a reversed batch: the factor has not bought it.
    (BillingStatus.INVOICED, BillingStatus.QUEUED): "recalled from its batch",
    # The factor's reserve report charged it back; undoing that report moves it back.
    (BillingStatus.FINANCED, BillingStatus.CHARGED_BACK): "charged back by the factor",
    (BillingStatus.CHARGED_BACK, BillingStatus.FINANCED): "given back to the factor",
    # The debtor paid the carrier directly (loads pay); undoing that payment moves it back.
    (BillingStatus.CHARGED_BACK, BillingStatus.COMPLETED): "paid directly by the debtor",
    (BillingStatus.COMPLETED, BillingStatus.CHARGED_BACK): "reopened as charged back",
}

# The statuses of an invoice still owed by its debtor: what aging counts.
OPEN_STATUSES: tuple[BillingStatus, ...] = (
    BillingStatus.INVOICED, BillingStatus.FINANCED, BillingStatus.CHARGED_BACK)

# What each forward move is, in the trade's words, for messages.
_ACTION = {
    BillingStatus.QUEUED: "queued for invoicing",
    BillingStatus.INVOICED: "batched",
    BillingStatus.FINANCED: "financed by a purchase report",
    BillingStatus.COMPLETED: "completed by a payment report",
}


def previous(status: BillingStatus) -> BillingStatus | None:
    if status not in ORDER:
        return None
    i = ORDER.index(status)
    return ORDER[i - 1] if i else None


def check_exception(load_number: str, current: BillingStatus, target: BillingStatus) -> None:
    """Raise LifecycleError unless ``current -> target`` is one of the EXCEPTIONS."""
    if (current, target) in EXCEPTIONS:
        return
    allowed = sorted(c.value for c, t in EXCEPTIONS if t == target)
    action = next((a for (_, t), a in EXCEPTIONS.items() if t == target),
                  f"moved to {target}")
    if not allowed:
        raise LifecycleError(f"Load {load_number} cannot be {action}.")
    raise LifecycleError(
        f"Load {load_number} is {current}; only {' or '.join(allowed)} loads can be "
        f"{action}.")


def check_move(
    load_number: str, current: BillingStatus, target: BillingStatus, *, undo: bool = False
) -> None:
    """Raise LifecycleError unless ``current -> target`` is allowed.

    Forward moves go one step; ``undo=True`` allows exactly one step back and is only
    used when the batch or import that made the forward move is undone.
    """
    if undo:
        if previous(current) != target:
            raise LifecycleError(
                f"Load {load_number} is {current}; undoing cannot take it to {target}."
            )
        return
    if previous(target) != current:
        need = previous(target)
        action = _ACTION.get(target, f"moved to {target}")
        if need is None:
            raise LifecycleError(f"Load {load_number} cannot be {action}.")
        raise LifecycleError(
            f"Load {load_number} is {current}; only {need} loads can be {action}."
        )


class HistoryAction(StrEnum):
    """What a clerk did, on a history row whose statuses do not say it alone (a change that
    keeps the status; a step reached in two ways). Rows whose from and to statuses say it
    (an import, Create invoice, submit, the factor's reports, Void) carry none."""

    EDITED = "edited"
    REMOVED_DOCUMENT = "removed_document"
    DIRECT_PAYMENT = "direct_payment"
    SHORT_PAY_CLOSE = "short_pay_close"
    TOOK_BACK = "took_back"
    RECALLED = "recalled"
    REVERSED = "reversed"
