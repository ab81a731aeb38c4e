"""Back up the data folder into one .zip, and restore it into a new, empty folder.

A backup holds a consistent copy of the SQLite file, the ``documents/`` folder, and
``manifest.json``; the database layer writes it (db/backup_archive.py), since it also backs
up before a schema upgrade (db/auto_backup.py: before an upgrade and once a day, into
``<home>/backups/``). Here the clerk's backup, with progress; restoring is in
backup_restore.py. A failed or cancelled backup or restore leaves nothing, and an existing
file is never replaced unless the caller says so.

On PostgreSQL the server's own tools (pg_dump, pg_restore) back the data up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from factor_desk.db.backup_archive import (
    BackupCancelled,
    BackupResult,
    backup_name,
    check_can_back_up,
    sha256_hex,
    write_backup,
)
from factor_desk.db.database import Location
from factor_desk.services.backup_restore import RestoreResult, restore, run_restore
from factor_desk.services.common import Progress, run_to_end

__all__ = ["BackupCancelled", "BackupResult", "RestoreResult", "backup", "backup_name",
           "check_can_back_up", "restore", "run_backup", "run_restore", "sha256_hex"]


def backup(location: Location, to: str | os.PathLike[str], *, replace: bool = False,
           reason: str = "by hand", should_stop: Callable[[], bool] | None = None
           ) -> Iterator[Progress]:
    """Write the backup archive ``to``. Yields progress; the last item carries the
    BackupResult. Refuses (InputRefused, nothing written) a server database, a missing
    database, a destination that cannot be written, and an existing file unless
    ``replace``; raises BackupCancelled when ``should_stop()``."""
    steps = write_backup(location, to, replace=replace, reason=reason, should_stop=should_stop)
    with contextlib.closing(steps):  # stopped half way: the writer cleans up at once
        for done, total, message, result in steps:
            yield Progress(done, total, message, result)


def run_backup(location: Location, to: str | os.PathLike[str], **kwargs: Any) -> BackupResult:
    """backup() without progress, for the command line, scripts and tests."""
    result: BackupResult = run_to_end(backup(location, to, **kwargs))
    return result
