"""Bring a database to the newest schema at start-up (a new file, or an older one)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic import util as alembic_util
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from factor_desk.domain.errors import EnvironmentRefused

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def refuse_unknown_revision(engine: Engine) -> None:
    """Refuse a database at a revision this program does not know: one made (or last
    opened) by a newer Factor Desk. It is neither upgraded nor downgraded."""
    current = current_revision(engine)
    if current is None:
        return
    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except alembic_util.CommandError:
        known = None
    if known is None:
        from factor_desk import __version__
        from factor_desk.db.database import Location

        where = Location(url=engine.url.render_as_string(hide_password=False),
                         home=Path()).where()
        raise EnvironmentRefused(
            f"{where[0].upper()}{where[1:]} was made by a newer Factor Desk (database "
            f"revision {current}); this is Factor Desk {__version__} (revision "
            f"{head_revision()}). Open it with that newer Factor Desk, or install it here; "
            "nothing was changed.")


def upgrade(engine: Engine) -> bool:
    """Upgrade to head when not there already. Returns True if it migrated anything."""
    refuse_unknown_revision(engine)
    if current_revision(engine) == head_revision():
        return False
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Rebuilding a table that other tables refer to (batch mode) drops it first;
            # with foreign keys on that would fail. They are checked before commit instead.
            _pragma(conn, "foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the upgrade left a row that refers to nothing")
        finally:
            if sqlite:
                _pragma(conn, "foreign_keys=ON")
    return True


def _pragma(conn: Connection, pragma: str) -> None:
    """A SQLite pragma outside any transaction (foreign_keys is a no-op inside one)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()
