"""One thing done by one clerk at a time, across programs and computers (issue #15): the
lock a batch's email is sent under, so that two clerks pressing Send on the same batch at
the same moment cannot both mail it to the factor.

``exclusive(db, what, key)`` is a context manager giving True when this program now holds
the lock on (``what``, ``key``) until the block ends, False (at once, without waiting) when
another holds it. Nothing is left behind by a program that dies holding it:

- PostgreSQL: ``pg_try_advisory_lock`` on a connection of its own, outside a transaction
  (one idle in a transaction for the length of a send would be ended by a server's
  ``idle_in_transaction_session_timeout``, letting go of the lock mid-send); let go with
  ``pg_advisory_unlock`` at the block's end, and by the server when the connection drops.
- SQLite file: a lock on one byte (the key) of ``<database>-<what>.lock`` beside the file
  (``fcntl.lockf`` on macOS and Linux, ``msvcrt.locking`` on Windows); the system lets go
  when the program exits. POSIX record locks belong to a process, not to a file handle,
  and closing any handle of the file lets go of all of them: so the process opens the
  file once, while any of its locks on it is held, and keeps its own locks in a table too
  (two Desks in one process).
- SQLite in memory: only this process can see it; the table alone.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Engine, text

from factor_desk.location import Location


class _Opened(Protocol):
    engine: Engine
    location: Location


_HELD: set[tuple[str, str, int]] = set()  # (where, what, key) held by this process
_HELD_GUARD = threading.Lock()


@contextlib.contextmanager
def exclusive(db: _Opened, what: str, key: int) -> Iterator[bool]:
    """See the module's docstring. ``key``: a row's id (0 to 2**31 - 1)."""
    if not 0 <= key < 2**31:
        raise ValueError(f"lock key out of range: {key}")
    where = db.location.url
    if not _take_here(where, what, key):
        yield False
        return
    try:
        if db.location.is_sqlite:
            file = db.location.sqlite_file
            if file is None:  # in memory: this process is the only one
                yield True
            else:
                with _file_lock(Path(f"{file}-{what}.lock"), key) as taken:
                    yield taken
        else:
            with _server_lock(db.engine, what, key) as taken:
                yield taken
    finally:
        with _HELD_GUARD:
            _HELD.discard((where, what, key))


def _take_here(where: str, what: str, key: int) -> bool:
    with _HELD_GUARD:
        if (where, what, key) in _HELD:
            return False
        _HELD.add((where, what, key))
        return True


@contextlib.contextmanager
def _server_lock(engine: Engine, what: str, key: int) -> Iterator[bool]:
    space = zlib.crc32(f"factor_desk.{what}".encode()) & 0x7FFFFFFF
    keys = {"space": space, "key": key}
    with engine.connect() as plain:
        conn = plain.execution_options(isolation_level="AUTOCOMMIT")
        taken = bool(conn.execute(text("SELECT pg_try_advisory_lock(:space, :key)"),
                                  keys).scalar_one())
        try:
            yield taken
        finally:
            if taken:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:space, :key)"), keys)
                except Exception:
                    # the connection is gone (and the lock with it), or in doubt: never
                    # back to the pool still holding it
                    plain.invalidate()


_FILES: dict[Path, tuple[IO[bytes], int]] = {}  # a lock file open, and how many locks on it


@contextlib.contextmanager
def _file_lock(path: Path, key: int) -> Iterator[bool]:
    with _HELD_GUARD:
        fh, users = _FILES.get(path) or (open(path, "a+b"), 0)  # noqa: SIM115
        _FILES[path] = (fh, users + 1)
    try:
        taken = _lock_byte(fh, key)
        try:
            yield taken
        finally:
            if taken:
                _unlock_byte(fh, key)
    finally:
        with _HELD_GUARD:
            fh, users = _FILES[path]
            if users > 1:
                _FILES[path] = (fh, users - 1)
            else:  # closing it lets go of every lock of this process on it: none is left
                del _FILES[path]
                fh.close()


if sys.platform == "win32":  # pragma: no cover - Windows only
    import msvcrt

    def _lock_byte(fh: IO[bytes], key: int) -> bool:
        fh.seek(key)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock_byte(fh: IO[bytes], key: int) -> None:
        fh.seek(key)
        with contextlib.suppress(OSError):
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock_byte(fh: IO[bytes], key: int) -> bool:
        try:
            fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, key, os.SEEK_SET)
        except OSError:
            return False
        return True

    def _unlock_byte(fh: IO[bytes], key: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.lockf(fh.fileno(), fcntl.LOCK_UN, 1, key, os.SEEK_SET)
