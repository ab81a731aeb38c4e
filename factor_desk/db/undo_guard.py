"""An import undone only as Factor Desk undoes it (PostgreSQL, migration 0016): the
history's guard (db/history_guard.py) also holds, at commit, every report import whose
``status`` the transaction changed. SQLite has one clerk and no server: nothing there.

Why: the money figures read an import's rows two ways. services/ledger.py (the balance,
the reserve, the journal's sums) counts every payment, purchase record and ledger entry
in the tables: an undo deletes them. Aging, the overview, a batch's money lines, the
factor's flags and the check against a direct payment read only the rows of an import
still ``applied``. A billing login's one ``UPDATE report_imports SET status = 'undone'``
took its payments out of the one and not the other (the load page's balance paid, the
aging unpaid), left its loads Completed or Financed with no report behind them, and freed
its file to be applied again (the unique index holds applied imports only): the same
payments counted twice.

What Factor Desk's Undo does (services/reports/history.py ``undo_import``, the reserve's
in reports/reserve.py; the core path on both databases, the same rows): it deletes the
import's purchase records, payments and ledger entries, moves back every load the import
moved (its history rows naming the import: a purchase's Invoiced -> Financed, a payment's
Financed -> Completed, a reserve's chargeback Financed -> Charged back) with a history row
of its own naming the import (Financed -> Invoiced, ...), and marks the import undone. A
loads import is never undone (its loads are removed one by one); an import that moved no
load (a payment report of partial payments only, a purchase report holding every
invoice) moves none back. So the server refuses at commit (SQLSTATE 42501, the history's
constraint name: db/database.py shows the message), and nothing is changed, when an
import went, over the transaction, from

- applied to undone and some purchase record, payment or ledger entry of it is left; or
  some load it moved (a history row naming it, of an earlier transaction, whose statuses
  differ) was not moved back from that row's new status to its old one in this
  transaction, or was but without a history row of this transaction naming the import
  (as many moves back, and rows, as the import's rows: EXCEPT ALL, as the history's check);
- applied to undone, being a loads import;
- undone back to applied (the program never does: an import undone stays undone, its file
  is applied again as a new import), or to anything else;
- applied to undone without its ``undone_at`` and ``undone_by`` (the audit lists an undo
  by them: one without was never shown);

and when an import's ``undone_at`` or ``undone_by`` was changed by the transaction and it
did not go from applied to undone in it (the undo writes them once, with the status: set
apart, they erased an undo from the audit, redated it, or showed one of an import still
applied);

and when a purchase record, payment or ledger entry of an import was deleted and the
import is not undone at commit (the other half of the same hole: the ledger's figures lose
the payment, the aging and the overview keep it). Only the undo deletes an import's
records; a clerk's own ledger entries (a close, a direct payment: no import) are not held.
Nor is a record written under an import that is not applied at commit (undone, or made
undone by an INSERT of report_imports): the ledger would count it and the aging not, the
same hole from the other side. A report's apply writes its records under the import it
has just made, applied.

How: a statement-level AFTER UPDATE trigger on ``report_imports`` keeps the imports whose
status a statement changed (their ids, old and new statuses) in the guard's ``pending``
table (kind ``import``; ``import_ids`` a column of its own, ``load_ids`` empty), an AFTER
DELETE one on each table of records the imports whose records it deleted (kind ``deleted
<table>``), and the history's rows now keep their ``import_id`` there too; the check at
commit, which already runs once per transaction, reads them after the moves, only when
there are any. Its cost falls on an undo only (one read of the import's history rows by
``import_id``, no index: the app's own undo of a payment report reads them too; the
deleted records' transition table); the history's statement trigger keeps one array more
per statement (the apply of a report).

A login's own UPDATE of report_imports narrows to the undo's columns (status, undone_at,
undone_by: db/team.py, the migration): the guard pairs a statement's old and new rows by
id, and a file's ``sha256`` rewritten by hand would free it to be applied again."""

from __future__ import annotations

from sqlalchemy import Connection

from factor_desk.db import history_guard as guard
from factor_desk.db.history_guard import CONSTRAINT, PENDING, SCHEMA

TRIGGER = "report_imports_history_guard_update"
# an import's records, which only its undo deletes (a clerk's own entries have no import)
RECORDS = {"purchase_records": "purchase records", "payments": "payments",
           "ledger_entries": "ledger entries"}
# the kinds of import each table's records are written under (and deleted by the undo of:
# services/reports/history.py, reserve.py): a record under another would outlive the undo
KINDS = {"purchase_records": ("purchase",), "payments": ("payments",),
         "ledger_entries": ("payments", "reserve")}
