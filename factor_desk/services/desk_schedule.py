"""The Desk's door to schedule of accounts each factor wants (issue #14): its columns,
titles, MCs and signature block. ``Desk`` (services/desk.py) inherits it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class ScheduleDoor:
    """Issue #14, through the Desk's database (owned by one helper; see BRIEF)."""

    db: Database
