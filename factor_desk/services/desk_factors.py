"""The Desk's door to factoring companies' profiles (issue #14): remit-to, email, default
NOA, integration; the subsidiary's factor and the CLI twins of the company profile.
``Desk`` (services/desk.py) inherits it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class FactorsDoor:
    """Issue #14, through the Desk's database (owned by one helper; see BRIEF)."""

    db: Database