_XACT = "pg_catalog.pg_current_xact_id()"
# the statement triggers on each table of RECORDS: the imports whose records a statement
# deleted, and those under which it wrote records (which must be applied at commit)
_RECORD_TRIGGERS = (("history_guard_delete", "DELETE", "OLD TABLE AS old_rows",
                     "records_deleted"),
                    ("records_guard_insert", "INSERT", "NEW TABLE AS new_rows",
                     "records_inserted"))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def install(conn: Connection) -> None:
    """Keep the imports' status changes and the history's import ids in ``pending``; check
    them at commit (PostgreSQL; the database's owner; after history_guard.install).
    Replaces what an earlier call made."""
    app = _q(str(conn.exec_driver_sql("SELECT current_schema()").scalar_one()))
    conn.exec_driver_sql(f"ALTER TABLE {PENDING} ADD COLUMN IF NOT EXISTS import_ids integer[]")
    guard.function(conn, "history_added", _record(
        "history", "array_agg(load_id), array_agg(from_status), array_agg(to_status), "
        "array_agg(batch_id), array_agg(import_id) FROM new_rows"))
    # the imports whose status a statement changed; those whose undo's time or name it
    # changed and not their status ("import when": only the undo writes them)
    guard.function(conn, "imports_marked", _record(
        "import", "'{}'::integer[], array_agg(o.status), array_agg(n.status), NULL, "
        "array_agg(n.id) FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE o.status IS DISTINCT FROM n.status", end=False) + _record(
        "import when", "'{}'::integer[], NULL, '{}'::varchar[], NULL, array_agg(n.id) "
        "FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.status IS NOT DISTINCT FROM "
        "n.status AND (o.undone_at IS DISTINCT FROM n.undone_at OR o.undone_by IS DISTINCT "
        "FROM n.undone_by)", begin=False))
    guard.function(conn, "records_deleted", (
        f"BEGIN INSERT INTO {PENDING} (kind, load_ids, to_statuses, import_ids) SELECT "
        "'deleted ' || TG_TABLE_NAME, '{}'::integer[], '{}'::varchar[], "
        "array_agg(DISTINCT import_id) FROM old_rows WHERE import_id IS NOT NULL "
        "HAVING count(*) > 0; RETURN NULL; END"))
    guard.function(conn, "records_inserted", (
        f"BEGIN INSERT INTO {PENDING} (kind, load_ids, to_statuses, import_ids) SELECT "
        "'inserted ' || TG_TABLE_NAME, '{}'::integer[], '{}'::varchar[], "
        "array_agg(DISTINCT import_id) FROM new_rows WHERE import_id IS NOT NULL "
        "HAVING count(*) > 0; RETURN NULL; END"))
    for table in RECORDS:
        for name, event, rows, called in _RECORD_TRIGGERS:
            trigger = f"{table}_{name}"
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {app}.{table}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {app}.{table} REFERENCING "
                f"{rows} FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.{called}()")
    guard.function(conn, "check_pending", guard.check(
        app, declare="imp record; back record; who text; whole boolean;", then=_undone(app)))
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {app}.report_imports")
    conn.exec_driver_sql(
        f"CREATE TRIGGER {TRIGGER} AFTER UPDATE ON {app}.report_imports "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {SCHEMA}.imports_marked()")


def drop(conn: Connection) -> None:
    """Back to migration 0015's guard."""
    app = _q(str(conn.exec_driver_sql("SELECT current_schema()").scalar_one()))
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {app}.report_imports")
    for table in RECORDS:
        for name, _event, _rows, _called in _RECORD_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{name} ON {app}.{table}")
    for name in ("imports_marked", "records_deleted", "records_inserted"):
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {SCHEMA}.{name}()")
    guard.function(conn, "history_added", guard._statement_functions()["history_added"])
    guard.function(conn, "check_pending", guard.check(app))
    conn.exec_driver_sql(f"ALTER TABLE {PENDING} DROP COLUMN IF EXISTS import_ids")


def _record(kind: str, select: str, *, begin: bool = True, end: bool = True) -> str:
    """Keep one row of what a statement did (none when it did none of it); ``begin`` and
    ``end``: the function's, so that two such inserts make one function."""
    return (("BEGIN " if begin else "")
            + f"INSERT INTO {PENDING} (kind, load_ids, from_statuses, to_statuses, "
            f"batch_ids, import_ids) SELECT '{kind}', {select} HAVING count(*) > 0; "
            + ("RETURN NULL; END" if end else ""))


def _undone(app: str) -> str:
    """The check of the transaction's imports (plpgsql, inside history_guard.check: its
    ``said``, ``number`` and the variables ``imp``, ``back``)."""
    mine = f"p.xact = {_XACT}"
    # each import the transaction changed: its status before the transaction (the old
    # status of its first change) and its row now
    imports = (
        "SELECT i.id, i.kind, i.file_name, i.status, i.undone_at, i.undone_by, f.was "
        "FROM (SELECT DISTINCT ON "
        "(u.import_id) u.import_id, u.was FROM (SELECT p.id AS pid, unnest(p.import_ids) "
        f"AS import_id, unnest(p.from_statuses) AS was FROM {PENDING} p WHERE {mine} AND "
        "p.kind = 'import') u ORDER BY u.import_id, u.pid) f "
        f"JOIN {app}.report_imports i ON i.id = f.import_id "
        "WHERE i.status IS DISTINCT FROM f.was ORDER BY i.id")
    # this transaction's history rows naming the import; its moves of loads
    rows = ("SELECT h.load_id, h.from_status, h.to_status FROM (SELECT "
            "unnest(p.load_ids) AS load_id, unnest(p.from_statuses) AS from_status, "
            "unnest(p.to_statuses) AS to_status, unnest(p.import_ids) AS import_id "
            f"FROM {PENDING} p WHERE {mine} AND p.kind = 'history') h "
            "WHERE h.import_id = imp.id AND h.from_status IS DISTINCT FROM h.to_status")
    moves = ("SELECT unnest(p.load_ids), unnest(p.from_statuses), unnest(p.to_statuses) "
             f"FROM {PENDING} p WHERE {mine} AND p.kind = 'load'")
    # what the import moved (its rows of earlier transactions), each move turned back
    moved = (f"SELECT s.load_id, s.from_status, s.to_status FROM {app}.status_history s "
             "WHERE s.import_id = imp.id AND s.from_status IS DISTINCT FROM s.to_status "
             f"EXCEPT ALL {rows}")
    wanted = ("SELECT a.load_id, a.to_status AS from_status, a.from_status AS to_status "
              f"FROM ({moved}) AS a")

    def first_missing(found: str) -> str:
        return (f"SELECT * INTO back FROM ({wanted} EXCEPT ALL {found}) AS m "
                "ORDER BY 1 LIMIT 1; ")

    def left(table: str, words: str) -> str:
        return (f"ELSIF EXISTS (SELECT 1 FROM {app}.{table} r WHERE r.import_id = imp.id) "
                f"THEN said := format('%s was marked undone without deleting its {words}, "
                "which the money figures would still count', who); ")

    def without(words: str) -> str:
        return (f"IF FOUND THEN said := format('%s was marked undone without {words}', who, "
                f"(SELECT l.load_number FROM {app}.loads l WHERE l.id = back.load_id), "
                "back.from_status, back.to_status); ")

    # the records of an import deleted while it stays applied: its first, by import
    deleted = (
        "SELECT d.import_id, d.kind, i.file_name FROM (SELECT unnest(p.import_ids) AS "
        f"import_id, substr(p.kind, 9) AS kind FROM {PENDING} p WHERE {mine} AND p.kind "
        f"LIKE 'deleted %') d JOIN {app}.report_imports i ON i.id = d.import_id "
        "WHERE i.status IS DISTINCT FROM 'undone' ORDER BY 1, 2 LIMIT 1")
    words = " ".join(f"WHEN '{t}' THEN '{w}'" for t, w in RECORDS.items())
    # the records written under an import not applied at commit, or of a kind its undo
    # does not delete: its first, by import
    fits = " OR ".join(f"(d.kind = '{t}' AND i.kind IN ({', '.join(map(repr, k))}))"
                       for t, k in KINDS.items())
    inserted = (
        "SELECT d.import_id, d.kind, i.file_name, i.status, i.kind AS of FROM (SELECT "
        f"unnest(p.import_ids) AS import_id, substr(p.kind, 10) AS kind FROM {PENDING} p "
        f"WHERE {mine} AND p.kind LIKE 'inserted %') d JOIN {app}.report_imports i ON "
        f"i.id = d.import_id WHERE i.status IS DISTINCT FROM 'applied' OR NOT ({fits}) "
        "ORDER BY 1, 2 LIMIT 1")
    # the imports whose undo's time or name the transaction changed apart from its undo:
    # an import not marked undone by it (its status before, the first change's)
    redated = (
        "SELECT w.import_id, i.file_name FROM (SELECT unnest(p.import_ids) AS import_id "
        f"FROM {PENDING} p WHERE {mine} AND p.kind = 'import when') w "
        f"JOIN {app}.report_imports i ON i.id = w.import_id WHERE i.status IS DISTINCT FROM "
        "'undone' OR (SELECT u.was FROM (SELECT p.id AS pid, unnest(p.import_ids) AS "
        f"import_id, unnest(p.from_statuses) AS was FROM {PENDING} p WHERE {mine} AND "
        "p.kind = 'import') u WHERE u.import_id = w.import_id ORDER BY u.pid LIMIT 1) "
        "IS DISTINCT FROM 'applied' ORDER BY 1 LIMIT 1")
    return (
        f"IF EXISTS (SELECT 1 FROM {PENDING} p WHERE {mine} AND p.kind = 'import when') "
        f"THEN SELECT * INTO back FROM ({redated}) AS r; "
        "IF FOUND THEN RAISE EXCEPTION USING ERRCODE = '42501', CONSTRAINT = "
        f"'{CONSTRAINT}', MESSAGE = format('Import #%s (%s): its undo''s time or name was "
        "changed apart from its undo (they are written by the undo, once); nothing was "
        "changed.', back.import_id, back.file_name), HINT = 'Undo an import with Factor "
        "Desk: it does all of it.'; END IF; END IF; "
        f"IF EXISTS (SELECT 1 FROM {PENDING} p WHERE {mine} AND p.kind LIKE 'inserted %') "
        f"THEN SELECT * INTO back FROM ({inserted}) AS r; "
        "IF FOUND THEN RAISE EXCEPTION USING ERRCODE = '42501', CONSTRAINT = "
        f"'{CONSTRAINT}', MESSAGE = format(CASE WHEN back.status = 'applied' THEN "
        "'Import #%s (%s) is a %s report: %s are not written under it (its undo would "
        "leave them); nothing was changed.' ELSE 'Import #%s (%s) is %s: %s written under "
        "it would count in the ledger''s figures and not in the aging''s; nothing was "
        "changed.' END, back.import_id, back.file_name, CASE WHEN back.status = 'applied' "
        f"THEN back.of ELSE back.status END, CASE back.kind {words} END), "
        "HINT = 'Apply a report with Factor Desk: it writes its records under the import "
        "it makes.'; END IF; END IF; "
        f"IF EXISTS (SELECT 1 FROM {PENDING} p WHERE {mine} AND p.kind LIKE 'deleted %') "
        f"THEN SELECT * INTO back FROM ({deleted}) AS r; "
        "IF FOUND THEN RAISE EXCEPTION USING ERRCODE = '42501', CONSTRAINT = "
        f"'{CONSTRAINT}', MESSAGE = format('Import #%s (%s): its %s were deleted without its "
        "undo. The records of an import go only with all of its undo, which marks it undone "
        "and moves its loads back; nothing was changed.', back.import_id, back.file_name, "
        f"CASE back.kind {words} END), HINT = 'Undo an import with Factor Desk: it does all "
        "of it.'; END IF; END IF; "
        f"IF EXISTS (SELECT 1 FROM {PENDING} p WHERE {mine} AND p.kind = 'import') THEN "
        f"FOR imp IN {imports} LOOP "
        "who := format('Import #%s (%s)', imp.id, imp.file_name); said := NULL; "
        "whole := true; "
        "IF imp.was = 'undone' AND imp.status = 'applied' THEN whole := false; "
        "said := who || ' was put back to applied: an import undone stays undone (its file "
        "is applied again as a new import)'; "
        "ELSIF imp.was IS DISTINCT FROM 'applied' OR imp.status IS DISTINCT FROM 'undone' "
        "THEN whole := false; said := format('%s was marked %L: an import is applied or "
        "undone', who, imp.status); "
        "ELSIF imp.kind = 'loads' THEN whole := false; said := who || ' was marked undone: "
        "a loads import is not undone (its loads are removed one by one)'; "
        "ELSIF imp.undone_at IS NULL OR imp.undone_by IS NULL THEN whole := false; "
        "said := who || ' was marked undone without its time and name (the audit would not "
        "show it)'; "
        + left("purchase_records", "purchase records") + left("payments", "payments")
        + left("ledger_entries", "ledger entries") +
        "ELSE " + first_missing(moves) + without("moving load %s back from %s to %s")
        + "ELSE " + first_missing(rows)
        + without("its row in the status history moving load %s back from %s to %s, "
                  "naming the import") + "END IF; END IF; END IF; "
        "IF said IS NOT NULL THEN "
        "IF whole THEN said := said || '. The database takes an import''s undo only whole, "
        "in one transaction: its records deleted, each load it moved moved back with its "
        "history row naming it'; END IF; "
        "RAISE EXCEPTION USING ERRCODE = '42501', CONSTRAINT = "
        f"'{CONSTRAINT}', MESSAGE = said || '; nothing was changed.', HINT = 'Undo an "
        "import with Factor Desk: it does all of it.'; END IF; "
        "END LOOP; END IF; ")
