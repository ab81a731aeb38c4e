"""The history's guard on PostgreSQL (migration 0015): the server takes a load's status
change only with its history row, and decides a history row's time when the client's clock
is far from its own. SQLite has one clerk and no server: nothing there.

What the server holds to, whoever writes (Factor Desk or a login's own psql):

- every change of ``loads.status`` (and every new load's first status) has a
  ``status_history`` row of the same transaction naming that load, its old status (NULL for
  a new load) and its new one; an invoice sent (inserted) or recalled (``recalled_at``
  changed) has its load's history row Queued -> Invoiced, or Invoiced -> Queued, naming
  the invoice's batch. Checked at commit: the application writes the history after the
  UPDATE (services/lifecycle.py, services/reports/bulk.py), a login's psql may write it
  before or after. Refused otherwise (SQLSTATE 42501 with :data:`CONSTRAINT` as the
  error's constraint name: db/database.py turns it into a refusal); nothing is changed.
- a history row's ``at`` more than :data:`SKEW` away from the server's clock (a clerk's
  clock off, or a row backdated by hand) is given the server's time of the transaction.

How it is built, and why (measured on 50,000 moves, see the migration): per statement, not
per row. AFTER ... FOR EACH STATEMENT triggers with transition tables put what a
statement did, as arrays in one row, into ``factor_desk_guard.pending``: the status moves
of ``loads``, the invoices sent or recalled, the history rows added. A DEFERRABLE INITIALLY
DEFERRED constraint trigger on that table runs at commit: its first call compares the
transaction's moves with its history rows in one query (EXCEPT, hashed), refuses what has
no row, and deletes the transaction's rows of the table; the calls after it find their row
gone and return. Nothing needs to know which transaction wrote a history row (``xmin`` is a
subtransaction's id under a SAVEPOINT, which psql's ON_ERROR_ROLLBACK makes per
statement): the rows of ``pending`` are this transaction's own (another's are invisible
until its commit, which deletes them), and a subtransaction rolled back takes its rows of
``pending`` with its moves and its history rows.

The functions run as the owner of the tables (SECURITY DEFINER, with a search path of
their own and every name qualified): no login of the team may read or write
``factor_desk_guard`` (not granted; not even USAGE of the schema). A login cannot turn the
guard off: disabling a trigger needs the table's owner, session_replication_role a
superuser; ``SET CONSTRAINTS ALL IMMEDIATE`` makes the check run at the end of each
statement instead, which refuses a move whose history row comes after it.

Migration 0016 builds on it: db/undo_guard.py keeps the imports a statement marked undone
(and the history rows' import) in ``pending`` too and extends the check at commit with
them; db/server_times.py gives the other times of when something happened this module's
rule of :data:`SKEW`."""

from __future__ import annotations

from sqlalchemy import Connection

