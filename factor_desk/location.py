"""Where the data lives: the data folder and the database URL, as the command line's
--home/--db and the FACTOR_DESK_HOME/FACTOR_DESK_DB variables say. Plain data, no open
connection: both faces (window, command line) resolve a Location and hand it to
``Desk.open``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy import URL
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from factor_desk.domain.errors import BadDatabaseUrl

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
    def resolve(cls, home: str | os.PathLike[str] | None = None,
                db_url: str | None = None) -> Location:
        home_path = Path(home).expanduser() if home else default_home()
        url = db_url or os.environ.get("FACTOR_DESK_DB")
        if not url:
            url = f"sqlite:///{(home_path / DB_FILE_NAME).as_posix()}"
        else:
            _check_url(url, "--db" if db_url else "FACTOR_DESK_DB")
        return cls(url=url, home=home_path)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    def describe(self) -> str:
        """What the status bar says: the file, or the server without the password."""
        u = make_url(self.url)
        if self.is_sqlite:
            return f"SQLite file {u.database}"
        # not "postgresql postgresql+psycopg://clerk2@dbserver/factor_desk": the login is
        # the status bar's Clerk, beside it
        name = _SERVER_NAMES.get(u.get_backend_name(), u.get_backend_name())
        host = f"{u.host or 'localhost'}" + (f":{u.port}" if u.port else "")
        return f"{name} server {host}, database {u.database or ''}"

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file, or None for a server or an in-memory database."""
        if not self.is_sqlite:
            return None
        database = make_url(self.url).database
        return Path(database) if database and database != ":memory:" else None

    def where(self) -> str:
        """The database as a message names it: the file, or the server without password."""
        file = self.sqlite_file
        if file is not None:
            return f"the database file {file}"
        if self.is_sqlite:
            return "the in-memory database"
        return f"the database server {server_name(make_url(self.url))}"


def server_name(url: URL) -> str:
    """host:port (user@driver://host:port/database), never the password."""
    host = f"{url.host or 'localhost'}:{url.port or _DEFAULT_PORTS.get(url.get_backend_name(), '')}"
    return f"{host.rstrip(':')} ({url._replace(password=None).render_as_string()})"


_SERVER_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mssql": "SQL Server"}
_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}

# PostgreSQL's words when it answers but has no connection left (SQLSTATE 53300, which a
# refused connect does not carry): max_connections, a login's or a database's CONNECTION
# LIMIT, the slots kept for superusers.
_NO_CONNECTION_LEFT = ("too many clients", "too many connections",
                       "connection slots are reserved")


def no_connection_left(error: BaseException) -> bool:
    """The server refused a connection because it has none left (it does answer)."""
    message = str(error).lower()
    return any(words in message for words in _NO_CONNECTION_LEFT)


def _check_url(url: str, source: str) -> None:
    """A usage error unless ``url`` is a database URL SQLAlchemy knows (the driver itself
    is checked when the database is opened)."""
    try:
        make_url(url).get_dialect()
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ValueError) as exc:
        raise BadDatabaseUrl(url, source) from exc


def sqlite_uri(path: PurePath, mode: str) -> str:
    """The URI sqlite3 opens ``path`` by (``uri=True``) with ``mode`` (ro, rw): an open
    that never creates a file. A Windows network path (\\\\server\\share\\...) is written
    ``file:////server/share/...``: SQLite refuses a URI naming a host (``file://server/``),
    and Windows reads the path ``//server/share`` as the share."""
    uri = (path if path.is_absolute() else Path(path).absolute()).as_uri()
    if not uri.startswith("file:///"):
        uri = "file:////" + uri.removeprefix("file://")
    return f"{uri}?mode={mode}"
