"""The Desk's door to schedule of accounts each factor wants (issue #14): its columns,
titles, MCs and signature block. ``Desk`` (services/desk.py) inherits it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from factor_desk.domain.schedule_layout import ScheduleLayout
from factor_desk.services import schedule_layouts

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class ScheduleDoor:
    """Issue #14, through the Desk's database (owned by one helper; see BRIEF)."""

    db: Database

    def schedule_layout(self, factor: str) -> ScheduleLayout:
        """The schedule of accounts the factor named ``factor`` wants (Capital Depot's, the
        default, until one is set)."""
        with self.db.read() as work:
            return schedule_layouts.schedule_layout(work, factor)

    def set_schedule_layout(self, factor: str, layout: ScheduleLayout | None
                            ) -> ScheduleLayout:
        """Keep ``layout`` as the factor's schedule (None: back to the default); refused,
        changing nothing, when it is no layout (a field unknown or twice, a title empty
        or too long, the invoice number or amount missing). Its next download follows
        it."""
        with self.db.write() as work:
            return schedule_layouts.set_schedule_layout(work, factor, layout)
