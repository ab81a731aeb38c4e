"""The backup archive: one .zip holding a consistent copy of the SQLite file (SQLite's online
backup API: safe while the window is open and another program writes), the ``documents/``
folder, and ``manifest.json`` (Factor Desk version, schema revision, when, why, and every
file with its size and sha256).

Written beside the destination under a hidden name and renamed into place at the end, so a
failed or cancelled backup leaves nothing, and an existing file is never replaced unless the
caller says so. The database layer makes it (the automatic backup before a schema upgrade
needs it, see auto_backup.py); services/backup.py offers it to the clerk with progress.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import time
import zipfile
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from factor_desk import __version__
from factor_desk.db.database import DB_FILE_NAME, DOCUMENTS_DIR_NAME, Location
from factor_desk.domain.errors import FactorDeskError, InputRefused, Problem
from factor_desk.domain.text import excerpt
from factor_desk.location import sqlite_uri

MANIFEST = "manifest.json"
FORMAT = "factor-desk-backup"
FORMAT_VERSION = 1
# The document store's own names: documents/ab/ab<64 hex>. Nothing else is taken or restored.
DOCUMENT_PATH = re.compile(r"^documents/([0-9a-f]{2})/([0-9a-f]{64})$")
WORK_PREFIX = ".factor_desk-"
CHUNK = 1 << 20


class BackupCancelled(FactorDeskError):
    def __init__(self, what: str):
        super().__init__(f"The {what} was cancelled; nothing was written.")



@dataclass
class BackupResult:
    path: Path
    revision: str | None
    created_at: dt.datetime  # UTC, to the second
    documents: int
    size: int  # bytes of the archive

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "revision": self.revision,
                "created_at": self.created_at.isoformat(timespec="seconds"),
                "documents": self.documents, "size": self.size}


# One step of writing a backup: (done, total, message, the BackupResult on the last step).
Step = tuple[int, int, str, "BackupResult | None"]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def refused(message: str, file: str | None = None) -> InputRefused:
    return InputRefused([Problem(message, file=file)])


def backup_name(now: dt.datetime) -> str:
    """The name an automatic backup (and the window's suggestion) gets at ``now``."""
    return f"factor_desk-{now:%Y-%m-%d-%H%M}.zip"



def check_can_back_up(location: Location) -> None:
    """Refuse a database Factor Desk does not back up itself (a server)."""
    if not location.is_sqlite:
        raise refused(
            f"The data is on a database server ({location.describe()}); Factor Desk backs "
            "up only its own SQLite file. Back the server up with its own tools: pg_dump "
            "(and pg_restore to bring a dump back), or ask whoever runs the server.")


def _db_file(location: Location) -> Path:
    database = make_url(location.url).database
    if not database or database == ":memory:":
        raise refused("An in-memory database has nothing to back up.")
    return Path(database)


def _documents(root: Path) -> list[tuple[str, Path]]:
    """The document store's files, as (archive path, file), in a stable order."""
    if not root.is_dir():
        return []
    found = []
    for sub in sorted(root.iterdir()):
        if not sub.is_dir():
            continue
        for file in sorted(sub.iterdir()):
            name = f"{DOCUMENTS_DIR_NAME}/{sub.name}/{file.name}"
            if file.is_file() and DOCUMENT_PATH.match(name):
                found.append((name, file))
    return found


def _is_data_file(target: Path, db_file: Path, home: Path) -> bool:
    """True for the database file, its journal files, and anything in the documents."""
    where = target.absolute().resolve()
    own = {db_file.absolute().resolve().with_name(db_file.name + end)
           for end in ("", "-wal", "-shm", "-journal")}
    documents = (home / DOCUMENTS_DIR_NAME).absolute().resolve()
    return where in own or where.is_relative_to(documents)


def _snapshot(db_file: Path, copy: Path) -> str | None:
    """Copy the database with SQLite's online backup API (one step: a consistent snapshot
    while writers go on in WAL mode); return its schema revision."""
    try:
        source = sqlite3.connect(sqlite_uri(db_file, "rw"), uri=True,
                                 timeout=60)
    except sqlite3.Error as exc:
        raise refused(f"the database cannot be opened ({exc})", file=str(db_file)) from None
    try:
        target = sqlite3.connect(copy)
        try:
            try:
                source.backup(target)
            except sqlite3.DatabaseError as exc:
                raise refused(f"this is not a database Factor Desk can back up ({exc})",
                              file=str(db_file)) from None
            # The copy is one self-contained file (no -wal beside it).
            target.execute("PRAGMA journal_mode=DELETE").fetchall()
            check = [row[0] for row in target.execute("PRAGMA integrity_check").fetchall()]
            if check != ["ok"]:
                raise refused("the database is damaged (SQLite's integrity check: "
                              f"{excerpt('; '.join(check), 200)}); no backup was written. "
                              "Earlier backups are kept.", file=str(db_file))
            try:
                row = target.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.OperationalError:
                row = None
            return row[0] if row else None
        finally:
            target.close()
    finally:
        source.close()


def _add(zf: zipfile.ZipFile, name: str, path: Path, *, compress: bool) -> dict[str, Any]:
    # Documents are PDFs and scans, compressed already: deflating them again gains nothing
    # and cost 12 s per 90 MB here. The database (deflated, level 1) shrinks to a fifth.
    entry: str | zipfile.ZipInfo = name
    if not compress:
        entry = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
        entry.compress_type = zipfile.ZIP_STORED
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as src, zf.open(entry, "w", force_zip64=True) as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return {"path": name, "size": size, "sha256": digest.hexdigest()}


def work_folder(parent: Path, what: str, shown: Path) -> Path:
    try:
        work = parent / f"{WORK_PREFIX}{what}-{os.getpid()}-{secrets.token_hex(4)}"
        work.mkdir()
        return work
    except OSError as exc:
        raise refused(f"cannot be written ({exc.strerror or exc})", file=str(shown)) from None


def write_backup(location: Location, to: str | os.PathLike[str], *, replace: bool = False,
                 reason: str = "by hand", should_stop: Callable[[], bool] | None = None
                 ) -> Generator[Step, None, None]:
    """Write the backup archive ``to``. Yields its steps; the last carries the
    BackupResult. Refuses (InputRefused, nothing written) a server database, a missing
    database, a destination that cannot be written, and an existing file unless
    ``replace``; raises BackupCancelled when ``should_stop()``."""
    should_stop = should_stop or (lambda: False)
    check_can_back_up(location)
    db_file = _db_file(location)
    target = Path(to).expanduser()
    if not db_file.is_file():
        raise refused("there is no Factor Desk database here to back up", file=str(db_file))
    if _is_data_file(target, db_file, location.home):
        raise refused("is part of Factor Desk's own data; save the backup somewhere else",
                      file=str(target))
    if target.is_dir():
        raise refused("is a folder; give the backup file's name, e.g. "
                      f"{backup_name(dt.datetime.now())}", file=str(target))
    if target.exists() and not replace:
        raise refused("already exists; choose another name (or --replace to replace it)",
                      file=str(target))
    if not target.parent.is_dir():
        raise refused("cannot be written: its folder does not exist", file=str(target))
    work = work_folder(target.parent, "backup", target)
    try:
        documents = _documents(location.home / DOCUMENTS_DIR_NAME)
        total = len(documents) + 2
        yield 0, total, "Copying the database", None
        snapshot = work / DB_FILE_NAME
        revision = _snapshot(db_file, snapshot)
        created = dt.datetime.now(dt.UTC).replace(microsecond=0)
        part = work / "backup.zip"
        files = []
        try:
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                files.append(_add(zf, DB_FILE_NAME, snapshot, compress=True))
                yield 1, total, "Database copied", None
                for done, (name, path) in enumerate(documents, start=2):
                    if should_stop():
                        raise BackupCancelled("backup")
                    try:
                        files.append(_add(zf, name, path, compress=False))
                    except FileNotFoundError:  # removed meanwhile: nothing refers to it
                        continue
                    yield done, total, f"Document {done - 1} of {len(documents)}", None
                manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                            "factor_desk_version": __version__, "alembic_revision": revision,
                            "created_at": created.isoformat(timespec="seconds"),
                            "reason": reason, "files": files}
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
            with part.open("rb") as fh:
                os.fsync(fh.fileno())
        except OSError as exc:
            raise refused(f"cannot be written ({exc.strerror or exc}); nothing was written",
                          file=str(target)) from None
        if should_stop():
            raise BackupCancelled("backup")
        if target.exists() and not replace:  # made meanwhile by someone else
            raise refused("already exists; choose another name", file=str(target))
        try:
            os.replace(part, target)
        except OSError as exc:
            raise refused(f"cannot be written ({exc.strerror or exc})",
                          file=str(target)) from None
        result = BackupResult(path=target, revision=revision, created_at=created,
                              documents=len(files) - 1, size=target.stat().st_size)
        yield total, total, f"Backed up to {target}", result
    finally:
        # Cancelled, failed, or the consumer stopped iterating: leave nothing behind.
        shutil.rmtree(work, ignore_errors=True)


