"""The open database: engine, sessions (one per unit of work), document store, migrations."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from factor_desk.db.store import DatabaseStore, DocumentStore, FolderStore

DB_FILE_NAME = "factor_desk.sqlite3"
DOCUMENTS_DIR_NAME = "documents"


def default_home() -> Path:
    """The user's data folder (platformdirs), unless FACTOR_DESK_HOME says otherwise."""
    env = os.environ.get("FACTOR_DESK_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("Factor Desk", appauthor=False))


@dataclass
class Location:
    """Where the data lives: a SQLAlchemy URL and, for SQLite, the documents folder."""

    url: str
    home: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None, db_url: str | None = None) -> Location:
        home_path = Path(home).expanduser() if home else default_home()
        url = db_url or os.environ.get("FACTOR_DESK_DB")
        if not url:
            url = f"sqlite:///{(home_path / DB_FILE_NAME).as_posix()}"
        return cls(url=url, home=home_path)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    def describe(self) -> str:
        """What the status bar says: the file, or the server without the password."""
        u = make_url(self.url)
        if self.is_sqlite:
            return f"SQLite file {u.database}"
        return f"{u.get_backend_name()} {u.render_as_string(hide_password=True)}"


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that a
        # write transaction can take the write lock at BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write transaction takes the write lock at once (BEGIN IMMEDIATE): two clerks
        # submitting at the same moment queue up instead of failing half way with
        # "database is locked" when a reader tries to become a writer.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """An open database. ``with db.write() as s:`` is one all-or-nothing unit of work."""

    def __init__(self, location: Location, *, migrate: bool = True):
        self.location = location
        if location.is_sqlite:
            db_path = make_url(location.url).database
            if db_path and db_path != ":memory:":
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(location.url)
            self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            self.store: DocumentStore = FolderStore(location.home / DOCUMENTS_DIR_NAME)
        else:
            self.engine = create_engine(location.url, pool_pre_ping=True)
            self._write_engine = self.engine
            self.store = DatabaseStore()
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self._write_engine, expire_on_commit=False)
        if migrate:
            from factor_desk.db.migrate import upgrade
            from factor_desk.services.backup import automatic_backup

            automatic_backup(location, self.engine)  # before an upgrade; once a day
            upgrade(self.engine)

    @classmethod
    def open(cls, home: str | os.PathLike | None = None, db_url: str | None = None) -> Database:
        return cls(Location.resolve(home, db_url))

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading. Closing it ends its transaction without a commit; objects
        read stay readable (plain data should leave the block, though, not ORM objects)."""
        with self._read_sessions() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed if the block ends normally, rolled back otherwise."""
        with self._write_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
