"""The versions of what two clerks may edit at once (issue #15, migration 0010).

An edit takes the version the clerk's form showed (None: the command line, which reads and
writes at once). The caller locks the row first (SELECT ... FOR UPDATE on PostgreSQL; a
write transaction on SQLite is the only one), then ``check`` refuses a version that is not
the row's any more (StaleEdit, naming who changed it and when), and ``stamp`` counts the
edit: the version goes up by one and the row says who saved it and when. A save made of
several steps in one unit of work (the Company profile's form) counts once."""

from __future__ import annotations

from typing import Any

from factor_desk.db.models import utcnow
from factor_desk.db.work import Work
from factor_desk.domain.versions import StaleEdit
from factor_desk.services.common import current_user

# work.info key: the rows this unit of work has stamped already, each with the version it
# found them at.
_STAMPED = "edit_versions.stamped"


def _key(row: Any) -> tuple[str, int]:
    return type(row).__tablename__, row.id


def version_found(work: Work, row: Any) -> int:
    """The row's version as this unit of work found it (before its own edit counted)."""
    return int(work.info.get(_STAMPED, {}).get(_key(row), row.version))


def check(work: Work, row: Any, version: int | None, what: str, *,
          detail: str | None = None) -> None:
    """Refuse (StaleEdit) when ``version`` is given and the row (locked by the caller) is
    at another one: someone saved over it since the form read it."""
    if version is not None and version != version_found(work, row):
        raise StaleEdit(what, row.changed_by, row.changed_at, detail=detail)


def stamp(work: Work, row: Any) -> None:
    """Count an edit of ``row``: once per unit of work, the version goes up by one and the
    row names who saved it and when."""
    stamped: dict[tuple[str, int], int] = work.info.setdefault(_STAMPED, {})
    key = _key(row)
    if key in stamped:
        return
    found = row.version or 1  # None: a row not written yet (its server default is 1)
    stamped[key] = found
    row.version = found + 1
    row.changed_by = current_user(work)
    row.changed_at = utcnow()
