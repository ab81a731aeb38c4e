"""Back up the data folder into one .zip, and restore it into a new, empty folder.

A backup holds a consistent copy of the SQLite file (SQLite's online backup API: safe while
the window is open and another program writes), the ``documents/`` folder, and
``manifest.json`` (Factor Desk version, schema revision, when, why, and every file with its
size and sha256). It is written beside the destination under a hidden name and renamed into
place at the end, so a failed or cancelled backup leaves nothing, and an existing file is
never replaced unless the caller says so.

A restore checks the whole archive (manifest, sizes, hashes, the database's integrity and
schema revision) while extracting into a hidden folder beside the target, and only then
renames it into place: a damaged, foreign or newer backup is refused with nothing written.

Automatic backups (SQLite only) go to ``<home>/backups/`` before a schema upgrade and on the
first open of a calendar day; the last seven are kept. A database with no rows is not
backed up. ``FACTOR_DESK_AUTO_BACKUP=0`` turns them off.

On PostgreSQL the server's own tools (pg_dump, pg_restore) back the data up.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from factor_desk import __version__
from factor_desk.db.database import DB_FILE_NAME, DOCUMENTS_DIR_NAME, Location
from factor_desk.db.migrate import alembic_config, current_revision, head_revision
from factor_desk.domain.errors import FactorDeskError, InputRefused, Problem
from factor_desk.domain.text import excerpt
from factor_desk.services.common import Progress, run_to_end

log = logging.getLogger("factor_desk")

MANIFEST = "manifest.json"
FORMAT = "factor-desk-backup"
FORMAT_VERSION = 1
BACKUPS_DIR_NAME = "backups"
KEEP = 7
AUTO_BACKUP_ENV = "FACTOR_DESK_AUTO_BACKUP"
# Our automatic backups, and only they, are pruned: factor_desk-2026-11-28-1904[-2].zip
BACKUP_NAME = re.compile(r"^factor_desk-(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(?:-(\d+))?\.zip$")
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
    created_at: str
    documents: int
    size: int  # bytes of the archive

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "revision": self.revision,
                "created_at": self.created_at, "documents": self.documents, "size": self.size}


@dataclass
class RestoreResult:
    home: Path
    revision: str | None
    factor_desk_version: str
    created_at: str
    documents: int

    @property
    def made(self) -> str:
        """When the backup was made, in this computer's time, as a clerk reads it."""
        try:
            return f"{dt.datetime.fromisoformat(self.created_at).astimezone():%Y-%m-%d %H:%M}"
        except ValueError:
            return self.created_at

    def to_dict(self) -> dict[str, Any]:
        return {"home": str(self.home), "revision": self.revision,
                "factor_desk_version": self.factor_desk_version,
                "created_at": self.created_at, "documents": self.documents}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _refused(message: str, file: str | None = None) -> InputRefused:
    return InputRefused([Problem(message, file=file)])


def backup_name(now: dt.datetime) -> str:
    """The name an automatic backup (and the window's suggestion) gets at ``now``."""
    return f"factor_desk-{now:%Y-%m-%d-%H%M}.zip"


# ------------------------------------------------------------------ backup


def check_can_back_up(location: Location) -> None:
    """Refuse a database Factor Desk does not back up itself (a server)."""
    if not location.is_sqlite:
        raise _refused(
            f"The data is on a database server ({location.describe()}); Factor Desk backs "
            "up only its own SQLite file. Back the server up with its own tools: pg_dump "
            "(and pg_restore to bring a dump back), or ask whoever runs the server.")


