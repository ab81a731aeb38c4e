from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from factor_desk.db.database import Database, Location
from factor_desk.db.migrate import current_revision, head_revision
from factor_desk.db.models import Base


def test_a_new_database_is_created_at_the_newest_schema(tmp_path):
    db = Database(Location.resolve(tmp_path))
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.dispose()


def test_the_migrations_build_exactly_the_models(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_an_older_database_is_upgraded_when_opened(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # a file from before the first migration: no tables at all
        conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    engine.dispose()
    db = Database(Location(url=f"sqlite:///{path}", home=tmp_path))
    assert "loads" in inspect(db.engine).get_table_names()
    assert current_revision(db.engine) == head_revision()
    db.dispose()
