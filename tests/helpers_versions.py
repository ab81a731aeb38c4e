"""A second clerk on the same database as the test's ``db`` (issue #15, two clerks at once):
on SQLite another OS login (getpass reads LOGNAME), on PostgreSQL another login role."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from factor_desk.db.database import Database, Location
from factor_desk.services.desk import Desk

CLERK = "test-clerk"  # conftest.CLERK: the login of the test's own database
CLERK2 = "test-clerk2"
ACME = "Acme Freight"


def second_clerk(url: str, home: Path, monkeypatch) -> Database:
    """The database at ``url`` opened by the login CLERK2. On PostgreSQL CLERK2 is made a
    superuser: the group roles and grants are another part of #15 (migration 0009), and a
    superuser may edit whatever they grant; the server still names the login."""
    if url.startswith("sqlite"):
        database = Database(Location(url=url, home=home), migrate=False)
        before = os.environ.get("LOGNAME", "")
        monkeypatch.setenv("LOGNAME", CLERK2)
        assert database.user == CLERK2  # read once, kept for the database's life
        monkeypatch.setenv("LOGNAME", before)
        return database
    admin = create_engine(os.environ["FACTOR_DESK_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(  # as conftest.ensure_login, then made a superuser
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{CLERK2}') "
            f'THEN CREATE ROLE "{CLERK2}" LOGIN; END IF; '
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
        conn.execute(text(f'ALTER ROLE "{CLERK2}" SUPERUSER'))
    admin.dispose()
    url = make_url(url).set(username=CLERK2).render_as_string(hide_password=False)
    database = Database(Location(url=url, home=home), migrate=False)
    assert database.user == CLERK2
    return database


@pytest.fixture
def clerks(db, db_url, home, tmp_path, monkeypatch):
    """(A, B): Desks of two logins on one database holding Acme Freight and load 1042."""
    make_carrier(db, required=())
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", [load_row("1042")]), ACME)
    other = second_clerk(db_url, home, monkeypatch)
    yield Desk(db), Desk(other)
    other.dispose()


def sub_of(desk, name=ACME):
    """The subsidiary ``name`` as ``desk`` reads it now."""
    return next(s for s in desk.profile().subsidiaries if s.name == name)
