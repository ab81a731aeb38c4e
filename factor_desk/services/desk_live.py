"""The Desk's live door (issue #15): a watcher of the database, so that an open window
follows the changes other clerks make (db/watch.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from factor_desk.db.watch import (
    ChangeWatcher,
    FileReplaced,
    ServerLost,
    open_watcher,
    server_label,
)
from factor_desk.domain.errors import DatabaseFileReplaced

# What the window needs of a watcher, from the Desk's side (the faces never import db/).
__all__ = ["ChangeWatcher", "FileReplaced", "LiveDoor", "ServerLost"]

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class LiveDoor:
    db: Database

    def watch(self) -> ChangeWatcher:
        """A watcher of this desk's database, on a connection of its own (it connects at
        its first ``wait``, on the thread that waits)."""
        return open_watcher(self.db.location, self.db.guard)

    def take_file_there(self) -> bool:
        """After another SQLite file took the place of the one open (the watcher's
        FileReplaced): close every connection to the old file and work on the new one.
        True if it took one now, False if it had already (a unit of work met it first);
        refused (DatabaseFileReplaced) when no file is there, or none it can use."""
        try:
            self.db.check_file()
        except DatabaseFileReplaced as exc:
            if exc.gone or self.db.guard is None or self.db.guard.changed():
                raise
            return True
        return False

    def has_file_there(self) -> bool:
        """Whether the desk works on the SQLite file at its path (always, on a server):
        False while another file there is not taken yet, or was refused (not a Factor Desk
        database, a newer Factor Desk's), or while none is there."""
        return self.db.guard is None or not self.db.guard.changed()

    def hand_file_switches_to(self, hand_over: Callable[[str], bool] | None) -> None:
        """Who takes another SQLite file met in the open one's place (db/file_guard.py):
        ``hand_over(words)`` is asked on the thread that met it, with the words the window
        tells; True refuses the action there without taking the file (the window's own
        thread: it takes the file in a background job, as when its watcher sees it).
        None: every thread takes it itself (the command line)."""
        if self.db.guard is not None:
            self.db.guard.hand_over = hand_over

    def server_label(self) -> str:
        """The database server as a banner names it ("dbserver")."""
        return server_label(self.db.location)
