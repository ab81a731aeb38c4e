"""The one place where a load's billing status changes in the database, and the one writer
of status_history.

Each move is checked by the domain lifecycle, applied with a conditional UPDATE (so a load
that another clerk moved a moment ago is not moved twice), and recorded in status_history.
A new load's first status (Released or Queued) is recorded here too, when the import that
created it writes it. Call these inside a write transaction: if anything fails, the
caller's transaction rolls back and no status and no history row is left behind. On
PostgreSQL the server holds to it too (migration 0015, db/history_guard.py): a commit with
a status change and no history row of its own is refused, and a history row's time more
than a few minutes off the server's clock is the server's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import DateTime, insert, literal, null, select, update
from sqlalchemy.orm import Session

from factor_desk.db.models import Load, StatusHistory, utcnow
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.lifecycle import (
    BillingStatus,
    HistoryAction,
    check_exception,
    check_move,
)
from factor_desk.services.common import chunks, insert_rows

# The statuses a load can come into Factor Desk with; the later ones are reached only
# through a batch and the factor's reports.
FIRST_STATUSES = (BillingStatus.RELEASED, BillingStatus.QUEUED)


def move_loads(
    work: Work,
    loads: Sequence[tuple[int, str]],
    current: BillingStatus,
    target: BillingStatus,
    *,
    by: str,
    reason: str,
    batch_id: int | None = None,
    import_id: int | None = None,
    undo: bool = False,
    exception: bool = False,
    action: HistoryAction | None = None,
) -> None:
    """Move every ``(load id, load number)`` from ``current`` to ``target``, all or none.
    ``exception``: one of the lifecycle's exceptions (domain.lifecycle.EXCEPTIONS: back to
    Released, Void, a recall), not a forward step."""
    if not loads:
        return
    if exception:
        check_exception(loads[0][1], current, target)
    else:
        check_move(loads[0][1], current, target, undo=undo)
    ids = [load_id for load_id, _ in loads]
    moved: set[int] = set()
    for part in chunks(ids):
        moved.update(
            work.execute(
                update(Load)
                .where(Load.id.in_(part), Load.status == current.value)
                .values(status=target.value)
                .returning(Load.id)
                .execution_options(synchronize_session=False)
            ).scalars().all()  # one fetchall, not a fetchone per row
        )
    if len(moved) != len(ids):
        _refuse_changed(work, [(i, n) for i, n in loads if i not in moved], target, undo)
    now = utcnow()
    keys = ("load_id", "from_status", "to_status", "at", "by", "reason", "batch_id",
            "import_id", "action")
    what = action.value if action is not None else None
    for part in chunks(ids, 5000):  # bounded parameter lists keep memory flat
        insert_rows(work, StatusHistory.__table__, keys, [
            (load_id, current.value, target.value, now, by, reason, batch_id, import_id, what)
            for load_id in part
        ])


def _refuse_changed(session: Session, unmoved: list[tuple[int, str]], target: BillingStatus,
                    undo: bool) -> None:
    """Name each load that someone else moved between our check and our update."""
    numbers = dict(unmoved)
    problems = []
    for part in chunks(list(numbers)):
        for load_id, status in session.execute(
            select(Load.id, Load.status).where(Load.id.in_(part))
        ):
            number = numbers[load_id]
            try:
                check_move(number, BillingStatus(status), target, undo=undo)
                message = f"Load {number} changed a moment ago."
            except InputRefused as exc:
                message = exc.problems[0].message
            problems.append(
                Problem(f"{message} It changed a moment ago, probably by another clerk.")
            )
    raise InputRefused(problems or [Problem("Some loads changed a moment ago; try again.")])


def record_new_loads(work: Work, import_id: int, *, at: dt.datetime, by: str, reason: str
                     ) -> None:
    """Record the first status of every load the import ``import_id`` has just written (each
    one of FIRST_STATUSES, as the import checked): a history row from nothing to it.

    One INSERT ... SELECT over the loads just written, in the database: no round trip of
    100,000 ids through Python."""
    imported = select(Load.id, Load.status).where(Load.import_id == import_id).subquery()
    work.execute(insert(StatusHistory).from_select(
        ["load_id", "from_status", "to_status", "at", "by", "reason", "import_id"],
        select(imported.c.id, null(), imported.c.status, literal(at, DateTime()),
               literal(by), literal(reason), literal(import_id)),
    ))


def record_first_status(
    work: Work,
    load_ids: Sequence[int],
    status: BillingStatus,
    *,
    by: str,
    reason: str,
) -> None:
    """Record the first status of loads just made with ``status`` (the row says so already):
    one history row each, from no status. For loads made outside an
    import (the demo); an import's loads: ``record_new_loads``."""
    now = utcnow()
    for part in chunks(list(load_ids), 5000):
        work.execute(
            StatusHistory.__table__.insert(),
            [
                {
                    "load_id": load_id,
                    "from_status": None,
                    "to_status": status.value,
                    "at": now,
                    "by": by,
                    "reason": reason,
                    "batch_id": None,
                    "import_id": None,
                }
                for load_id in part
            ],
        )


def record_change(work: Work, load_id: int, status: BillingStatus, *, by: str, reason: str,
                  action: HistoryAction) -> None:
    """Record a change to a load that leaves its status as it is (a document removed): a
    history row from ``status`` to ``status`` that says what changed."""
    work.execute(StatusHistory.__table__.insert(), [{
        "load_id": load_id, "from_status": status.value, "to_status": status.value,
        "at": utcnow(), "by": by, "reason": reason, "batch_id": None, "import_id": None,
        "action": action.value}])
