"""The server's clock for the times the client gives (PostgreSQL, migration 0016): every
column that says *when something happened* and that Factor Desk fills from the clerk's PC
clock (``utcnow()``, naive UTC) is held to the rule migration 0015 gave the history's
``at`` (db/history_guard.py): a time more than :data:`history_guard.SKEW` away from the
server's clock is replaced by the server's time of the transaction (``now() AT TIME ZONE
'UTC'``), whoever writes it (a clerk's PC whose clock is off, or a login's psql backdating
a recall, a payment's entry or an undo). Corrected, not refused: a clerk whose clock is
off keeps working, and what a psql writes is dated anyway. SQLite has one clerk and no
server: nothing there.

Not these: the dates a clerk types or a factor's report gives as business data (a load's
pickup and delivery dates and ``invoice_date``, an invoice's dates, a payment's or a
purchase's date, a ledger entry's ``entry_date``): they are what the paper says, not when
the row was written. The history's ``at`` keeps its own trigger (0015).

How: one function for every table, :func:`install`'s ``server_times(column, ...)``, named
by a BEFORE INSERT and a BEFORE UPDATE trigger per table with the table's columns as its
arguments. The trigger's WHEN is the test itself (an inserted time off by more than SKEW;
an update that changes the column to such a time), so a row of an honest clock, and an
update that leaves the column alone (a load's move, 50,000 at a time), never calls the
function; only an off time pays for a call. The function sets the columns named in its
arguments that are off (on an update: that the update changed), through
``jsonb_populate_record`` (plpgsql cannot assign a field named by a variable).

The lower bound is the transaction's start and the upper bound the statement's: a row
written late in a long transaction (a report of 50,000 rows) with an honest clock is
within both. ``now()`` is the time the application's row would have had if the server had
written it: the same for every row of the transaction, as the client's ``utcnow()`` taken
once per job is.

Loads are written by COPY (services/loads/importing.py). A BEFORE ROW INSERT trigger makes
PostgreSQL's COPY insert row by row instead of in batches, but ``loads`` has one already
(its ``changed_by`` stamp, migration 0010): this one adds its WHEN's two comparisons per
row, measured in the migration's docstring."""

from __future__ import annotations

from sqlalchemy import Connection

from factor_desk.db.history_guard import SCHEMA, SKEW

FUNCTION = f"{SCHEMA}.server_times"

# The columns of each table that say when it happened, written with the client's clock.
COLUMNS: dict[str, tuple[str, ...]] = {
    "loads": ("created_at", "changed_at"),            # imported; last edit saved
    "customers": ("changed_at",),                      # last edit saved
    "subsidiaries": ("changed_at",),
    "factoring_companies": ("changed_at",),
    "important_info": ("updated_at",),                 # saved
    "supporting_documents": ("added_at",),             # attached
    "batches": ("submitted_at", "reversed_at"),        # submitted; reversed
    "invoices": ("recalled_at",),                      # recalled (or its batch reversed)
    "report_imports": ("imported_at", "undone_at"),    # uploaded; undone
    "ledger_entries": ("at",),                         # a short pay, direct payment, ...
    "column_mappings": ("saved_at",),
    "batch_sends": ("sent_at",),                       # mailed or drafted
}

_SERVER_NOW = "(pg_catalog.now() AT TIME ZONE 'UTC')"
_STATEMENT_NOW = "(pg_catalog.statement_timestamp() AT TIME ZONE 'UTC')"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _off(value: str) -> str:
    """``value`` (a timestamp) is more than SKEW from the server's clock (false for NULL)."""
    return (f"({value} < {_SERVER_NOW} - interval '{SKEW}' "
            f"OR {value} > {_STATEMENT_NOW} + interval '{SKEW}')")


def trigger_name(table: str, event: str) -> str:
    return f"{table}_server_time_{event.lower()}"


def when(columns: tuple[str, ...], *, update: bool) -> str:
    """The trigger's WHEN: some column off (on an update: changed, and off)."""
    tests = []
    for column in columns:
        new = f"NEW.{_q(column)}"
        test = _off(new)
        if update:
            test = f"({new} IS DISTINCT FROM OLD.{_q(column)} AND {test})"
        tests.append(test)
    return " OR ".join(tests)


def _body() -> str:
    # TG_ARGV: the columns. A column's time as jsonb text ('2026-11-29T09:00:00.5') reads
    # back as a timestamp; jsonb_populate_record keeps every field the patch does not name.
    return (
        "DECLARE c text; t timestamp; fresh jsonb := pg_catalog.to_jsonb(NEW); "
        "stale jsonb; patch jsonb := '{}'; "
        "BEGIN "
        "IF TG_OP = 'UPDATE' THEN stale := pg_catalog.to_jsonb(OLD); END IF; "
        "FOREACH c IN ARRAY TG_ARGV LOOP "
        "t := (fresh ->> c)::timestamp; "
        f"IF (TG_OP = 'INSERT' OR (fresh -> c) IS DISTINCT FROM (stale -> c)) AND {_off('t')} "
        f"THEN patch := patch || pg_catalog.jsonb_build_object(c, {_SERVER_NOW}); END IF; "
        "END LOOP; "
        "RETURN pg_catalog.jsonb_populate_record(NEW, patch); END")


def install(conn: Connection) -> None:
    """Make the function and the triggers of :data:`COLUMNS` (PostgreSQL; the database's
    owner; after history_guard.install, whose schema holds the function). Replaces what an
    earlier call made."""
    app = _q(str(conn.exec_driver_sql("SELECT current_schema()").scalar_one()))
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
        "SET search_path = pg_catalog, pg_temp "
        # the driver reads %s as its parameters: %% is a %
        f"AS $$ {_body()} $$".replace("%", "%%"))
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {FUNCTION}() FROM PUBLIC")
    for table, columns in COLUMNS.items():
        arguments = ", ".join(f"'{c}'" for c in columns)
        for event in ("INSERT", "UPDATE"):
            trigger = trigger_name(table, event)
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {app}.{_q(table)}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {trigger} BEFORE {event} ON {app}.{_q(table)} FOR EACH ROW "
                f"WHEN ({when(columns, update=event == 'UPDATE')}) "
                f"EXECUTE FUNCTION {FUNCTION}({arguments})".replace("%", "%%"))


def drop(conn: Connection) -> None:
    app = _q(str(conn.exec_driver_sql("SELECT current_schema()").scalar_one()))
    for table in COLUMNS:
        for event in ("INSERT", "UPDATE"):
            conn.exec_driver_sql(
                f"DROP TRIGGER IF EXISTS {trigger_name(table, event)} ON {app}.{_q(table)}")
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
