"""The database watcher (issue #15): an open window learns within about 2 s that another
clerk changed something (PostgreSQL: LISTEN/NOTIFY from migration 0011's triggers; SQLite:
PRAGMA data_version), never from its own reading, and hears when the server is lost and
back."""

from __future__ import annotations

import os
import threading
import time

import pytest
from helpers import import_loads, load_row, make_carrier, next_change, write_loads_csv
from helpers_proxy import CutProxy, pg_upstream
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from factor_desk.db.database import Database, Location
from factor_desk.db.watch import EVERYTHING, ServerLost
from factor_desk.services.desk import Desk


def _pg_only(db) -> None:
    if db.location.is_sqlite:
        pytest.skip("a server's notices and its loss: PostgreSQL only")


@pytest.fixture
def watcher(db):
    w = Desk(db).watch()
    assert w.wait(0.01) is None  # connected (or looked once): what the window shows now
    yield w
    w.close()


def test_a_change_by_another_desk_is_reported_and_says_which_tables(db, watcher, tmp_path):
    make_carrier(db, required=())
    changes = next_change(watcher)
    if db.location.is_sqlite:
        assert changes == EVERYTHING  # SQLite does not say which
    else:
        assert changes is not None and {"companies", "subsidiaries"} <= changes
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    changes = next_change(watcher)
    assert changes is not None
    if not db.location.is_sqlite:
        assert "loads" in changes


def test_reading_reports_nothing(db, watcher):
    make_carrier(db, required=())
    assert next_change(watcher) is not None
    desk = Desk(db)
    desk.profile()
    desk.loads()
    desk.home()
    assert next_change(watcher, within=1.2) is None  # more than two looks on SQLite


def test_a_rolled_back_write_reports_nothing(db, watcher):
    with pytest.raises(RuntimeError), db.write() as work:
        work.execute(text("INSERT INTO settings (key, value) VALUES ('x', 'y')"))
        raise RuntimeError("the clerk's job failed half way")
    assert next_change(watcher, within=1.2) is None


def test_wake_ends_a_wait_at_once(watcher):
    threading.Timer(0.1, watcher.wake).start()
    started = time.monotonic()
    assert watcher.wait(30) is None
    assert time.monotonic() - started < 5


def test_a_change_made_with_raw_sql_by_a_login_with_only_its_grants_is_reported(
        db, watcher, db_url):
    """The triggers' function needs no privilege of its own: a login granted only UPDATE
    on one table (as a Billing clerk's) changes it with psql, and the window hears it."""
    _pg_only(db)
    login = "fd-watch-writer"
    name = make_url(db_url).database
    admin = create_engine(make_url(os.environ["FACTOR_DESK_TEST_PG_URL"]).set(database=name),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') "
            f'THEN CREATE ROLE "{login}" LOGIN; END IF; '
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
        conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{login}"'))
        conn.execute(text(f'GRANT SELECT, UPDATE ON settings TO "{login}"'))
    admin.dispose()
    with db.write() as work:
        work.execute(text("INSERT INTO settings (key, value) VALUES ('x', 'y')"))
    assert next_change(watcher) == {"settings"}
    clerk = create_engine(make_url(db_url).set(username=login))
    with clerk.begin() as conn:
        conn.execute(text("UPDATE settings SET value = 'z' WHERE key = 'x'"))
    clerk.dispose()
    assert next_change(watcher) == {"settings"}


def test_losing_the_server_is_reported_and_its_return_too(db, db_url):
    _pg_only(db)
    with CutProxy(*pg_upstream(db_url)) as proxy:
        location = Location(url=proxy.url(db_url), home=db.location.home)
        far = Database(location, migrate=False)
        watcher = Desk(far).watch()
        try:
            assert watcher.wait(0.01) is None
            proxy.cut()
            with pytest.raises(ServerLost, match="is not answering"):
                next_change(watcher)
            with pytest.raises(ServerLost):  # still gone: each wait tries again
                watcher.wait(0.01)
            make_carrier(db, required=())  # changed while this watcher was away
            proxy.restore()
            assert next_change(watcher) == EVERYTHING  # back: everything may have changed
            with db.write() as work:
                work.execute(text("INSERT INTO settings (key, value) VALUES ('x', 'y')"))
            assert next_change(watcher) == {"settings"}  # and it listens again
        finally:
            watcher.close()
            far.dispose()


def _noticed_tables(db) -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.execute(text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'factor_desk_notice'")).scalars())


def test_migration_0011_puts_a_notice_on_every_table_and_takes_it_off_again(db):
    _pg_only(db)
    from alembic import command

    from factor_desk.db.migrate import alembic_config
    from factor_desk.db.models import Base

    assert _noticed_tables(db) == set(Base.metadata.tables)
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    try:
        assert _noticed_tables(db) == set()
    finally:
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    assert _noticed_tables(db) == set(Base.metadata.tables)


def test_a_server_restart_drops_the_watcher_and_the_desk_and_both_come_back(db, watcher):
    """What a restart does to the connections (the server ends them: "terminating
    connection due to administrator command"), without stopping the shared test server."""
    _pg_only(db)
    desk = Desk(db)
    make_carrier(db, required=())
    assert next_change(watcher) is not None
    with db.engine.connect() as conn:
        ended = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    assert ended >= 1  # the watcher's, at least
    with pytest.raises(ServerLost):
        next_change(watcher)
    assert watcher.wait(0.01) == EVERYTHING  # the server answers: connected again
    assert [s.name for s in desk.profile().subsidiaries] == ["Acme Freight", "Beta Haulers"]
    desk.add_subsidiary("Gamma Lines", code="GAMMA")  # the next action works
    assert next_change(watcher) == {"subsidiaries"}
