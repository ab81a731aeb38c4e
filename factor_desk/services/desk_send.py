"""The Desk's door to Sending a batch to its factor by email (issue #14): SMTP or an .eml
draft, the settings, the record of what was sent. ``Desk`` (services/desk.py) inherits it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class SendDoor:
    """Issue #14, through the Desk's database (owned by one helper; see BRIEF)."""

    db: Database
