"""Two clerks at once (issue #15): a form keeps the version of the record it showed, and
saving it after another clerk saved a newer change is refused, naming who and when, so
that nobody's change is lost without a word."""

from __future__ import annotations

import datetime as dt

from factor_desk.domain.errors import InputRefused

RELOAD = "Reload it to see their change, then make yours again."


def local_when(at: dt.datetime) -> str:
    """``10:42 AM on 11/29/2026``: a moment (UTC; a naive one is UTC, as the database keeps
    it) in this computer's time zone."""
    local = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone()
    return f"{local:%I:%M %p}".lstrip("0") + f" on {local:%m/%d/%Y}"


class StaleEdit(InputRefused):
    """The record changed after the clerk's form read it; nothing was saved. ``what`` names
    the record as a sentence does ("load 1042"); ``by`` and ``at`` (UTC) say who saved the
    newer change and when (None: not known, e.g. a change before versions were kept);
    ``gone``: the record was removed (``gone_how``: "renamed or removed" when a name the
    form showed names nothing now). ``detail`` replaces the advice to reload (say, the
    load is Submitted now: reloading will not make it editable)."""

    def __init__(self, what: str, by: str | None, at: dt.datetime | None, *,
                 gone: bool = False, gone_how: str = "removed", detail: str | None = None):
        self.what, self.by, self.at, self.gone = what, by or None, at, gone
        who = self.by or "Another clerk"
        when = f" at {local_when(at)}" if at is not None else ""
        if gone:
            first = f"{what[:1].upper()}{what[1:]} was {gone_how} after you opened it."
        else:
            first = f"{who} changed {what}{when}, after you opened it."
        super().__init__([f"{first} {detail or RELOAD} Nothing was saved."])
