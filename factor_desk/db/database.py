"""The open database: engine, sessions (one per unit of work), document store, migrations."""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import sessionmaker

from factor_desk.db.file_guard import (
    FileGuard,
    FileId,
    file_id,
    guard_engine,
    not_ours_message,
)
from factor_desk.db.history_guard import CONSTRAINT as HISTORY_REQUIRED
from factor_desk.db.store import DatabaseStore, DocumentStore, FolderStore
from factor_desk.db.work import Work
from factor_desk.domain.errors import DatabaseFileReplaced, EnvironmentRefused, InputRefused
from factor_desk.domain.permissions import Permission, PermissionRefused

# Where the data lives is plain data outside db/ (the faces need it without the database);
# named here too for the modules that always found it here.
from factor_desk.location import DB_FILE_NAME as DB_FILE_NAME
from factor_desk.location import DOCUMENTS_DIR_NAME as DOCUMENTS_DIR_NAME
from factor_desk.location import Location as Location
from factor_desk.location import default_home as default_home
from factor_desk.location import no_connection_left, server_name, sqlite_uri

# How long a command waits for another program (a second Factor Desk, DB Browser, a backup
# tool) to let go of the SQLite file before it refuses. Read when a database is opened, so
# tests can lower it.
BUSY_TIMEOUT_SECONDS: float = 10.0
# How long a connection to a database server may take before it counts as not answering.
CONNECT_TIMEOUT_SECONDS: int = 5


