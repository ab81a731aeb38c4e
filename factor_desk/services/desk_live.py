"""The Desk's live door (issue #15): a watcher of the database, so that an open window
follows the changes other clerks make (db/watch.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from factor_desk.db.watch import ChangeWatcher, ServerLost, open_watcher, server_label

# What the window needs of a watcher, from the Desk's side (the faces never import db/).
__all__ = ["ChangeWatcher", "LiveDoor", "ServerLost"]

if TYPE_CHECKING:
    from factor_desk.db.database import Database


class LiveDoor:
    db: Database

    def watch(self) -> ChangeWatcher:
        """A watcher of this desk's database, on a connection of its own (it connects at
        its first ``wait``, on the thread that waits)."""
        return open_watcher(self.db.location)

    def server_label(self) -> str:
        """The database server as a banner names it ("dbserver")."""
        return server_label(self.db.location)