def _db_file(location: Location) -> Path:
    database = make_url(location.url).database
    if not database or database == ":memory:":
        raise _refused("An in-memory database has nothing to back up.")
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
        source = sqlite3.connect(f"{db_file.absolute().as_uri()}?mode=rw", uri=True,
                                 timeout=60)
    except sqlite3.Error as exc:
        raise _refused(f"the database cannot be opened ({exc})", file=str(db_file)) from None
    try:
        target = sqlite3.connect(copy)
        try:
            try:
                source.backup(target)
            except sqlite3.DatabaseError as exc:
                raise _refused(f"this is not a database Factor Desk can back up ({exc})",
                               file=str(db_file)) from None
            # The copy is one self-contained file (no -wal beside it).
            target.execute("PRAGMA journal_mode=DELETE").fetchall()
            check = [row[0] for row in target.execute("PRAGMA integrity_check").fetchall()]
            if check != ["ok"]:
                raise _refused("the database is damaged (SQLite's integrity check: "
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


def _work_folder(parent: Path, what: str, shown: Path) -> Path:
    try:
        work = parent / f"{WORK_PREFIX}{what}-{os.getpid()}-{secrets.token_hex(4)}"
        work.mkdir()
        return work
    except OSError as exc:
        raise _refused(f"cannot be written ({exc.strerror or exc})", file=str(shown)) from None


def backup(location: Location, to: str | os.PathLike[str], *, replace: bool = False,
           reason: str = "by hand", should_stop: Callable[[], bool] | None = None
           ) -> Iterator[Progress]:
    """Write the backup archive ``to``. Yields progress; the last item carries the
    BackupResult. Refuses (InputRefused, nothing written) a server database, a missing
    database, a destination that cannot be written, and an existing file unless
    ``replace``; raises BackupCancelled when ``should_stop()``."""
    should_stop = should_stop or (lambda: False)
    check_can_back_up(location)
    db_file = _db_file(location)
    target = Path(to).expanduser()
    if not db_file.is_file():
        raise _refused("there is no Factor Desk database here to back up", file=str(db_file))
    if _is_data_file(target, db_file, location.home):
        raise _refused("is part of Factor Desk's own data; save the backup somewhere else",
                       file=str(target))
    if target.is_dir():
        raise _refused("is a folder; give the backup file's name, e.g. "
                       f"{backup_name(dt.datetime.now())}", file=str(target))
    if target.exists() and not replace:
        raise _refused("already exists; choose another name (or --replace to replace it)",
                       file=str(target))
    if not target.parent.is_dir():
        raise _refused("cannot be written: its folder does not exist", file=str(target))
    work = _work_folder(target.parent, "backup", target)
    try:
        documents = _documents(location.home / DOCUMENTS_DIR_NAME)
        total = len(documents) + 2
        yield Progress(0, total, "Copying the database")
        snapshot = work / DB_FILE_NAME
        revision = _snapshot(db_file, snapshot)
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        part = work / "backup.zip"
        files = []
        try:
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                files.append(_add(zf, DB_FILE_NAME, snapshot, compress=True))
                yield Progress(1, total, "Database copied")
                for done, (name, path) in enumerate(documents, start=2):
                    if should_stop():
                        raise BackupCancelled("backup")
                    try:
                        files.append(_add(zf, name, path, compress=False))
                    except FileNotFoundError:  # removed meanwhile: nothing refers to it
                        continue
                    yield Progress(done, total, f"Document {done - 1} of {len(documents)}")
                manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                            "factor_desk_version": __version__, "alembic_revision": revision,
                            "created_at": created, "reason": reason, "files": files}
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
            with part.open("rb") as fh:
                os.fsync(fh.fileno())
        except OSError as exc:
            raise _refused(f"cannot be written ({exc.strerror or exc}); nothing was written",
                           file=str(target)) from None
        if should_stop():
            raise BackupCancelled("backup")
        if target.exists() and not replace:  # made meanwhile by someone else
            raise _refused("already exists; choose another name", file=str(target))
        try:
            os.replace(part, target)
        except OSError as exc:
            raise _refused(f"cannot be written ({exc.strerror or exc})",
                           file=str(target)) from None
        result = BackupResult(path=target, revision=revision, created_at=created,
                              documents=len(files) - 1, size=target.stat().st_size)
        yield Progress(total, total, f"Backed up to {target}", result)
    finally:
        # Cancelled, failed, or the consumer stopped iterating: leave nothing behind.
        shutil.rmtree(work, ignore_errors=True)


def run_backup(location: Location, to: str | os.PathLike[str], **kwargs: Any) -> BackupResult:
    """backup() without progress, for the command line, scripts and tests."""
    result: BackupResult = run_to_end(backup(location, to, **kwargs))
    return result


# ------------------------------------------------------------------ restore


