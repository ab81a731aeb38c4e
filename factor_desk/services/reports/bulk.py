"""Applying a report of 50,000 rows on PostgreSQL (issue #15): one statement where SQLite
takes a hundred. Each function here does on a server what its SQLite twin does, with the
same rows and values, through the same engine (so its errors are the engine's: a unique
clash is an IntegrityError naming its index, a lost server the usual refusal):

- ``named_in``: ``column = ANY(array)``, one bound array, instead of a chunked ``IN (...)``
  of 900 parameters each (56 statements for 50,000 invoices, each compiled and planned);
- ``write_rows``: one ``INSERT ... SELECT FROM unnest(array, array, ...)``, a column per
  array, instead of an executemany that builds a parameter dict per row;
- ``move_loads``: lifecycle.move_loads as one ``UPDATE ... WHERE id = ANY(array)`` and its
  history rows by ``write_rows``.

Measured 2026-11-29 (50,000 rows, 2 cores, load average 5): the payment report's apply
12.9 s -> see bench/bench_reports.py for the figures before and after."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, any_, bindparam, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import ARRAY

from factor_desk.db.models import Load, StatusHistory, utcnow
from factor_desk.db.work import Work
from factor_desk.domain.lifecycle import BillingStatus, check_move
from factor_desk.services import lifecycle
from factor_desk.services.common import chunks, insert_rows


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
        yield column == any_(bindparam(None, listed, type_=ARRAY(column.type)))
        return
    for part in chunks(listed):
        yield column.in_(part)


def write_rows(work: Work, table: Table, keys: Sequence[str],
               rows: Sequence[Sequence[Any]]) -> None:
    """INSERT one row per tuple of ``rows`` (the values of ``keys``, in that order), as
    services.common.insert_rows; on a server in one statement, each column's values as one
    array, or as one value when every row has the same (the import's id, a date). A column
    not in ``keys`` takes its server default: when one has a Python default, the Core path
    runs."""
    if not rows:
        return
    missing_default = any(c.default is not None and c.server_default is None
                          for c in table.columns if c.key not in keys)
    if not on_server(work) or missing_default:
        insert_rows(work, table, keys, rows)
        return
    connection = work.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    selected: list[str] = []  # what the SELECT gives each column
    scalars: list[object] = []  # its parameters, in the order of the placeholders
    arrays: list[str] = []  # what unnest() takes: the arrays of the columns that vary
    named: list[str] = []
    lists: list[object] = []
    for key, column in zip(keys, zip(*rows, strict=True), strict=True):
        sql_type = table.c[key].type.compile(dialect=dialect)
        if column.count(column[0]) == len(column):
            selected.append(f"%s::{sql_type}")
            scalars.append(column[0])
        else:
            selected.append(f"u.{quote(key)}")
            arrays.append(f"%s::{sql_type}[]")
            named.append(quote(key))
            lists.append(list(column))
    if arrays:
        source = f"unnest({', '.join(arrays)}) AS u({', '.join(named)})"
    else:  # every row the same: that many copies of it
        source, lists = "generate_series(1, %s) AS u(n)", [len(rows)]
    connection.exec_driver_sql(
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(k) for k in keys)}) SELECT {', '.join(selected)} FROM {source}",
        (*scalars, *lists))


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
        .where(Load.__table__.c.id == any_(bindparam(None, ids, type_=ARRAY(Load.id.type))),
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
