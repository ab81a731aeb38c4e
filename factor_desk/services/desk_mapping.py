"""The Desk's door to column mappings of the factor's files (issue #14): saved per factor and
report kind, applied by themselves to the next file. ``Desk`` (services/desk.py) inherits
it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class MappingDoor:
    """Issue #14, through the Desk's database (owned by one helper; see BRIEF)."""

    db: Database