def _holds_data(home: Path) -> str | None:
    """What in ``home`` is Factor Desk data already (None if there is none)."""
    for name in (DB_FILE_NAME, f"{DB_FILE_NAME}-wal", f"{DB_FILE_NAME}-journal"):
        if (home / name).exists():
            return "a Factor Desk database"
    docs = home / DOCUMENTS_DIR_NAME
    if docs.exists() and (not docs.is_dir() or any(p.is_file() for p in docs.rglob("*"))):
        return "documents"
    return None


def _check_target(home: Path) -> None:
    if home.exists() and not home.is_dir():
        raise _refused("is a file, not a folder; restore into a new, empty folder",
                       file=str(home))
    held = _holds_data(home)
    if held:
        raise _refused(f"already holds {held}; restore into a new, empty folder (nothing "
                       "was written)", file=str(home))


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def _read_manifest(zf: zipfile.ZipFile, name: str) -> dict[str, Any]:
    foreign = _refused("is not a Factor Desk backup (it has no Factor Desk manifest); "
                       "nothing was restored", file=name)
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise foreign from None
    if info.file_size > 50 * CHUNK:
        raise foreign
    try:
        manifest = json.loads(zf.read(info))
    except (ValueError, zipfile.BadZipFile, OSError):
        raise _refused("is damaged: its manifest cannot be read; nothing was restored",
                       file=name) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise foreign
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise _refused("was made by a newer Factor Desk "
                       f"({excerpt(manifest.get('factor_desk_version'))}) in a format this "
                       f"Factor Desk ({__version__}) cannot read; nothing was restored",
                       file=name)
    files = manifest.get("files")
    damaged = _refused("is damaged: its manifest lists no valid files; nothing was restored",
                       file=name)
    if not isinstance(files, list):
        raise damaged
    seen = set()
    for entry in files:
        if not (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                and isinstance(entry.get("size"), int) and entry["size"] >= 0
                and isinstance(entry.get("sha256"), str)
                and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])):
            raise damaged
        path = entry["path"]
        match = DOCUMENT_PATH.match(path)
        if not (path == DB_FILE_NAME or (match and match[2].startswith(match[1]))):
            raise _refused(f"is damaged or not a Factor Desk backup: it lists {excerpt(path)}, "
                           "which is neither the database nor a stored document; nothing "
                           "was restored", file=name)
        if path in seen:
            raise damaged
        seen.add(path)
    if DB_FILE_NAME not in seen:
        raise damaged
    return manifest


def _check_revision(manifest: dict[str, Any], name: str) -> None:
    revision = manifest.get("alembic_revision")
    if revision is None:
        return
    if not isinstance(revision, str) or revision not in _known_revisions():
        raise _refused(
            f"was made by a newer Factor Desk ({excerpt(manifest.get('factor_desk_version'))},"
            f" schema revision {excerpt(revision)}); this Factor Desk ({__version__}) knows "
            f"schema revisions up to {head_revision()!r}. Install that version or newer to "
            "restore it; nothing was restored", file=name)


def _extract(zf: zipfile.ZipFile, entry: dict[str, Any], work: Path, name: str) -> None:
    damaged = _refused(f"is damaged: {entry['path']} does not match its checksum; nothing "
                       "was restored", file=name)
    try:
        info = zf.getinfo(entry["path"])
    except KeyError:
        raise _refused(f"is damaged: {entry['path']} is missing from it; nothing was "
                       "restored", file=name) from None
    if info.file_size != entry["size"]:
        raise damaged
    out = work / entry["path"]
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with zf.open(info) as src, out.open("wb") as dst:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > entry["size"]:
                    raise damaged
                digest.update(chunk)
                dst.write(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error):
        raise damaged from None
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise damaged


def _check_database(db_file: Path, manifest: dict[str, Any], name: str) -> None:
    damaged = _refused("is damaged: its database fails SQLite's integrity check; nothing was "
                       "restored", file=name)
    try:
        conn = sqlite3.connect(f"{db_file.absolute().as_uri()}?mode=ro", uri=True)
        try:
            if [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()] != ["ok"]:
                raise damaged
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.OperationalError:
                row = None
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise damaged from None
    if (row[0] if row else None) != manifest.get("alembic_revision"):
        raise damaged


