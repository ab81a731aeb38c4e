"""Every test gets its own empty database: a SQLite file always, and PostgreSQL too when
FACTOR_DESK_TEST_PG_URL names a server (a fresh database is made for the run)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from factor_desk.db.database import DB_FILE_NAME, Database, Location
from factor_desk.db.models import Base

PG_URL = os.environ.get("FACTOR_DESK_TEST_PG_URL")

# No example database: examples saved by an older strategy can trip hypothesis itself.
settings.register_profile("factor_desk", database=None)
settings.load_profile("factor_desk")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The OS login as getpass reads it (LOGNAME first): history rows on SQLite name it.
CLERK = "test-clerk"
os.environ["LOGNAME"] = CLERK


def ensure_login(conn, login: str, options: str = "") -> None:
    """A login role on the test server, made once (two test runs may race to make it)."""
    conn.execute(text(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') THEN "
        f'CREATE ROLE "{login}" LOGIN {options}; END IF; '
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating costs more than copying)."""
    home = tmp_path_factory.mktemp("template")
    db = Database(Location.resolve(home))
    db.dispose()
    return home / DB_FILE_NAME


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this run, migrated once, dropped at the end."""
    if not PG_URL:
        pytest.skip("FACTOR_DESK_TEST_PG_URL is not set (CI sets it)")
    name = f"factor_desk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # The tests work as the login CLERK, the database's owner (as an office manager's
        # login would be): the history names them by the server's session_user.
        ensure_login(conn, CLERK, "CREATEROLE")
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{CLERK}"'))
    url = make_url(PG_URL).set(database=name, username=CLERK).render_as_string(
        hide_password=False)
    Database(Location(url=url, home=Path("/nonexistent"))).dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, sqlite_template) -> str:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        target = tmp_path / "home" / DB_FILE_NAME
        target.parent.mkdir()
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target.as_posix()}"
    url = request.getfixturevalue("pg_database_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def db(db_url, home):
    database = Database(Location(url=db_url, home=home))
    yield database
    database.dispose()


@pytest.fixture
def cli(db_url, home, capsys):
    """Run ``factor-desk --db URL --home DIR ...`` in this process; return (code, out, err)."""
    from factor_desk.cli import main

    def run(*args):
        code = main(["--db", db_url, "--home", str(home), *map(str, args)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def team(db_url, db, home):
    """Three real logins (viewer, billing, admin) on the test server (helpers_team.Team);
    skipped on SQLite, which has one clerk."""
    from helpers_team import team_of

    yield from team_of(db_url, db, home)
