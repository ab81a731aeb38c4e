"""history required: the server takes a load's status change only with its history row,
and decides the time of a history row written with a clock far from its own (issue #15,
found by the attack on the team's server)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 10:30:00

PostgreSQL only (on SQLite one clerk, and no server to hold to anything; nothing to do).
Factor Desk always writes a load's status change and its history row in one transaction
(services/lifecycle.py, services/reports/bulk.py; a new load's first status too, by the
import and the demo). A Billing login's psql could do the one without the other, or write a
history row dated last month. db/history_guard.py now makes the server hold to it:

- at commit, every change of ``loads.status`` and every new load has a history row of the
  same transaction from its old status (none for a new load) to its new one; an invoice
  sent or recalled has its load's row Queued -> Invoiced or Invoiced -> Queued naming its
  batch. Otherwise the commit is refused (SQLSTATE 42501, the error's constraint
  ``factor_desk_history_required``; db/database.py shows its message) and nothing changes.
  Batches are not held to it: a batch's reversal that finds no open invoice moves no load
  and writes no history row (the batch row itself names who reversed it, by the server
  since 0009), and its invoices' recalls are held to it one by one.
- a history row whose ``at`` (naive UTC, db/model_base.Stamp, from the client's clock) is
  more than 5 minutes from the server's clock gets the server's time of its transaction
  (``now() AT TIME ZONE 'UTC'``), whatever the client said: a BEFORE INSERT trigger whose
  WHEN lets the rows of an honest clock through without a call. Corrected, not refused: a
  clerk whose PC clock is off keeps working, and a backdated row is dated anyway.

"This transaction": not by ``xmin`` (a row written under a SAVEPOINT carries the
subtransaction's id, not ``pg_current_xact_id()``; psql's ON_ERROR_ROLLBACK makes one per
statement) nor by a transaction-local setting (any login may set it). Statement-level AFTER
triggers with transition tables keep what each statement did in a table of the guard's
own, ``factor_desk_guard.pending``, whose rows no other transaction sees before it commits
and which the check empties at commit; a subtransaction rolled back takes its rows with
it. The check is one DEFERRABLE INITIALLY DEFERRED constraint trigger on that table (a
constraint trigger is per row: one row per statement there), not one per load: on 50,000
loads moved with their history rows (bare tables, psql, 2 cores), a per-row deferred
trigger looking up each load's history row added 0.55-0.8 s; this form 0.25-0.35 s, then
0.15-0.2 s once the check unnested its arrays in the select list (the UPDATE's transition
tables and their join 0.1-0.15 s, the history's 0.03 s, the check at commit 0.03 s).

Billing's UPDATE of invoices narrows to the recall's columns (recalled_at, recalled_by,
recall_reason), as db/team.py now grants it: the guard pairs an invoice's old and new rows
by id, so a recall made with a new id in the same UPDATE went unseen, and an open invoice
could be moved to another load or batch with no history at all (found by the attack on
this guard). No job of Billing's rewrites an invoice sent.

Measured 2026-11-29, 50,000 rows, 2 cores shared (load 1.0-1.6), the code before and
after in alternate runs (bench/bench_reports.py, bench/bench_core.py --pg): the payment
report's apply (CSV) 3.68, 3.55, 3.51, 3.49 s -> 3.93, 3.61, 3.59 s (preview + apply
4.60-4.83 s -> 4.68-4.99 s); the purchase report's apply 3.93, 2.98, 2.96, 2.88 s -> 2.94,
2.98, 2.96 s; the loads import 2.19, 2.16, 2.21, 2.16 s -> 2.35, 2.25, 2.25 s (its write
1.65-1.70 s -> 1.74-1.85 s): about +0.1 s, 3 %, on each.
"""

from __future__ import annotations

from alembic import op

from factor_desk.db import history_guard, team

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    history_guard.install(conn)
    if team.group_roles_exist(conn):  # else team.grant_team grants them so when made
        # revoking UPDATE on the table takes its column grants too: then the recall's
        conn.exec_driver_sql("REVOKE UPDATE ON invoices FROM factor_desk_billing")
        conn.exec_driver_sql("GRANT UPDATE (" + ", ".join(team.INVOICE_RECALL_COLUMNS)
                             + ") ON invoices TO factor_desk_billing")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    history_guard.drop(conn)
    if team.group_roles_exist(conn):
        conn.exec_driver_sql("GRANT UPDATE ON invoices TO factor_desk_billing")
