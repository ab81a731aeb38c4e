"""One unit of work: a session (one transaction) that carries the document store.

Every service takes a ``Work``; the application boundary (``services/desk.py``) opens it with
``Database.read()`` or ``Database.write()``. Documents go to ``work.store`` in the same
transaction as the rows that point at them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from factor_desk.db.store import DocumentStore


class Work(Session):
    """A session with the document store of its database and the user working at it (on
    PostgreSQL the login, ``session_user``; on SQLite the OS login)."""

    def __init__(self, *args: Any, store: DocumentStore, user: str = "unknown",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.user = user
