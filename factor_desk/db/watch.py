"""Watching the database for other clerks' changes (issue #15).

A ``ChangeWatcher`` belongs to one thread (the window's watcher thread): ``wait(timeout)``
blocks until something changed, the time is up, or ``wake()`` (from any thread) cuts it
short. It opens its own connection, never one of the Database's pool.

- PostgreSQL: ``LISTEN factor_desk``; migration 0011's triggers send the name of each table
  a statement changed, whoever changed it (the program, another clerk, ``psql``).
- SQLite: ``PRAGMA data_version`` read every half second on a connection of its own; it
  moves when another connection commits, and says nothing of which table. Each look also
  ``stat``s the file: another file in its place raises ``FileReplaced`` once (the window
  tells the clerk and takes the new file, db/file_guard.py), a file gone raises
  ``ServerLost`` until it is back; the watcher's connection to the old file is closed at
  once, and one to the new file is opened only once the Database has taken it.

A server that stops answering raises ``ServerLost`` (the connection dropped, a restart, the
network); the next ``wait`` tries to connect again and raises again until it can. After a
loss every table may have changed: the first ``wait`` that reconnects says so.
"""

from __future__ import annotations

import contextlib
import select
import socket
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy.engine import make_url

from factor_desk.db.file_guard import (
    FileGuard,
    FileId,
    file_id,
    gone_message,
    replaced_message,
)
from factor_desk.location import Location, no_connection_left, sqlite_uri

CHANNEL = "factor_desk"  # migration 0011's triggers notify on it
SQLITE_POLL_SECONDS = 0.5
# How soon a server that vanished without a word (a cable, a sleeping VPN) is noticed:
# TCP keepalives, then a ping when the connection has been quiet this long.
KEEPALIVE_IDLE_SECONDS = 5
PING_AFTER_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5

Changes = frozenset[str]
"""The tables changed; empty when something changed but the database does not say what
(SQLite, or after the server came back)."""
EVERYTHING: Changes = frozenset()


class ServerLost(Exception):
    """The database server does not answer (or the database file cannot be read); the
    message says so in a clerk's words. ``file_gone``: the SQLite file is not there at
    all, so what was saved in it is gone with it (not "nothing you did is lost")."""

    def __init__(self, message: str, *, file_gone: bool = False):
        super().__init__(message)
        self.file_gone = file_gone


class FileReplaced(Exception):
    """Another SQLite file is at the database's path now (a copy over it, a sync
    program); the message says so in a clerk's words. Raised once per new file."""


def server_label(location: Location) -> str:
    """The server as the window's banner names it: its host ("dbserver")."""
    url = make_url(location.url)
    return url.host or "localhost"


class ChangeWatcher:
    """What every watcher does; see the module's docstring."""

    def wait(self, timeout: float) -> Changes | None:
        """The tables changed (EVERYTHING: unknown which) once something changed, or None
        after ``timeout`` seconds (or a ``wake``) without a change. Raises ServerLost."""
        raise NotImplementedError

    def wake(self) -> None:
        """Make a ``wait`` running on another thread return now (None)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection (call it from the watcher's thread, or after it ended)."""


class _Wakeable:
    """A socket pair a ``wait`` selects on, so that ``wake`` reaches it from any thread."""

    def __init__(self) -> None:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)

    def wake(self) -> None:
        with contextlib.suppress(OSError):  # a full pipe wakes it already; closed: gone
            self._wake_w.send(b"!")

    def _woken(self) -> bool:
        woken = False
        with contextlib.suppress(OSError):
            while self._wake_r.recv(64):
                woken = True
        return woken

    def _close_wake(self) -> None:
        self._wake_r.close()
        self._wake_w.close()