def os_login() -> str:
    """The OS login (what getpass reads: LOGNAME, USER, LNAME, USERNAME, else the password
    database); "unknown" on service accounts that have none."""
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(  # pragma: no cover - exercised by every test
            dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that a
        # write transaction can take the write lock at BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction takes the write lock at once (BEGIN IMMEDIATE): two clerks
        # submitting at the same moment queue up instead of failing half way with
        # "database is locked" when a reader tries to become a writer.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _server_engine(location: Location) -> Engine:
    url = make_url(location.url)
    connect_args: dict[str, object] = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        # A server that does not answer is reported in seconds, not after the system's
        # TCP timeout (minutes).
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except ImportError as exc:  # the driver named in the URL is not installed
        raise EnvironmentRefused(
            f"The database driver for {location.where()} is not installed ({exc.name or exc}). "
            "For PostgreSQL install it with: python -m pip install \"factor-desk[postgres]\"."
        ) from exc


def _refuse_a_vanished_database(db_file: Path, documents: Path) -> None:
    """A data folder whose documents remain but whose database file is gone (deleted,
    moved, not yet restored) must not quietly get a new, empty database: the clerk would
    lose sight of every load those documents belong to."""
    try:
        if db_file.exists() and db_file.stat().st_size > 0:
            return
        has_documents = documents.is_dir() and any(p.is_file() for p in documents.rglob("*"))
    except OSError:
        return  # the folder cannot be looked at: opening the file reports what is wrong
    if has_documents:
        raise EnvironmentRefused(
            f"The database file {db_file} is missing, but the documents of its loads are "
            f"still in {documents}. Restore a backup of the database file into "
            f"{db_file.parent} and try again; Factor Desk does not start an empty database "
            "beside them.")


def _holds_a_revision(db_file: Path) -> bool:
    """Whether the SQLite file is a Factor Desk database (it has a revision), read without
    changing it: an empty file or another program's is not made one."""
    try:
        conn = sqlite3.connect(sqlite_uri(db_file, "ro"), uri=True)
    except sqlite3.Error:
        return True  # cannot be told this way: opening it says what is wrong
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone() is not None
    except sqlite3.Error as exc:
        return "no such table" not in str(exc) and "not a database" not in str(exc)
    finally:
        conn.close()


# SQLite's own error names (sqlite3.Error.sqlite_errorname, Python 3.11+), by family.
_SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")
_SQLITE_READ_ONLY = ("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")
_SQLITE_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_SQLITE_MESSAGES = {  # for drivers that carry only the message
    "database is locked": "SQLITE_BUSY",
    "attempt to write a readonly database": "SQLITE_READONLY",
    "file is not a database": "SQLITE_NOTADB",
    "database disk image is malformed": "SQLITE_CORRUPT",
    "unable to open database file": "SQLITE_CANTOPEN",
    "database or disk is full": "SQLITE_FULL",
    "disk i/o error": "SQLITE_IOERR",
}


def _sqlite_refusal(db_file: Path | None, error: BaseException) -> EnvironmentRefused | None:
    name = getattr(error, "sqlite_errorname", None)
    if not name:
        name = _SQLITE_MESSAGES.get(str(error).strip().lower(), "")
    if not name:
        return None
    where = f"The database file {db_file}" if db_file else "The database"
    if name.startswith(_SQLITE_BUSY):
        return EnvironmentRefused(
            f"{where} is in use by another program (Factor Desk waited "
            f"{BUSY_TIMEOUT_SECONDS:g} seconds for it); close it and try again. Nothing "
            "was changed.")
    if name.startswith(_SQLITE_READ_ONLY):
        return EnvironmentRefused(
            f"{where} cannot be written: the file or its folder is read-only, or you lack "
            "permission there. Make them writable (or copy the data folder to a place you "
            "can write and open that) and try again. Nothing was changed.")
    if name.startswith(_SQLITE_DAMAGED):
        return EnvironmentRefused(
            f"{where} is damaged (it is not a complete Factor Desk database); restore a "
            "backup of it and try again. Nothing was changed.")
    if name.startswith("SQLITE_FULL"):
        return EnvironmentRefused(
            f"The disk holding {db_file or 'the database'} is full; free some space and try "
            "again. Nothing was changed.")
    if name.startswith("SQLITE_CANTOPEN"):
        return EnvironmentRefused(
            f"{where} cannot be opened: its folder is missing, read-only or not yours. "
            "Check the data folder and try again.")
    if name.startswith("SQLITE_IOERR"):
        return EnvironmentRefused(
            f"{where} cannot be read or written (the disk or network drive reported an "
            "error); check the drive and try again. Nothing was changed.")
    return None


_LOGIN_REFUSED = ("password authentication failed", "authentication failed",
                  "no pg_hba.conf entry", "does not exist")
_NOT_ANSWERING = ("connection refused", "timeout expired", "timed out",
                  "could not translate host name", "name or service not known",
                  "no route to host", "network is unreachable", "could not connect",
                  "server closed the connection", "connection to server", "connection reset")


def _server_refusal(location: Location, context: ExceptionContext) -> EnvironmentRefused | None:
    if not isinstance(context.sqlalchemy_exception, sa_exc.OperationalError):
        return None
    connecting = context.connection is None
    if not (connecting or context.is_disconnect):
        return None  # a lock or serialization conflict: the services decide
    url = make_url(location.url)
    message = str(context.original_exception).lower()
    server = server_name(url)
    if connecting and f'database "{(url.database or "").lower()}" does not exist' in message:
        return EnvironmentRefused(
            f"The database server {server} has no database named {url.database!r}; check "
            "the name in the URL, or ask whoever runs the server to create it.")
    if connecting and no_connection_left(context.original_exception):
        return EnvironmentRefused(
            f"The database server {server} has no connection left for "
            f"{url.username or 'you'!r} (too many connections: the server's max_connections "
            "or the login's CONNECTION LIMIT); close the Factor Desk windows you do not "
            "use, or ask whoever runs the server to raise the limit, then try again. "
            "Nothing was changed.")
    if connecting and any(m in message for m in _LOGIN_REFUSED) \
            and not any(m in message for m in _NOT_ANSWERING[:3]):
        return EnvironmentRefused(
            f"The database server {server} refused the login of {url.username or 'you'!r}; "
            "check the user name and password in the URL (--db or FACTOR_DESK_DB).")
    if connecting:
        return EnvironmentRefused(
            f"The database server {server} did not answer (within "
            f"{CONNECT_TIMEOUT_SECONDS} seconds or at all); check that it is running and that "
            "this computer can reach it (network, VPN), then try again.")
    return EnvironmentRefused(
        f"The connection to the database server {server} was lost; nothing was changed. "
        "Check the network and try again.")


# The tables only Admin writes (db/team.py grants Billing at most a column of some); a
# write refused on another table needed Billing.
_ADMIN_TABLES = ("companies", "factoring_companies", "subsidiaries", "important_info",
                 "customers", "settings")
_TABLE_WORDS = {"status_history": "the loads' history", "report_imports": "the uploads",
                "important_info": "the subsidiary's documents and NOA",
                "factoring_companies": "the factoring companies",
                "companies": "the company profile", "settings": "the settings"}
_DENIED = re.compile(r'permission denied for (?:table|relation|sequence) "?([\w.]+)"?')


def _privilege_refusal(db: Database, context: ExceptionContext) -> BaseException | None:
    """A statement the server refused for privileges (SQLSTATE 42501): the permission it
    needed, guessed from the statement and its table, as a refusal, not a crash."""
    error = context.original_exception
    if (getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)) != "42501":
        return None
    message = str(error).splitlines()[0] if str(error) else ""
    diag = getattr(error, "diag", None)
    if getattr(diag, "constraint_name", None) == HISTORY_REQUIRED:
        # db/history_guard.py: a status change without its history row (a bug if Factor
        # Desk sent it); the server's message names the load
        return InputRefused([message])
    if " role" in message:  # granting the team's roles: db/team.py says what to do
        return None
    user = db._user or make_url(db.location.url).username or "this login"
    if "must be owner of" in message:
        return EnvironmentRefused(
            "Only the owner of the database (or a superuser) can change its tables, as "
            "upgrading it to this Factor Desk does; ask them to open it once with this "
            f"Factor Desk. Nothing was changed. (The server said: {message})")
    found = _DENIED.search(message)
    table = found.group(1).rsplit(".", 1)[-1] if found else ""
    if table == "alembic_version":  # a database not yet upgraded to the team's grants
        return EnvironmentRefused(
            f"The database {make_url(db.location.url).database} is not yet set up for a "
            "team (or needs an upgrade): its owner opens it once with this Factor Desk, "
            f"then {user} can open it. Nothing was changed.")
    statement = (context.statement or "").lstrip().upper()
    reading = statement.startswith(("SELECT", "WITH")) and "FOR UPDATE" not in statement \
        and "FOR SHARE" not in statement
    if reading:
        needed, what = Permission.VIEWER, "Reading " + _TABLE_WORDS.get(
            table, table.replace("_", " ") or "the data")
    else:
        needed = Permission.ADMIN if table in _ADMIN_TABLES else Permission.BILLING
        what = "Changing " + _TABLE_WORDS.get(table, f"the {table.replace('_', ' ')}"
                                              if table else "the data")
    return PermissionRefused(needed, user, what, db._permission)


