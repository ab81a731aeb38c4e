"""Two clerks at once (issue #15): a form's save refused because another clerk saved a newer
change (StaleEdit) offers to reload the record; Cancel keeps the clerk's unsaved text in the
form."""

from __future__ import annotations

from collections.abc import Callable

from factor_desk.domain.versions import StaleEdit

TITLE = "Changed by another clerk"


def offer_reload(asker, exc: BaseException, reload: Callable[[], None]) -> bool:
    """For a StaleEdit: its message (who changed the record and when) with Reload and
    Cancel; Reload calls ``reload``. False for any other error (the caller shows it)."""
    if not isinstance(exc, StaleEdit):
        return False
    if asker.choice(TITLE, str(exc), ["Reload"]) == "Reload":
        reload()
    return True
