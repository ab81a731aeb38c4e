"""A team on the test server (issue #15): three real logins, granted viewer, billing and
admin on the test database (the group roles are the server's), and ways to work as each:
a Desk, the command line, or a raw engine for SQL the application would never send.

The logins are made for the run with unique names (fd_viewer_<hex>...), with no password
(the test server trusts local logins), and dropped at the end."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from factor_desk.db.database import Database, Location
from factor_desk.domain.permissions import Permission
from factor_desk.services.desk import Desk

ROLES = (Permission.VIEWER, Permission.BILLING, Permission.ADMIN)


class Team:
    """The logins of the run and how to work as each on ``db_url``'s database."""

    def __init__(self, superuser_url: str, db_url: str, home: Path):
        self.superuser_url = superuser_url
        self.db_url = db_url
        self.home = home
        self.tag = uuid.uuid4().hex[:8]
        self.logins = {p: f"fd_{p.name.lower()}_{self.tag}" for p in ROLES}
        self._made: list[str] = []
        self._open: list[Desk | Engine] = []

    def make_login(self, name: str | None = None) -> str:
        """A new login with no role (dropped at the end)."""
        name = name or f"fd_clerk_{uuid.uuid4().hex[:8]}"
        with self._superuser() as conn:
            conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
        self._made.append(name)
        return name

    def url(self, who: Permission | str) -> str:
        login = self.logins[who] if isinstance(who, Permission) else who
        return make_url(self.db_url).set(username=login).render_as_string(
            hide_password=False)

    def desk(self, who: Permission | str) -> Desk:
        """A Desk as the login (the database is already migrated by its owner)."""
        desk = Desk(Database(Location(url=self.url(who), home=self.home)))
        self._open.append(desk)
        return desk

    def raw(self, who: Permission | str) -> Engine:
        """A plain engine as the login: no Factor Desk in between, as psql would be."""
        engine = create_engine(self.url(who))
        self._open.append(engine)
        return engine

    def cli(self, who: Permission | str, *args: object, capsys) -> tuple[int, str, str]:
        from factor_desk.cli import main

        code = main(["--db", self.url(who), "--home", str(self.home), *map(str, args)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    def close(self) -> None:
        for thing in self._open:
            thing.close() if isinstance(thing, Desk) else thing.dispose()
        self._open.clear()

    def _superuser(self):
        engine = create_engine(self.superuser_url, isolation_level="AUTOCOMMIT")
        self._open.append(engine)
        return engine.connect()

    def drop(self) -> None:
        self.close()
        names = [*self.logins.values(), *self._made]
        with self._superuser() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE usename = ANY(:n)"), {"n": names})
            for name in names:
                conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        self.close()


def team_of(db_url: str, db: Database, home: Path) -> Iterator[Team]:
    """Three logins granted viewer, billing and admin (by the database's owner, test-clerk,
    through the Desk); PostgreSQL only. A test module's fixture: ``yield from team_of(...)``."""
    if db_url.startswith("sqlite"):
        pytest.skip("the roles are a PostgreSQL server's; a SQLite file has one clerk")
    made = Team(os.environ["FACTOR_DESK_TEST_PG_URL"], db_url, home)
    owner = Desk(db)
    try:
        for permission, login in made.logins.items():
            made.make_login(login)
            made._made.remove(login)
            owner.grant_user(login, permission)
        yield made
    finally:
        made.drop()


def three_loads(db: Database, tmp_path: Path) -> None:
    """The carrier with loads 1, 2 and 3 Queued ($1,000.00 each), for the attacks."""
    from helpers import import_loads, load_row, make_carrier, write_loads_csv

    make_carrier(db, required=())
    rows = [load_row(str(n), Linehaul="1000.00", Accessorials="", Total="1000.00")
            for n in (1, 2, 3)]
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", rows), "Acme Freight")


def one_row(db: Database, sql: str) -> tuple:
    """The one row ``sql`` reads."""
    with db.read() as work:
        return tuple(work.execute(text(sql)).one())


@contextlib.contextmanager
def scratch_database(owner: str = "test-clerk") -> Iterator[str]:
    """A database of its own on the test server, owned by ``owner``: its name, for the
    block; dropped after (its connections too)."""
    name = f"factor_desk_roles_{uuid.uuid4().hex[:8]}"
    server = create_engine(os.environ["FACTOR_DESK_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    try:
        yield name
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