def _move_into_place(work: Path, home: Path) -> None:
    if not home.exists():
        os.rename(work, home)
        return
    docs, restored_docs = home / DOCUMENTS_DIR_NAME, work / DOCUMENTS_DIR_NAME
    if restored_docs.exists():
        if docs.exists():
            shutil.rmtree(docs)  # holds no file: _check_target said so
        os.rename(restored_docs, docs)
    try:
        # The database last: until it is there, the folder holds no Factor Desk data.
        os.rename(work / DB_FILE_NAME, home / DB_FILE_NAME)
    except BaseException:
        if docs.exists() and restored_docs.parent.exists() and not restored_docs.exists():
            os.rename(docs, restored_docs)
        raise


def restore(archive: str | os.PathLike[str], home: str | os.PathLike[str], *,
            should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
    """Restore the backup ``archive`` into the data folder ``home``, which must not hold a
    database or documents yet. Yields progress; the last item carries the RestoreResult.
    Refuses (nothing written) a damaged, foreign or newer archive."""
    should_stop = should_stop or (lambda: False)
    archive, home = Path(archive).expanduser(), Path(home).expanduser().absolute()
    name = str(archive)
    _check_target(home)
    try:
        zf = zipfile.ZipFile(archive)
    except FileNotFoundError:
        raise _refused("does not exist", file=name) from None
    except (zipfile.BadZipFile, EOFError):
        raise _refused("is not a Factor Desk backup (not a zip archive), or it is damaged; "
                       "nothing was restored", file=name) from None
    except OSError as exc:
        raise _refused(f"cannot be read ({exc.strerror or exc})", file=name) from None
    with zf:
        manifest = _read_manifest(zf, name)
        _check_revision(manifest, name)
        entries = manifest["files"]
        needed = sum(e["size"] for e in entries)
        try:
            home.parent.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(home.parent).free
        except OSError as exc:
            raise _refused(f"cannot be made ({exc.strerror or exc})", file=str(home)) from None
        if needed > free:
            raise _refused(f"has room for {free:,} bytes; the backup needs {needed:,}",
                           file=str(home.parent))
        work = _work_folder(home.parent, "restore", home)
        try:
            total = len(entries) + 1
            for done, entry in enumerate(entries):
                if should_stop():
                    raise BackupCancelled("restore")
                yield Progress(done, total, f"Checking {entry['path']}")
                try:
                    _extract(zf, entry, work, name)
                except OSError as exc:
                    raise _refused(f"cannot be written ({exc.strerror or exc}); nothing was "
                                   "restored", file=str(home)) from None
            _check_database(work / DB_FILE_NAME, manifest, name)
            if should_stop():
                raise BackupCancelled("restore")
            _check_target(home)  # nobody filled it meanwhile
            try:
                _move_into_place(work, home)
            except OSError as exc:
                raise _refused(f"cannot be written ({exc.strerror or exc}); nothing was "
                               "restored", file=str(home)) from None
            result = RestoreResult(
                home=home, revision=manifest.get("alembic_revision"),
                factor_desk_version=str(manifest.get("factor_desk_version", "")),
                created_at=str(manifest.get("created_at", "")),
                documents=len(entries) - 1)
            yield Progress(total, total, f"Restored into {home}", result)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def run_restore(archive: str | os.PathLike[str], home: str | os.PathLike[str],
                **kwargs: Any) -> RestoreResult:
    """restore() without progress, for the command line, scripts and tests."""
    result: RestoreResult = run_to_end(restore(archive, home, **kwargs))
    return result


# ------------------------------------------------------------------ automatic backups


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
        made = run_backup(location, target, reason=reason).path
    except (OSError, InputRefused) as exc:
        if upgrading:
            raise _refused(
                f"Factor Desk must upgrade this database (schema {current} to {head}) and "
                f"backs it up first, but the backup could not be written in {folder} "
                f"({exc}). Free some space or fix that folder, then open Factor Desk "
                "again; nothing was changed.") from None
        log.warning("The daily backup could not be written in %s: %s", folder, exc)
        return None
    prune(folder)
    log.info("Backup kept in %s (%s)", made, reason)
    return made
