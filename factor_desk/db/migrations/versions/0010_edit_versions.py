"""edit versions: on what two clerks may edit at once: company profile, NOA, customers,
loads (issue #15)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 08:00:00

Each row a clerk edits in a form gets ``version`` (1 for the rows there already, not
null), bumped by every edit saved, and who saved it and when: ``changed_by`` and
``changed_at`` (UTC; NULL until the first edit after this upgrade) on subsidiaries (the
Company profile form), customers (their terms), loads (Edit load) and factoring_companies
(the factor box: remit-to, email, terms, default NOA). important_info (the NOA and the other
important info) has kept who saved each entry and when since 0001 (``updated_by``,
``updated_at``): it gets ``version`` only, and those two serve.

A save that names the version its form showed is refused when the row has moved on since
(services/edit_versions.py, domain/versions.py): "clerk2 changed load 1042 at 10:42 AM ...".

A load's status moves (Create invoice, back to Released, Void, submit, recall, the factor's
reports) do not bump its version: they change nothing Edit load shows, and a load still
Released or Queued takes the edit as well after the move; one moved on (batched, Void) is
refused by edit_load as before, and a save from the dialog (with a version) then names who
moved it and when from the load's status history: "clerk2 changed load 1042 at 10:42 AM on
11/29/2026, after you opened it. Load 1042 is Invoiced; its invoice was sent in ACME-0003;
recall it first." So the moves' paths (the reports' apply of 50,000 rows) write nothing
more, and an undone import leaves the loads' rows exactly as they were. Adding a document
does not bump it either.

On PostgreSQL the server writes the login into ``changed_by`` as it does into the history's
user columns since 0009 (db/team.py, Stamp.EDITED: a row written with '' keeps it).

New columns only, each with a server default (rows written by code that does not know them,
such as the loads import's COPY, start at version 1): no row changes; instant on
PostgreSQL, an ALTER TABLE ADD COLUMN on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from factor_desk.db import team

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

STAMPED = ("subsidiaries", "customers", "loads", "factoring_companies")
VERSIONED = (*STAMPED, "important_info")
USER_COLUMNS = {**team.USER_COLUMNS_0009,
                **{table: {"changed_by": team.Stamp.EDITED} for table in STAMPED}}


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table) as t:
            t.add_column(sa.Column("version", sa.Integer(), nullable=False,
                                   server_default="1"))
            if table in STAMPED:
                t.add_column(sa.Column("changed_by", sa.String(100), nullable=False,
                                       server_default=""))
                t.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        team.install_user_stamps(conn, USER_COLUMNS)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in STAMPED:
            for event in ("insert", "update"):
                conn.exec_driver_sql(
                    f'DROP TRIGGER IF EXISTS "{table}_stamp_user_{event}" ON "{table}"')
        team.install_user_stamps(conn, team.USER_COLUMNS_0009)
    for table in VERSIONED:
        with op.batch_alter_table(table) as t:
            if table in STAMPED:
                t.drop_column("changed_at")
                t.drop_column("changed_by")
            t.drop_column("version")