SCHEMA = "factor_desk_guard"
PENDING = f"{SCHEMA}.pending"
CONSTRAINT = "factor_desk_history_required"  # the refusal's constraint name
SKEW = "5 minutes"  # a history row's time may be this far from the server's
AT_TRIGGER = "status_history_server_time"
# (table, event, trigger, its function, the transition tables)
STATEMENT_TRIGGERS = (
    ("loads", "INSERT", "loads_history_guard_insert", "loads_added",
     "NEW TABLE AS new_rows"),
    ("loads", "UPDATE", "loads_history_guard_update", "loads_moved",
     "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("invoices", "INSERT", "invoices_history_guard_insert", "invoices_sent",
     "NEW TABLE AS new_rows"),
    ("invoices", "UPDATE", "invoices_history_guard_update", "invoices_recalled",
     "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("status_history", "INSERT", "status_history_guard_insert", "history_added",
     "NEW TABLE AS new_rows"),
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def install(conn: Connection) -> None:
    """Make the schema, its table, the functions and the triggers (PostgreSQL; the
    database's owner, who owns the tables). Replaces what an earlier call made."""
    app = _q(str(conn.exec_driver_sql("SELECT current_schema()").scalar_one()))
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC")
    # UNLOGGED: its rows live and die inside one transaction; nothing to keep in the WAL.
    conn.exec_driver_sql(
        f"CREATE UNLOGGED TABLE IF NOT EXISTS {PENDING} ("
        "id bigserial PRIMARY KEY, "
        "xact xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(), "
        "kind text NOT NULL, "  # 'load', 'invoice' (what needs a history row), 'history'
        "load_ids integer[] NOT NULL, from_statuses varchar(20)[], "
        "to_statuses varchar(20)[] NOT NULL, batch_ids integer[])")
    # each commit reads and deletes its own rows: found by the index, not by a scan of
    # what other open transactions (a long one of many statements) keep there
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS pending_xact ON {PENDING} (xact)")
    conn.exec_driver_sql(f"REVOKE ALL ON {PENDING} FROM PUBLIC")
    for name, body in _statement_functions().items():
        function(conn, name, body)
    function(conn, "check_pending", check(app))
    function(conn, "server_time",
              "BEGIN NEW.at := pg_catalog.now() AT TIME ZONE 'UTC'; RETURN NEW; END")
    for table, event, trigger, called, transitions in STATEMENT_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {app}.{_q(table)}")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {app}.{_q(table)} "
            f"REFERENCING {transitions} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {SCHEMA}.{called}()")
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {CONSTRAINT} ON {PENDING}")
    conn.exec_driver_sql(
        f"CREATE CONSTRAINT TRIGGER {CONSTRAINT} AFTER INSERT ON {PENDING} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        f"EXECUTE FUNCTION {SCHEMA}.check_pending()")
    # The WHEN costs nothing worth measuring for a row whose time is the server's; only a
    # row off by more than SKEW calls the function.
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {AT_TRIGGER} ON {app}.status_history")
    conn.exec_driver_sql(
        f"CREATE TRIGGER {AT_TRIGGER} BEFORE INSERT ON {app}.status_history FOR EACH ROW "
        f"WHEN (NEW.at < (pg_catalog.now() AT TIME ZONE 'UTC') - interval '{SKEW}' "
        f"OR NEW.at > (pg_catalog.statement_timestamp() AT TIME ZONE 'UTC') "
        f"+ interval '{SKEW}') EXECUTE FUNCTION {SCHEMA}.server_time()")


def drop(conn: Connection) -> None:
    app = _q(str(conn.exec_driver_sql("SELECT current_schema()").scalar_one()))
    for table, _event, trigger, _called, _transitions in STATEMENT_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {app}.{_q(table)}")
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {AT_TRIGGER} ON {app}.status_history")
    conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def function(conn: Connection, name: str, body: str) -> None:
    """Make (or replace) the trigger function ``name`` of the guard's schema, run as its
    owner, that no login may call."""
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {SCHEMA}.{name}() RETURNS trigger LANGUAGE plpgsql "
        "SECURITY DEFINER SET search_path = pg_catalog, pg_temp "
        # the driver reads %s as its parameters: %% is a %
        f"AS $$ {body} $$".replace("%", "%%"))
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {SCHEMA}.{name}() FROM PUBLIC")


def _pending(kind: str, select: str) -> str:
    """Keep one row of what a statement did (none when it did none of it)."""
    return (f"BEGIN INSERT INTO {PENDING} (kind, load_ids, from_statuses, to_statuses, "
            f"batch_ids) {select} HAVING count(*) > 0; RETURN NULL; END"
            ).replace("KIND", kind)


