"""change notices: the server tells open windows what changed (LISTEN/NOTIFY triggers;
issue #15)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 08:00:00

PostgreSQL only (SQLite windows poll ``PRAGMA data_version`` instead; nothing to do there).
Every table of the application gets statement-level triggers (AFTER INSERT, UPDATE, DELETE,
TRUNCATE) that call one function: ``pg_notify('factor_desk', <table name>)``. In the
database, not in the program, so that a change made with ``psql`` reaches the windows too.

Cost: one notice per statement, not per row (a COPY of 50,000 loads is one), and the
server folds identical notices of one transaction into one. The function runs with the
rights of whoever changed the table; ``pg_notify`` needs none, so a Viewer's or a Billing
login's grants need nothing for it. A table added by a later migration needs its own
triggers (``add_notices(table)`` below shows the statements).
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHANNEL = "factor_desk"
FUNCTION = "factor_desk_notice"
TRIGGER = "factor_desk_notice"


def _tables() -> list[str]:
    """The application's tables as they stand at this revision (in the schema it
    migrates), so that the tables 0009 and 0010 may add are covered too."""
    rows = op.get_bind().exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename <> 'alembic_version' ORDER BY tablename").all()
    return [str(r[0]) for r in rows]


def add_notices(table: str) -> None:
    op.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
    op.execute(f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
               f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()')


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_catalog.pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; END "
        "$$")
    for table in _tables():
        add_notices(table)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        op.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
