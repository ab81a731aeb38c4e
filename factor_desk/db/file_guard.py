"""The SQLite file a Database has open, and noticing another file in its place.

A clerk's database file can be replaced under an open window: a backup copied over it by
hand, a sync program (OneDrive, Dropbox) renaming its newer copy into place, ``mv``. The
connections open then go on reading and writing the old file, which nobody will see
again (unlinked, or renamed away), and the old file's ``-wal`` at the path could be
read into the new one. So:

- The file's identity, ``(st_dev, st_ino)`` of ``os.stat`` (on Windows the volume serial
  number and the file index), is recorded when the database is opened.
- Every unit of work checks it as it begins, and every commit on the engine just before
  it is sent (one ``stat`` of the path: about 2 µs, bench/bench_file_guard.py). A
  different file, or none, refuses the unit of work (DatabaseFileReplaced) and closes
  every connection to the old file first: the pool's, the commit's own, the watcher's.
- A Database that follows the path (the window's, the command line's) then takes the new
  file: checked and upgraded as opening it would, its connections opened only once the
  old file's are closed. SQLite leaves a moved file's ``-wal`` and ``-shm`` at the path
  (it neither checkpoints nor deletes them), and the next connection would read that
  ``-wal`` into the new file: so a connection kept open on the file for this (the
  anchor) first checkpoints the old file's ``-wal`` into it (TRUNCATE), and the old
  ``-wal`` and ``-shm`` are then taken away from the path (known by their identity;
  a ``-wal`` that could not be emptied is kept beside, renamed, never deleted). A worker
  process's Database never takes another file: it was sent to work on the file its
  window had, and refuses any other.
- Taking the new file is seconds of work for a big one (the checkpoint, the automatic
  backup, the upgrade check), never for the window's own thread: the window hands it
  over (``hand_over``, set by gui/live.py). A unit of work on that thread that meets
  another file is refused at once, taking nothing and waiting for no switch under way
  elsewhere (in the words of the refusal a file already tried got: not a Factor Desk
  database); the window then takes the file in the background, as when its watcher sees
  it (db/watch.py). Other threads, and the command line, take it themselves; two of them
  at once take it once (the second finds it taken, under the guard's lock).
- A file that is gone stays refused until one is there again; nothing creates an empty
  database in its place (the pool's connections open ``mode=rw`` once the file is known).

Not noticed: a file overwritten in place, which keeps its identity (``cp`` over it, a
program that truncates and rewrites it); a file system without file ids (``st_ino`` 0).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, event

from factor_desk.domain.errors import DatabaseFileReplaced, EnvironmentRefused
from factor_desk.location import sqlite_uri

log = logging.getLogger(__name__)

FileId = tuple[int, int]
SIDE_FILES = ("-wal", "-shm")


def file_id(path: Path) -> FileId | None:
    """The identity of the file at ``path``; None when no file is there. Raises OSError
    when it cannot be told (a network drive that does not answer, no permission)."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_dev, st.st_ino)


def replaced_message(path: Path, *, refused: bool = True) -> str:
    """``refused``: the words of an action refused; else what the window tells."""
    nothing = " Nothing was saved from this action." if refused else ""
    return (f"The database file {path} was replaced on disk while Factor Desk had it open "
            "(a copy over it, a restore by hand, or a sync program such as OneDrive or "
            f"Dropbox).{nothing} Factor Desk now shows the file that is there; what was "
            "saved after that file was made is not in it.")


def not_ours_message(path: Path, *, refused: bool = True) -> str:
    """Another file took its place, but not a Factor Desk database (empty, another
    program's)."""
    nothing = " Nothing was saved from this action." if refused else ""
    return (f"The database file {path} was replaced on disk by a file that is not a Factor "
            f"Desk database (empty, or another program's).{nothing} Put the right file "
            "back, or restore a backup into the data folder.")


def gone_message(path: Path, *, refused: bool = True) -> str:
    """``refused``: the words of an action refused; else what the window's banner tells
    while the file is away."""
    nothing = " Nothing was saved from this action." if refused else ""
    return (f"The database file {path} is gone from its folder (deleted, moved or renamed "
            f"while Factor Desk had it open).{nothing} Put the file back, or restore a "
            "backup into the data folder; Factor Desk does not start an empty database in "
            "its place, and saves nothing until then.")


class Closable(Protocol):
    def drop_connection(self) -> None:
        """Close the connection to the old file (called with the guard's lock held)."""


