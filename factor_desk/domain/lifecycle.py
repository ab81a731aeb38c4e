"""The billing lifecycle of a load, in one place.

Released -> Queued -> Invoiced -> Financed -> Completed. A load moves forward one step at a
time; it moves back only when the batch or import that moved it forward is undone.
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

    @classmethod
    def parse(cls, text: str) -> BillingStatus:
        key = text.strip().lower()
        for status in cls:
            if status.value.lower() == key:
                return status
        raise ValueError(
            f"expected one of {', '.join(s.value for s in cls)}, found {excerpt(text)}"
        )


ORDER: tuple[BillingStatus, ...] = tuple(BillingStatus)

# What each forward move is, in the trade's words, for messages.
_ACTION = {
    BillingStatus.QUEUED: "queued for invoicing",
    BillingStatus.INVOICED: "batched",
    BillingStatus.FINANCED: "financed by a purchase report",
    BillingStatus.COMPLETED: "completed by a payment report",
}


def previous(status: BillingStatus) -> BillingStatus | None:
    i = ORDER.index(status)
    return ORDER[i - 1] if i else None


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