def _statement_functions() -> dict[str, str]:
    moved = "FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE "
    return {
        # a new load's first status: from none
        "loads_added": _pending("load", "SELECT 'KIND', array_agg(id), NULL, "
                                "array_agg(status), NULL FROM new_rows"),
        "loads_moved": _pending(
            "load", "SELECT 'KIND', array_agg(n.id), array_agg(o.status), "
            f"array_agg(n.status), NULL {moved} o.status IS DISTINCT FROM n.status"),
        "invoices_sent": _pending(
            "invoice", "SELECT 'KIND', array_agg(load_id), array_agg('Queued'::text), "
            "array_agg('Invoiced'::text), array_agg(batch_id) FROM new_rows"),
        # recalled: its load Invoiced -> Queued; a recall taken back (by hand: the
        # program never does) puts the load back in the batch, Queued -> Invoiced
        "invoices_recalled": _pending(
            "invoice", "SELECT 'KIND', array_agg(n.load_id), array_agg(CASE WHEN "
            "n.recalled_at IS NULL THEN 'Queued' ELSE 'Invoiced' END), array_agg(CASE WHEN "
            "n.recalled_at IS NULL THEN 'Invoiced' ELSE 'Queued' END), array_agg(n.batch_id) "
            f"{moved} o.recalled_at IS DISTINCT FROM n.recalled_at"),
        "history_added": _pending(
            "history", "SELECT 'KIND', array_agg(load_id), array_agg(from_status), "
            "array_agg(to_status), array_agg(batch_id) FROM new_rows"),
    }


def check(app: str, *, declare: str = "", then: str = "") -> str:
    """At commit: every move of the transaction has its history row (as many rows as
    moves), or the commit is refused naming the first that has none; ``then``, with its
    variables ``declare``, runs after that, before the transaction's rows of the table are
    deleted (db/undo_guard.py, migration 0016). A load's move matches
    a row of any batch; an invoice's, a row of its own batch. The arrays are unnested in
    the select list (in step, the shorter padded with NULLs: a new load's missing
    from-status), three times faster than a FROM unnest(...) on 50,000 rows (20 ms against
    68); the invoices' query runs only when an invoice was sent or recalled."""

    def rows(kind: str, batch: str) -> str:
        return ("SELECT unnest(load_ids) AS load_id, unnest(from_statuses) AS from_status, "
                f"unnest(to_statuses) AS to_status, {batch} AS batch_id FROM {PENDING} "
                f"WHERE xact = pg_catalog.pg_current_xact_id() AND kind = '{kind}'")

    def missing(kind: str, batch: str) -> str:
        # EXCEPT ALL: counted, so that one history row cannot stand for a move made twice
        # in the transaction (Queued -> Void, back, and Void again with no row)
        return (f"SELECT * INTO missing FROM ({rows(kind, batch)} EXCEPT ALL "
                f"{rows('history', batch)}) AS m ORDER BY m.load_id LIMIT 1; ")

    return (
        f"DECLARE missing record; number text; label text; said text; {declare} "
        "BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM {PENDING} WHERE id = NEW.id) THEN RETURN NULL; "
        "END IF; "
        + missing("load", "NULL::integer")
        + f"IF NOT FOUND AND EXISTS (SELECT 1 FROM {PENDING} WHERE kind = 'invoice' "
        "AND xact = pg_catalog.pg_current_xact_id()) THEN "
        + missing("invoice", "unnest(batch_ids)") + "END IF; " +
        "IF FOUND THEN "
        f"SELECT l.load_number INTO number FROM {app}.loads l WHERE l.id = missing.load_id; "
        f"SELECT b.label INTO label FROM {app}.batches b WHERE b.id = missing.batch_id; "
        "said := CASE "
        "WHEN missing.batch_id IS NOT NULL AND missing.to_status = 'Queued' THEN "
        "format('The invoice of load %s was recalled from batch %s', number, label) "
        "WHEN missing.batch_id IS NOT NULL THEN "
        "format('Load %s was put in batch %s', number, label) "
        "WHEN missing.from_status IS NULL THEN "
        "format('Load %s was added as %s', number, missing.to_status) "
        "ELSE format('Load %s went from %s to %s', number, missing.from_status, "
        "missing.to_status) END; "
        "RAISE EXCEPTION USING ERRCODE = '42501', CONSTRAINT = "
        f"'{CONSTRAINT}', MESSAGE = said || ' without its row in the status history. "
        "The database takes a status change only with its history row, written in the "
        "same transaction; nothing was changed.', "
        "HINT = 'Change statuses with Factor Desk: it writes both.'; "
        "END IF; " + then +
        f"DELETE FROM {PENDING} WHERE xact = pg_catalog.pg_current_xact_id(); "
        "RETURN NULL; END"
    )