def _refuse_environment_errors(db: Database) -> None:
    """Turn the database's environment errors (a file in use, read-only or damaged; a
    server that does not answer or refuses the login; a statement the login lacks the
    privileges for) into refusals, wherever they happen: at start-up, in a command, on a
    worker thread or in a worker process."""
    location = db.location

    @event.listens_for(db.engine, "handle_error")
    def _refuse(context: ExceptionContext) -> BaseException | None:
        if location.is_sqlite:
            return _sqlite_refusal(location.sqlite_file, context.original_exception)
        return _server_refusal(location, context) or _privilege_refusal(db, context)


class Database:
    """An open database. ``with db.write() as s:`` is one all-or-nothing unit of work."""

    def __init__(self, location: Location, *, migrate: bool = True,
                 login: tuple[str, Permission] | None = None, file: FileId | None = None):
        """``login``: who works here and what they may do, as a Database opened before in
        another process found them (a worker's desk): not asked of the server again, so a
        worker opens without a round trip and is refused only by what it does. ``file``:
        the SQLite file that Database had open (its ``file_id``); this one works on that
        file only, and refuses another in its place (db/file_guard.py)."""
        self.location = location
        self._migrate = migrate
        self.guard: FileGuard | None = None
        if location.is_sqlite:
            db_file = location.sqlite_file
            if db_file is not None:
                _refuse_a_vanished_database(db_file, location.home / DOCUMENTS_DIR_NAME)
                try:
                    db_file.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:  # read-only, not yours, a file of that name
                    raise EnvironmentRefused(
                        f"The data folder {db_file.parent} cannot be made "
                        f"({exc.strerror or exc}); choose a folder you can write (--home, "
                        "or FACTOR_DESK_HOME) and try again.") from exc
            self.engine = _sqlite_engine(location.url)
            self._write_engine: Engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if db_file is not None:
                self.guard = FileGuard(db_file, follow=file is None,
                                       close_old=self.engine.dispose,
                                       open_new=self._open_new_file)
                guard_engine(self.engine, self.guard)
            self.store: DocumentStore = FolderStore(location.home / DOCUMENTS_DIR_NAME)
        else:
            self.engine = _server_engine(location)
            self._write_engine = self.engine
            self.store = DatabaseStore()
        self._user: str | None = login[0] if login else None
        self._permission: Permission | None = login[1] if login else None
        _refuse_environment_errors(self)
        self._read_sessions = sessionmaker(self.engine, class_=Work, expire_on_commit=False,
                                           store=self.store)
        self._write_sessions = sessionmaker(self._write_engine, class_=Work,
                                            expire_on_commit=False, store=self.store)
        if not location.is_sqlite and login is None:
            self._refuse_a_login_without_permission()
        if migrate:
            from factor_desk.db.auto_backup import automatic_backup
            from factor_desk.db.migrate import refuse_unknown_revision, upgrade

            try:
                refuse_unknown_revision(self.engine)  # a newer Factor Desk's: not touched
                automatic_backup(location, self.engine)  # before an upgrade; once a day
                upgrade(self.engine)
            except BaseException:
                self.engine.dispose()  # a refused database leaves no connection open
                raise
        if self.guard is not None:
            # an identity that cannot be told (OSError): not watched; SQLite reports the rest
            with contextlib.suppress(OSError):
                self.guard.watch(file if file is not None else file_id(self.guard.path))

    def _open_new_file(self) -> None:
        """Another file took this one's place (FileGuard.check, the old file's connections
        closed): check it as opening it would, and upgrade it as opening it would."""
        from factor_desk.db.auto_backup import automatic_backup
        from factor_desk.db.migrate import refuse_unknown_revision, upgrade

        assert self.guard is not None  # it calls this
        path = self.guard.path
        if not _holds_a_revision(path):
            raise DatabaseFileReplaced(not_ours_message(path), str(path),
                                       notice=not_ours_message(path, refused=False))
        refuse_unknown_revision(self.engine)
        if self._migrate:
            automatic_backup(self.location, self.engine)
            upgrade(self.engine)

    def file_id(self) -> FileId | None:
        """The SQLite file open (see db/file_guard.py); None for a server or memory."""
        return self.guard.current if self.guard is not None else None

    def check_file(self) -> None:
        """Refused (DatabaseFileReplaced) when the file at the path is not the one open;
        then the Database works on the file there, if any (FileGuard.check)."""
        if self.guard is not None:
            self.guard.check()

    def _refuse_a_login_without_permission(self) -> None:
        """A login with none of the team's roles may not even read: refused at opening,
        with the command that grants it one."""
        try:
            permission = self.permission
            user = self.user
        except BaseException:
            self.engine.dispose()
            raise
        if permission is Permission.NONE:
            self.engine.dispose()
            url = make_url(self.location.url)
            raise PermissionRefused(
                Permission.VIEWER, user,
                f"Opening the database {url.database} on the server {url.host or 'localhost'}",
                permission)

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None,
             db_url: str | None = None) -> Database:
        return cls(Location.resolve(home, db_url))

    @property
    def user(self) -> str:
        """Who works here: on a server the login (``session_user``, set by the server, never
        by a setting); on SQLite the OS login."""
        if self._user is None:
            if self.location.is_sqlite:
                self._user = os_login()
            else:
                with self.engine.connect() as conn:
                    self._user = str(conn.exec_driver_sql("SELECT session_user").scalar_one())
            self._read_sessions.configure(user=self._user)
            self._write_sessions.configure(user=self._user)
        return self._user

    @property
    def permission(self) -> Permission:
        """What this login may do (read once per open database; see db/team.py)."""
        if self._permission is None:
            from factor_desk.db.team import login_permission

            self._permission = login_permission(self.engine)
        return self._permission

    @contextlib.contextmanager
    def read(self) -> Iterator[Work]:
        """A unit of work for reading. Closing it ends its transaction without a commit; objects
        read stay readable (plain data should leave the block, though, not ORM objects)."""
        self.check_file()
        with self._read_sessions(user=self.user) as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Work]:
        """One transaction: committed if the block ends normally, rolled back otherwise."""
        self.check_file()  # and again just before the commit (file_guard.guard_engine)
        with self._write_sessions(user=self.user) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self.guard is not None:
            self.guard.close_anchor()
