"""The schedule of accounts each factor wants (issue #14), kept in its profile
(FactoringCompany.schedule_layout, JSON; None is Capital Depot's, the default). A batch's
download follows the layout of the factor the batch was submitted to."""

from __future__ import annotations

from factor_desk.db.models import FactoringCompany
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.schedule_layout import ScheduleLayout
from factor_desk.services.factors import find_factor


def layout_of(factor: FactoringCompany) -> ScheduleLayout:
    """The factor's layout; refused, naming the factor, when what is kept is no layout
    (only a hand edit of the database can do that)."""
    try:
        return ScheduleLayout.from_json(factor.schedule_layout)
    except InputRefused as exc:
        raise InputRefused(exc.problems, summary=(
            f"The schedule layout kept for {factor.name} cannot be used ({exc}); set it again "
            f"(factors schedule {factor.name!r} --columns ...) or reset it (--reset).")
        ) from exc


def schedule_layout(work: Work, factor: str) -> ScheduleLayout:
    """The layout of the factor named ``factor`` (NotFound names the known ones)."""
    return layout_of(find_factor(work, factor))


def set_schedule_layout(work: Work, factor: str, layout: ScheduleLayout | None
                        ) -> ScheduleLayout:
    """Keep ``layout`` as the factor's (None: back to the default). The layout is checked
    again, so one built by hand is refused as ``ScheduleLayout.make`` refuses it; batches
    already downloaded are not changed, the next download follows the new layout."""
    found = find_factor(work, factor, lock=True)
    if layout is not None:
        layout = ScheduleLayout.make(layout.columns, carrier_mc=layout.carrier_mc,
                                     signature=layout.signature)
    found.schedule_layout = None if layout is None else layout.to_json()
    work.flush()
    return layout_of(found)
