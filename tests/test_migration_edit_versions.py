"""Migration 0010 (issue #15): the rows there already start at version 1, with no one named
as their last editor; downgrading takes the columns away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from factor_desk.db.migrate import alembic_config


def _to(engine, revision: str, *, down: bool = False) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_rows_there_before_start_at_version_1(tmp_path):
    engine = create_engine(f"sqlite:///{(tmp_path / 'old.sqlite3').as_posix()}")
    _to(engine, "0009")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (name, mc_number, address, city, state, "
                          "zip_code, email, terms_days) VALUES ('Summit', '', '', '', '', '', "
                          "'', 30)"))
    _to(engine, "0010")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT version, changed_by, changed_at FROM customers")).one()
    assert tuple(row) == (1, "", None)
    _to(engine, "0009", down=True)
    assert "version" not in {c["name"] for c in inspect(engine).get_columns("customers")}
    engine.dispose()