class SqliteWatcher(_Wakeable, ChangeWatcher):
    """``PRAGMA data_version`` on a connection of its own, every SQLITE_POLL_SECONDS."""

    def __init__(self, location: Location, poll: float = SQLITE_POLL_SECONDS,
                 guard: FileGuard | None = None):
        """``guard``: the Database's (its file, and when it took another); without one
        the watcher follows the path by itself."""
        super().__init__()
        self.file = location.sqlite_file
        self.poll = poll
        self.guard = guard
        self._lock = guard.lock if guard is not None else threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._on: FileId | None = None  # the file the window shows, as last seen
        self.polls = 0  # how many times it looked (tests count them)

    def _look(self) -> bool:
        """Whether the connection may read: the file at the path is the one the window
        shows. Raises FileReplaced (once per file) or ServerLost (no file there)."""
        assert self.file is not None
        try:
            now = file_id(self.file)
        except OSError:
            return True  # cannot be told: reading says what is wrong
        if now is None:
            self.drop_connection()
            if self.guard is not None:
                # what comes back is told if the Database does not have it open: a new
                # file it had no time to take before it went, not only another one
                self._on = None
            raise ServerLost(gone_message(self.file, refused=False), file_gone=True)
        if self._on is None:  # the first look: the file the window has open
            self._on = (self.guard.current if self.guard is not None else None) or now
        if now != self._on:
            self.drop_connection()
            self._on = now
            raise FileReplaced(replaced_message(self.file, refused=False))
        # the Database still has the old file: no connection to the new one before its
        # are closed (it would share the old file's -shm and read its -wal)
        current = self.guard.current if self.guard is not None else None
        return current is None or current == now

    def _read(self) -> int | None:
        with self._lock:
            if not self._look():
                return None
            if self._conn is None:
                assert self.file is not None
                # autocommit: each PRAGMA sees the newest commit. It only ever reads, but
                # opens read-write (a read-only open fails on a WAL file whose -shm is not
                # there yet), never creating a file that vanished (mode=rw).
                self._conn = sqlite3.connect(sqlite_uri(self.file, "rw"),
                                             uri=True, isolation_level=None,
                                             check_same_thread=False, timeout=1.0)
                if self.guard is not None:
                    self.guard.add(self)
            row = self._conn.execute("PRAGMA data_version").fetchone()
            self.polls += 1
            return int(row[0])

    def drop_connection(self) -> None:
        """Close the connection (another file took its file's place); the next look
        opens one again when it may."""
        with self._lock:
            self.close()
            self._version = None  # data_version counts per connection

    def wait(self, timeout: float) -> Changes | None:
        if self.file is None:  # an in-memory database: no other clerk can change it
            self._pause(timeout)
            return None
        end = time.monotonic() + timeout
        while True:
            try:
                version = self._read()
            except sqlite3.Error as exc:
                self.drop_connection()
                raise ServerLost(f"The database file {self.file} cannot be read ({exc}).") from exc
            if version is None:
                pass  # waiting for the Database to take the new file
            elif self._version is None:
                self._version = version  # the first look: what the window shows now
            elif version != self._version:
                self._version = version
                return EVERYTHING
            left = end - time.monotonic()
            if left <= 0 or self._pause(min(self.poll, left)):
                return None

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds`` or until woken (True)."""
        ready, _, _ = select.select([self._wake_r], [], [], max(0.0, seconds))
        return bool(ready) and self._woken()

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._close_wake()


def _conninfo(location: Location) -> str:
    """The libpq URI of a SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    url = make_url(location.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PostgresWatcher(_Wakeable, ChangeWatcher):
    """``LISTEN factor_desk`` on a psycopg connection of its own."""

    def __init__(self, location: Location):
        super().__init__()
        self.location = location
        self._conn: Any = None  # a psycopg.Connection while connected
        self._pending: set[str] = set()
        self._quiet_since = time.monotonic()
        self._lost = False
        self.connects = 0  # how many times it connected (tests count them)

    def _lost_message(self, exc: BaseException | None = None) -> str:
        server = server_label(self.location)
        if exc is not None and no_connection_left(exc):
            return (f"The database server {server} has no connection left for "
                    f"{make_url(self.location.url).username} (too many connections).")
        return f"The database server {server} is not answering."

    def _connect(self) -> None:
        import psycopg

        try:
            conn = psycopg.connect(
                _conninfo(self.location), autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_SECONDS, application_name="factor-desk watch",
                keepalives=1, keepalives_idle=KEEPALIVE_IDLE_SECONDS, keepalives_interval=2,
                keepalives_count=2)
        except psycopg.Error as exc:
            raise ServerLost(self._lost_message(exc)) from exc
        try:
            # notices that arrive while a statement runs (the ping) reach the handler
            conn.add_notify_handler(lambda n: self._pending.add(n.payload))
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            with contextlib.suppress(Exception):
                conn.close()
            raise ServerLost(self._lost_message()) from exc
        self._conn = conn
        self.connects += 1
        self._quiet_since = time.monotonic()

    def wait(self, timeout: float) -> Changes | None:
        import psycopg

        if self._conn is None:
            first = self.connects == 0
            self._connect()  # raises ServerLost while the server does not answer
            if not first:
                return EVERYTHING  # what changed while it was away is not known
        try:
            return self._listen(timeout)
        except psycopg.Error as exc:
            self.close()
            raise ServerLost(self._lost_message()) from exc

    def _listen(self, timeout: float) -> Changes | None:
        conn = self._conn
        pgconn = conn.pgconn
        end = time.monotonic() + timeout
        while True:
            self._take(pgconn)
            if self._pending:
                changed = frozenset(self._pending)
                self._pending.clear()
                self._quiet_since = time.monotonic()
                return changed
            now = time.monotonic()
            if now - self._quiet_since >= PING_AFTER_SECONDS:
                conn.execute("SELECT 1")  # a dead server raises here, not hours later
                self._quiet_since = now
                continue
            if now >= end:
                return None
            left = min(end, self._quiet_since + PING_AFTER_SECONDS) - now
            ready, _, _ = select.select([pgconn.socket, self._wake_r], [], [], max(0.0, left))
            if self._wake_r in ready and self._woken():
                self._take(pgconn)
                if not self._pending:
                    return None

    def _take(self, pgconn: Any) -> None:
        """Read what the server sent (raising if the connection is gone) and keep the
        names of the tables its notices carry."""
        pgconn.consume_input()
        while (notice := pgconn.notifies()) is not None:
            self._pending.add(notice.extra.decode("utf-8", "replace"))
        if pgconn.status != 0:  # not CONNECTION_OK: closed under it
            import psycopg

            raise psycopg.OperationalError("the connection to the server was closed")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._close_wake()


def open_watcher(location: Location, guard: FileGuard | None = None) -> ChangeWatcher:
    """A watcher of the database at ``location`` (SQLite: ``guard``, the Database's
    file); it connects at its first ``wait``."""
    if location.is_sqlite:
        return SqliteWatcher(location, guard=guard)
    return PostgresWatcher(location)

