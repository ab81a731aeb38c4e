"""Applying a report of 50,000 rows on PostgreSQL (issue #15): one statement where SQLite
takes a hundred. Each function here does on a server what its SQLite twin does, with the
same rows and values, on the work's own connection in its transaction; its errors are the
engine's (a unique clash an IntegrityError naming its index, a lost server the refusal
that says so), COPY's too:

- ``named_in``: ``column = ANY(array)``, one bound array, instead of a chunked ``IN (...)``
  of 900 parameters each (56 statements for 50,000 invoices, each compiled and planned);
- ``write_rows``: ``COPY ... FROM STDIN`` instead of an executemany that builds a
  parameter dict per row;
- ``move_loads``: lifecycle.move_loads as one ``UPDATE ... WHERE id = ANY(array)`` and its
  history rows by ``write_rows``.

Measured 2026-11-29 (50,000 rows, 2 cores shared, load average 1.5-2.4, alternate runs):
the payment report's apply 6.35-6.81 s -> 2.94-3.25 s, the purchase report's 4.00-4.76 s
-> 2.51-2.68 s; bench/bench_reports.py says where the time went before and goes now."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from typing import cast as as_type

from sqlalchemy import ColumnElement, Dialect, Table, any_, bindparam, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import ARRAY, TypeEngine, UserDefinedType

from factor_desk.db.models import Load, StatusHistory, utcnow
from factor_desk.db.work import Work
from factor_desk.domain.lifecycle import BillingStatus, check_move
from factor_desk.services import lifecycle
from factor_desk.services.common import chunks, insert_rows

if TYPE_CHECKING:
    import psycopg


def on_server(work: Work) -> bool:
    """Whether ``work`` runs on PostgreSQL through psycopg 3 (the paths of this module)."""
    dialect = work.connection().dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def named_in(work: Work, column: InstrumentedAttribute[Any] | ColumnElement[Any],
             values: Collection[Any]) -> Iterator[ColumnElement[bool]]:
    """The conditions, each for one statement, that together pick the rows whose
    ``column`` is one of ``values``: on a server one ``= ANY(array)``; elsewhere a chunked
    ``IN (...)`` (some SQLite builds allow 999 parameters)."""
    listed = sorted(values)
    if not listed:
        return
    if on_server(work):
        yield column == any_(array_of(listed, column.type))
        return
    for part in chunks(listed):
        yield column.in_(part)


def array_of(values: list[Any], item_type: TypeEngine[Any]) -> ColumnElement[Any]:
    """``values`` as one bound array of ``item_type``. Whole numbers and text go as the
    array's literal, written here in one pass: psycopg's list dumper, in Python, costs
    1-2 us an item (0.5-1 s of a 50,000-row payment report's apply, profiled). The literal
    goes untyped, cast to the array type where it is bound (``%s::INTEGER[]``), so the
    server reads it as that array when it plans the statement: cast from text by a
    function instead, the planner saw no array and compared every id with every load
    (an UPDATE of 50,000 loads took 177 s)."""
    if all(type(v) is int for v in values) or all(type(v) is str for v in values):
        return bindparam(None, values, type_=_ArrayLiteral(item_type))
    return bindparam(None, values, type_=ARRAY(item_type))


class _ArrayLiteral(UserDefinedType[list[Any]]):
    """An array of whole numbers or text of ``item_type``, bound as its literal (see
    ``array_of``; PostgreSQL only)."""

    cache_ok = True
    render_bind_cast = True  # %s::INTEGER[]: psycopg sends the str untyped

    def __init__(self, item_type: TypeEngine[Any]) -> None:
        self.item_type = item_type

    def get_col_spec(self, **kw: Any) -> str:
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

        dialect = PGDialect_psycopg()  # type: ignore[no-untyped-call]  # untyped upstream
        return f"{self.item_type.compile(dialect=dialect)}[]"

    def bind_processor(self, dialect: Dialect) -> Callable[[list[Any] | None], str | None]:
        def literal(value: list[Any] | None) -> str | None:
            if value is None:
                return None
            if all(type(v) is int for v in value):
                return "{" + ",".join(map(str, value)) + "}"
            return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
                                  for v in value) + "}"

        return literal


def write_rows(work: Work, table: Table, keys: Sequence[str],
               rows: Sequence[Sequence[Any]]) -> None:
    """INSERT one row per tuple of ``rows`` (the values of ``keys``, in that order), as
    services.common.insert_rows; on a server by ``COPY ... FROM STDIN`` on the work's own
    connection, in its transaction (psycopg writes each row in C: SQLAlchemy's executemany
    of 50,000 rows built a parameter dict each, and arrays for ``unnest`` went through
    psycopg's list dumper in Python). A column not in ``keys`` takes its server default:
    when one has a Python default, the Core path runs. An error of the database (a unique
    index, a deadlock) is raised as SQLAlchemy's, as from the Core path."""
    if not rows:
        return
    missing_default = any(c.default is not None and c.server_default is None
                          for c in table.columns if c.key not in keys)
    if not on_server(work) or missing_default or row_security(work, table):
        insert_rows(work, table, keys, rows)
        return
    import psycopg  # only here: the SQLite installs never load the PostgreSQL driver

    connection = work.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    statement = (f"COPY {dialect.identifier_preparer.format_table(table)} "
                 f"({', '.join(quote(k) for k in keys)}) FROM STDIN")
    raw = as_type("psycopg.Connection[Any]", connection.connection.dbapi_connection)
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:
        if raw.broken:  # the server went away: the engine says so, as for any statement
            connection.exec_driver_sql("SELECT 1")
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


def row_security(work: Work, table: Table) -> bool:
    """Whether ``table`` has row-level security on (PostgreSQL): COPY FROM refuses such a
    table for a login it applies to, so the rows go by INSERT."""
    return bool(work.connection().exec_driver_sql(
        "SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass(%s)",
        (table.name,)).scalar())


def move_loads(work: Work, loads: Sequence[tuple[int, str]], current: BillingStatus,
               target: BillingStatus, *, by: str, reason: str,
               import_id: int | None = None) -> None:
    """lifecycle.move_loads (a forward move, all or none, a history row each); on a server
    in two statements whatever the number of loads."""
    if not loads or not on_server(work):
        lifecycle.move_loads(work, loads, current, target, by=by, reason=reason,
                             import_id=import_id)
        return
    check_move(loads[0][1], current, target, undo=False)
    ids = [load_id for load_id, _ in loads]
    moved = set(work.execute(
        update(Load.__table__)
        .where(Load.__table__.c.id == any_(array_of(ids, Load.id.type)),
               Load.__table__.c.status == current.value)
        .values(status=target.value)
        .returning(Load.__table__.c.id)).scalars().all())
    if len(moved) != len(ids):
        # its refusal, naming each load another clerk moved (a private helper, shared so
        # that both paths word it alike)
        lifecycle._refuse_changed(work, [(i, n) for i, n in loads if i not in moved], target,
                                  False)
    now = utcnow()
    write_rows(work, StatusHistory.__table__,
               ("load_id", "from_status", "to_status", "at", "by", "reason", "batch_id",
                "import_id"),
               [(load_id, current.value, target.value, now, by, reason, None, import_id)
                for load_id in ids])