class FileGuard:
    """The file a Database has open (``current``) and what to do when another is there.

    ``close_old`` closes the Database's connections (disposes the pool); ``open_new``
    makes the new file usable (the upgrade a fresh open does) and may refuse it. A guard
    that does not ``follow`` (a worker's) refuses every file but its own."""

    def __init__(self, path: Path, *, follow: bool, close_old: Callable[[], None],
                 open_new: Callable[[], None]):
        self.path = path
        self.follow = follow
        self.current: FileId | None = None  # None: not watched (yet, or no file ids)
        self.lock = threading.RLock()  # a switch, and the watcher's use of its connection
        self.switches = 0  # how many times it took a new file (tests count them)
        self._close_old = close_old
        self._open_new = open_new
        self._others: weakref.WeakSet[Any] = weakref.WeakSet()
        self._anchor: sqlite3.Connection | None = None
        self._sides: dict[str, FileId | None] = {}  # the -wal and -shm of the file open
        # where SQLite keeps them: beside the file the path leads to (a symbolic link's
        # target), as it was when the file was opened
        self._real = path
        # the thread taking another file, while it does: other threads' units wait for it
        self.switching: int | None = None
        # Asked by a thread that met another file (or a switch under way elsewhere), with
        # the window's words for it: True when that thread must not take it (the window's
        # own: gui/live.py then takes it in the background); None: every thread takes it.
        self.hand_over: Callable[[str], bool] | None = None
        # A file at the path that could not be taken (not a Factor Desk database, a newer
        # one's), with the words of its refusal and the window's: a thread that hands it
        # over is refused in those, not told that the file there is shown.
        self._refused: tuple[FileId, str, str] | None = None
        # The anchor was closed for a file that was then refused: the file open, back at
        # the path, gets one again (or its -wal would be read into the next file there).
        self._anchor_again = False

    def watch(self, current: FileId | None) -> None:
        """Start checking that the file at the path is ``current``."""
        self.current = current if current is not None and current[1] != 0 else None
        if self.follow and self.current is not None:
            self._open_anchor()

    def _side(self, suffix: str) -> Path:
        return self._real.with_name(self._real.name + suffix)

    def _open_anchor(self) -> None:
        """A connection kept on the file open, for the checkpoint of its -wal when another
        file takes its place; and the identity of its -wal and -shm (they stay while a
        connection is open)."""
        try:
            if file_id(self.path) != self.current:
                return
            self._real = Path(os.path.realpath(self.path))
            conn = sqlite3.connect(sqlite_uri(self.path, "rw"), uri=True,
                                   isolation_level=None, check_same_thread=False,
                                   timeout=2.0)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the -wal
            self._sides = {suffix: file_id(self._side(suffix)) for suffix in SIDE_FILES}
        except (sqlite3.Error, OSError):
            return  # the pool's connections say what is wrong with the file
        self._anchor = conn

    def close_anchor(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is not None:
            with contextlib.suppress(sqlite3.Error):
                anchor.close()

    def _put_the_old_file_away(self) -> None:
        """Before another file is opened at the path: the old file's -wal into the old
        file, its connections closed, its -wal and -shm taken from the path."""
        emptied = False
        if self._anchor is not None:
            try:
                busy = self._anchor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                emptied = busy == 0
            except sqlite3.Error:
                pass
        self.close_anchor()
        self.close_all()
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for suffix, known in self._sides.items():
            side = self._side(suffix)
            try:
                if known is None or file_id(side) != known:
                    continue  # none, or the new file's own
                if suffix == "-wal" and not emptied and side.stat().st_size > 0:
                    kept = side.with_name(f"{side.name}-of-the-replaced-file-{stamp}")
                    os.replace(side, kept)
                    log.warning("The replaced database file's -wal was kept as %s", kept)
                else:
                    side.unlink()
            except OSError:
                log.warning("Could not take %s of the replaced database file away", side)
        self._sides = {}

    def add(self, other: Closable) -> None:
        """Another connection to the file (the watcher's), closed with the pool's."""
        self._others.add(other)

    def changed(self) -> bool:
        """Whether the file at the path is not the one open (or is gone)."""
        current = self.current
        if current is None:
            return False
        try:
            return file_id(self.path) != current
        except OSError:
            return False  # cannot be told: SQLite reports what is wrong with the file

    def check(self) -> None:
        """Nothing when the file open is still the one at the path; else close every
        connection to it and refuse (DatabaseFileReplaced), after taking the new file
        when the guard follows the path."""
        if self.switching is None and not self.changed():
            if self._anchor_again:
                self._reopen_anchor()
            return
        refusal = self._handed_over()
        if refusal is not None:
            raise refusal
        with self.lock:
            try:
                now = file_id(self.path)
            except OSError:
                return
            old = self.current
            if old is None or now == old:
                return  # another thread took it meanwhile (or it came back)
            self.close_all()
            if now is None:  # the anchor stays: the same file may come back, -wal and all
                raise DatabaseFileReplaced(gone_message(self.path), str(self.path),
                                           gone=True)
            if self.follow:
                self.switching = threading.get_ident()
                try:
                    self._put_the_old_file_away()
                    self.current = now
                    try:
                        self._open_new()
                    except BaseException as exc:
                        self.current = old  # not usable: refused again at the next check
                        self.close_all()
                        self._refused = _refused(now, exc)
                        self._anchor_again = True
                        raise
                    self._refused = None
                    self._anchor_again = False
                    self._open_anchor()
                    self.switches += 1
                finally:
                    self.switching = None
            raise DatabaseFileReplaced(replaced_message(self.path), str(self.path),
                                       notice=replaced_message(self.path, refused=False))

    def _handed_over(self) -> DatabaseFileReplaced | None:
        """The refusal of this thread's unit of work when it does not take the new file
        (``hand_over`` says so), else None: decided without the lock, which a switch under
        way holds for seconds (3.8 s for a 20 MB file whose day's backup is due). A file
        gone is refused as on any thread: there is nothing to take, only the connections
        to close. A file already refused is refused in its own words."""
        hand_over = self.hand_over
        switching = self.switching
        if hand_over is None or not self.follow or switching == threading.get_ident():
            return None  # no window; a worker's guard; the switch's own units of work
        try:
            now = file_id(self.path)
        except OSError:
            return None
        current = self.current
        if now is None or current is None:
            return None
        if switching is None and now == current:
            return None  # taken meanwhile, or back
        refused = self._refused
        if refused is not None and refused[0] == now:
            message, notice = refused[1], refused[2]
        else:
            message = replaced_message(self.path)
            notice = replaced_message(self.path, refused=False)
        if not hand_over(notice):
            return None
        return DatabaseFileReplaced(message, str(self.path), notice=notice)

    def _reopen_anchor(self) -> None:
        """The file open is at the path again after another was refused in its place (the
        anchor was closed for the switch): the anchor, and the identity of the -wal its
        connections write now, as at opening; the next file put there is then taken
        without reading that -wal."""
        with self.lock:
            if self._anchor_again and self._anchor is None and not self.changed():
                self._anchor_again = False
                self._open_anchor()

    def close_all(self) -> None:
        with self.lock:
            self._close_old()
            for other in list(self._others):
                other.drop_connection()


def _refused(file: FileId | None, exc: BaseException) -> tuple[FileId, str, str] | None:
    """A file that could not be taken, as ``FileGuard._refused`` keeps it: only for a
    refusal in the clerk's words (not a Factor Desk database, a newer one's, a full disk);
    any other error keeps the usual words. Only words: the window still tries the file
    again each time one of its units of work hands it over."""
    if file is None or not isinstance(exc, EnvironmentRefused):
        return None
    notice = exc.notice if isinstance(exc, DatabaseFileReplaced) else str(exc)
    return file, str(exc), notice


def guard_engine(engine: Engine, guard: FileGuard) -> None:
    """The engine's side: connections open the file ``mode=rw`` once it is known (never
    creating one where it vanished), each remembers the file it opened, one returned after
    a switch is closed, and every commit checks the file first."""

    @event.listens_for(engine, "do_connect")
    def _open_existing(_dialect: Any, _record: Any, cargs: list[Any],
                       cparams: dict[str, Any]) -> None:
        if guard.current is not None:
            cargs[0] = sqlite_uri(guard.path, "rw")
            cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _remember(_dbapi_connection: Any, record: Any) -> None:
        try:
            record.info["file_id"] = file_id(guard.path)
        except OSError:
            record.info["file_id"] = None

    @event.listens_for(engine, "checkin")
    def _close_stale(_dbapi_connection: Any, record: Any) -> None:
        # checked out before a switch: returned to the pool of before, never used again,
        # but open on the old file until collected; closed now
        mine = record.info.get("file_id")
        if guard.current is not None and mine is not None and mine != guard.current:
            record.invalidate()

    @event.listens_for(engine, "commit")
    def _check_before_commit(conn: Connection) -> None:
        # the file this connection opened: another thread may have taken the new file
        # since this unit of work began (the path then matches, the connection does not)
        mine = conn.connection.info.get("file_id")
        stale = guard.current is not None and mine is not None and mine != guard.current
        other_switching = guard.switching not in (None, threading.get_ident())
        if stale or other_switching or guard.changed():
            conn.invalidate()  # the transaction ends unsent, before the new file is opened
            guard.check()  # takes the new file if no other thread did
            raise DatabaseFileReplaced(replaced_message(guard.path), str(guard.path),
                                       notice=replaced_message(guard.path, refused=False))
