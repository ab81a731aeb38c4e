"""Where supporting documents and uploaded files are kept, under their content hash.

The user's own file may move or vanish after it is attached; the store keeps a copy.
One clerk on SQLite: a folder beside the database file. A team on PostgreSQL: inside the
database, so every clerk sees every document. Both behave the same behind DocumentStore.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from factor_desk.db.models import DocumentBlob


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DocumentStore(Protocol):
    def put(self, session: Session, data: bytes) -> str:
        """Keep ``data``; return its sha256. Storing the same bytes twice keeps one copy."""

    def get(self, session: Session, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; KeyError if there are none."""

    def local_path(self, session: Session, sha256: str, scratch: Path) -> Path:
        """A file holding the bytes of ``sha256``: the store's own file where it has one,
        else a copy written under ``scratch``. The file may be missing if the store lost it;
        callers check."""


class FolderStore:
    """Files under ``root/ab/abcdef...``. Written before the database row that names them
    commits: a rolled-back transaction leaves at worst an unreferenced file, never a row
    that points at nothing."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, session: Session, data: bytes) -> str:
        digest = sha256_of(data)
        path = self._path(digest)
        if path.exists() and path.stat().st_size == len(data):
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, session: Session, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise KeyError(sha256) from None

    def local_path(self, session: Session, sha256: str, scratch: Path) -> Path:
        return self._path(sha256)


class DatabaseStore:
    """Blobs in the ``document_blobs`` table, written in the caller's transaction."""

    def put(self, session: Session, data: bytes) -> str:
        digest = sha256_of(data)
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        if dialect in ("postgresql", "sqlite"):
            session.execute(
                insert(DocumentBlob).values(sha256=digest, data=data).on_conflict_do_nothing()
            )
        elif session.get(DocumentBlob, digest) is None:  # pragma: no cover - other servers
            session.add(DocumentBlob(sha256=digest, data=data))
            session.flush()
        return digest

    def get(self, session: Session, sha256: str) -> bytes:
        data = session.execute(
            select(DocumentBlob.data).where(DocumentBlob.sha256 == sha256)
        ).scalar_one_or_none()
        if data is None:
            raise KeyError(sha256)
        return bytes(data)

    def local_path(self, session: Session, sha256: str, scratch: Path) -> Path:
        path = Path(scratch) / sha256
        if not path.exists():
            try:
                data = self.get(session, sha256)
            except KeyError:
                return path  # missing: the caller reports it
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return path
