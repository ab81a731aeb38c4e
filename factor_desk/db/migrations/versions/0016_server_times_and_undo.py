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

Billing's deletes of those records are held too: a purchase record, payment or ledger
entry of an import deleted while the import stays applied is refused at commit (the other
way to take a payment out of the ledger's figures and not the aging's). Only the undo
deletes an import's records; a clerk's own entries (no import) are not held. A record
written under an import that is not applied at commit is refused too (the ledger would
count it, the aging not), and an import's undone_at or undone_by changed apart from its
undo (the audit lists undos by them).

Measured 2026-11-29 (50,000 rows, 2 cores shared with other jobs, load 1-3; the code
before and after in alternate runs, four each, of bench/bench_core.py --pg and
bench/bench_reports.py --pg): the loads import (COPY; its write) 3.52, 2.73, 2.56, 3.67 s
(2.67, 2.16, 1.95, 3.12 s) -> 2.54, 2.71, 2.45, 3.70 s (1.96, 2.05, 1.85, 2.79 s); the
purchase report's apply 3.44, 3.40, 3.59, 3.55 s -> 3.83, 3.26, 3.59, 3.66 s (medians
3.50 -> 3.63 s); the payment report's apply (CSV) 4.02, 3.92, 4.41, 3.94 s -> 3.98,
4.14, 4.76, 4.08 s (medians 3.98 -> 4.11 s). The run-to-run spread (up to 35 % on the
import's write, 10-20 % on the applies) hides what changed, so each part was measured by
itself, the same statements with and without it in alternate transactions, rolled back:

- the loads' COPY of 50,000 rows with the server_times triggers on and off: 0.83-1.17 s
  (median 0.92) against 0.82-1.41 s (median 0.95); the UPDATE of their status 0.96-1.45 s
  (median 1.01) against 0.94-1.28 s (median 1.04). Nothing to see: ``loads`` had a BEFORE
  ROW INSERT trigger already (its changed_by stamp, 0010), so COPY was already inserting
  row by row, and the WHEN's two comparisons a row cost less than the noise. No need to
  move the check of ``loads.created_at`` into the statement-level triggers.
- 50,000 loads moved with their history rows and the check at commit, with the history's
  trigger keeping the rows' import ids (this migration) and without (0015): 1.89-2.94 s
  (median 1.95) against 1.81-2.49 s (median 1.98).
- Factor Desk's Undo of a 50,000-row payment report, then of the purchase report (the
  check reads the import's history rows, the deleted records' transition tables), four
  alternate pairs: 7.71, 9.19, 6.77, 6.46 s and 7.36, 10.77, 6.53, 6.84 s -> 8.91, 8.94,
  7.04, 6.90 s and 9.73, 10.43, 7.27, 7.09 s. In the two quiet pairs +0.25-0.45 s on the
  payment report's undo and +0.25-0.75 s on the purchase report's, about 5 %: paid on an
  undo only, which is rare and of 50,000 rows takes 7 s anyway.
- the statement trigger that keeps the imports a statement wrote records under (added by
  the review of 0016): an INSERT of 50,000 rows, rolled back, with and without such a
  trigger (its transition table, its array_agg(DISTINCT import_id)), alternate runs at
  load 2: 105-169 ms without, 111-200 ms with; within the noise, at most ~30 ms.
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
