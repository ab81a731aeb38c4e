"""The Desk's door to the audit (issue #15): who did what, when, to which loads and
batches, from which file. ``Desk`` (services/desk.py) inherits it; reading only, so a
Viewer may."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from factor_desk.services import audit as audit_log

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class AuditDoor:
    db: Database

    def audit(self, user: str | None = None, since: dt.date | None = None,
              limit: int = audit_log.LIMIT) -> audit_log.AuditLog:
        """The audit's entries, newest first: of ``user`` (a login, any case), on or after
        the day ``since`` (UTC), at most ``limit`` (``more`` says when older ones were left
        out)."""
        with self.db.read() as work:
            return audit_log.audit(work, user=user, since=since, limit=limit)

    def audit_users(self) -> list[str]:
        """Every login the history names (the audit's choice of clerk)."""
        with self.db.read() as work:
            return audit_log.audit_users(work)
