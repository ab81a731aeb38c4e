"""Restore a backup into a new, empty data folder: the whole archive is checked (manifest,
sizes, hashes, the database's integrity and schema revision) while it is extracted into a
hidden folder beside the target, and only then renamed into place: a damaged, foreign or
newer backup is refused with nothing written."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factor_desk import __version__
from factor_desk.db.backup_archive import (
    CHUNK,
    DOCUMENT_PATH,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    BackupCancelled,
    refused,
    work_folder,
)
from factor_desk.db.database import DB_FILE_NAME, DOCUMENTS_DIR_NAME
from factor_desk.db.migrate import alembic_config, head_revision
from factor_desk.domain.text import excerpt
from factor_desk.location import sqlite_uri
from factor_desk.services.common import Progress, run_to_end


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
        raise refused("is a file, not a folder; restore into a new, empty folder",
                      file=str(home))
    held = _holds_data(home)
    if held:
        raise refused(f"already holds {held}; restore into a new, empty folder (nothing "
                      "was written)", file=str(home))


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def _read_manifest(zf: zipfile.ZipFile, name: str) -> dict[str, Any]:
    foreign = refused("is not a Factor Desk backup (it has no Factor Desk manifest); "
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
        raise refused("is damaged: its manifest cannot be read; nothing was restored",
                      file=name) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise foreign
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise refused("was made by a newer Factor Desk "
                      f"({excerpt(manifest.get('factor_desk_version'))}) in a format this "
                      f"Factor Desk ({__version__}) cannot read; nothing was restored",
                      file=name)
    files = manifest.get("files")
    damaged = refused("is damaged: its manifest lists no valid files; nothing was restored",
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
            raise refused(f"is damaged or not a Factor Desk backup: it lists {excerpt(path)}, "
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
        raise refused(
            f"was made by a newer Factor Desk ({excerpt(manifest.get('factor_desk_version'))},"
            f" schema revision {excerpt(revision)}); this Factor Desk ({__version__}) knows "
            f"schema revisions up to {head_revision()!r}. Install that version or newer to "
            "restore it; nothing was restored", file=name)


def _extract(zf: zipfile.ZipFile, entry: dict[str, Any], work: Path, name: str) -> None:
    damaged = refused(f"is damaged: {entry['path']} does not match its checksum; nothing "
                      "was restored", file=name)
    try:
        info = zf.getinfo(entry["path"])
    except KeyError:
        raise refused(f"is damaged: {entry['path']} is missing from it; nothing was "
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
    damaged = refused("is damaged: its database fails SQLite's integrity check; nothing was "
                      "restored", file=name)
    try:
        conn = sqlite3.connect(sqlite_uri(db_file, "ro"), uri=True)
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
        raise refused("does not exist", file=name) from None
    except (zipfile.BadZipFile, EOFError):
        raise refused("is not a Factor Desk backup (not a zip archive), or it is damaged; "
                      "nothing was restored", file=name) from None
    except OSError as exc:
        raise refused(f"cannot be read ({exc.strerror or exc})", file=name) from None
    with zf:
        manifest = _read_manifest(zf, name)
        _check_revision(manifest, name)
        entries = manifest["files"]
        needed = sum(e["size"] for e in entries)
        try:
            home.parent.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(home.parent).free
        except OSError as exc:
            raise refused(f"cannot be made ({exc.strerror or exc})", file=str(home)) from None
        if needed > free:
            raise refused(f"has room for {free:,} bytes; the backup needs {needed:,}",
                          file=str(home.parent))
        work = work_folder(home.parent, "restore", home)
        try:
            total = len(entries) + 1
            for done, entry in enumerate(entries):
                if should_stop():
                    raise BackupCancelled("restore")
                yield Progress(done, total, f"Checking {entry['path']}")
                try:
                    _extract(zf, entry, work, name)
                except OSError as exc:
                    raise refused(f"cannot be written ({exc.strerror or exc}); nothing was "
                                  "restored", file=str(home)) from None
            _check_database(work / DB_FILE_NAME, manifest, name)
            if should_stop():
                raise BackupCancelled("restore")
            _check_target(home)  # nobody filled it meanwhile
            try:
                _move_into_place(work, home)
            except OSError as exc:
                raise refused(f"cannot be written ({exc.strerror or exc}); nothing was "
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

