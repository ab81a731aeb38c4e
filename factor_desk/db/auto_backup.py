"""Automatic backups (SQLite only): into ``<home>/backups/`` before a schema upgrade and on
the first open of a calendar day; the last seven are kept. A database with no rows is not
backed up. ``FACTOR_DESK_AUTO_BACKUP=0`` turns them off. Opening a database runs it
(database.py), before migrating."""

from __future__ import annotations

import collections
import datetime as dt
import functools
import logging
import os
import re
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from factor_desk.db.backup_archive import backup_name, refused, write_backup
from factor_desk.db.database import Location
from factor_desk.db.migrate import current_revision, head_revision
from factor_desk.domain.errors import InputRefused

log = logging.getLogger("factor_desk")

BACKUPS_DIR_NAME = "backups"
KEEP = 7
AUTO_BACKUP_ENV = "FACTOR_DESK_AUTO_BACKUP"
# Our automatic backups, and only they, are pruned: factor_desk-2026-11-28-1904[-2].zip
BACKUP_NAME = re.compile(r"^factor_desk-(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(?:-(\d+))?\.zip$")


@functools.cache
def newest_revision() -> str | None:
    """The newest schema revision this Factor Desk knows (read once: 40 ms each time)."""
    return head_revision()


def automatic_backups_enabled() -> bool:
    return os.environ.get(AUTO_BACKUP_ENV, "1").strip().lower() not in (
        "0", "off", "no", "false")


def _ours(folder: Path) -> list[tuple[tuple[dt.datetime, int], Path]]:
    """Our automatic backups in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = BACKUP_NAME.match(path.name)
        if not match or not path.is_file():
            continue
        year, month, day, hour, minute, n = match.groups()
        try:
            when = dt.datetime(int(year), int(month), int(day), int(hour), int(minute))
        except ValueError:
            continue
        found.append(((when, int(n or 1)), path))
    return sorted(found)


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version'").scalars().all()
        for table in tables:
            quoted = table.replace('"', '""')
            if conn.exec_driver_sql(f'SELECT 1 FROM "{quoted}" LIMIT 1').first():
                return False
    return True


def prune(folder: Path, keep: int = KEEP) -> None:
    """Delete all but the newest ``keep`` automatic backups; other files stay."""
    for _key, path in _ours(folder)[:-keep] if keep else _ours(folder):
        try:
            path.unlink()
        except OSError:
            log.warning("Could not delete the old backup %s", path)


def automatic_backup(location: Location, engine: Engine, *, now: dt.datetime | None = None
                     ) -> Path | None:
    """Keep a backup in ``<home>/backups/`` before a schema upgrade, and on the first open of
    a calendar day (judged by the newest backup there); keep the last seven. Nothing for a
    server, a database without rows, or with FACTOR_DESK_AUTO_BACKUP=0. A daily backup that
    fails is logged and the program opens; a failed backup before an upgrade refuses the
    upgrade. Returns the backup made, if any."""
    if not location.is_sqlite or not automatic_backups_enabled():
        return None
    database = make_url(location.url).database
    if not database or database == ":memory:" or not Path(database).is_file():
        return None
    try:
        current = current_revision(engine)
        if _is_empty(engine):
            return None
    except Exception:  # not a database at all: opening it will say so
        return None
    head = newest_revision()
    upgrading = current is not None and current != head
    now = now or dt.datetime.now()
    folder = location.home / BACKUPS_DIR_NAME
    if not upgrading:
        newest = _ours(folder)[-1:]
        if newest and newest[0][0][0].date() >= now.date():
            return None
    reason = (f"before upgrading the schema from {current} to {head}" if upgrading
              else "daily")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / backup_name(now)
        n = 1
        while target.exists():
            n += 1
            target = folder / backup_name(now).replace(".zip", f"-{n}.zip")
        # Nobody watches an automatic backup's progress: only its last step, the result.
        (*_, result), = collections.deque(write_backup(location, target, reason=reason),
                                          maxlen=1)
        assert result is not None
        made = result.path
    except (OSError, InputRefused) as exc:
        if upgrading:
            raise refused(
                f"Factor Desk must upgrade this database (schema {current} to {head}) and "
                f"backs it up first, but the backup could not be written in {folder} "
                f"({exc}). Free some space or fix that folder, then open Factor Desk "
                "again; nothing was changed.") from None
        log.warning("The daily backup could not be written in %s: %s", folder, exc)
        return None
    prune(folder)
    log.info("Backup kept in %s (%s)", made, reason)
    return made
