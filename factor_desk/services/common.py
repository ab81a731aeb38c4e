"""Small things every service needs: who is working, finding a subsidiary by name."""

from __future__ import annotations

import collections
import contextlib
import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session

from factor_desk.db.models import Subsidiary
from factor_desk.db.work import Work
from factor_desk.domain.errors import NotFound
from factor_desk.domain.text import excerpt

# SQLite builds may allow as few as 32,766 bound parameters (some 999); stay well below.
CHUNK = 900
T = TypeVar("T")


def current_user(work: Work) -> str:
    """Who is working, for history rows: the database login on a server (set by the
    server, never by a setting), the OS login on SQLite."""
    return work.user


def find_subsidiary(work: Work, name: str, *, lock: bool = False) -> Subsidiary:
    """The subsidiary whose name or code is ``name`` (any case)."""
    key = name.strip().lower()
    stmt = select(Subsidiary).where(
        (func.lower(Subsidiary.name) == key) | (func.lower(Subsidiary.code) == key)
    )
    if lock:
        stmt = stmt.with_for_update()
    found = work.execute(stmt).scalars().first()
    if found is None:
        names = work.execute(select(Subsidiary.name).order_by(Subsidiary.name)).scalars()
        known = ", ".join(names) or "none yet"
        raise NotFound(f"No subsidiary named {excerpt(name)}. Subsidiaries: {known}.")
    return found


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def insert_rows(session: Session, table: Table, keys: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> None:
    """INSERT one row per tuple of ``rows`` (the values of ``keys``, in that order).

    On SQLite, the driver's executemany of the tuples, each value through its column's
    own bind processor (one call per distinct value: dates and stamps repeat): SQLAlchemy
    2.1's executemany builds and processes a parameter dict per row, twice the driver's
    own time at 50,000 rows (profiled: _init_compiled, construct_params). Elsewhere, or
    when a column not in ``keys`` has a Python-side default, a Core executemany."""
    rows = list(rows)
    if not rows:  # an empty executemany would be one INSERT of nothing but defaults
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    if dialect.name != "sqlite" or tuple(compiled.positiontup or ()) != tuple(keys):
        connection.execute(table.insert(), [dict(zip(keys, row, strict=True)) for row in rows])
        return
    active: list[tuple[int, Callable[[Any], Any], dict[Any, Any]]] = []
    for index, key in enumerate(keys):
        processor = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            active.append((index, processor, {}))
    if not active:
        connection.exec_driver_sql(compiled.string, [tuple(row) for row in rows])
        return

    def processed(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for index, processor, seen in active:
            value = values[index]
            try:
                values[index] = seen[value]
            except KeyError:
                values[index] = seen[value] = processor(value)
            except TypeError:  # unhashable (a JSON list): processed as it is
                values[index] = processor(value)
        return tuple(values)

    connection.exec_driver_sql(compiled.string, [processed(row) for row in rows])


class Converted(dict[Any, Any]):
    """A column's values as the driver gives them, each to its Python value: converted on
    first sight (by ``process``, or kept as it is), then looked up (a listing's dates
    repeat)."""

    def __init__(self, process: Callable[[Any], Any] | None):
        super().__init__()
        self.process = process

    def __missing__(self, value: Any) -> Any:
        converted = self[value] = value if self.process is None else self.process(value)
        return converted


def plain_rows(session: Session, stmt: Select[*tuple[Any, ...]], convert: Sequence[int] = ()
               ) -> tuple[Iterable[Sequence[Any]], dict[int, Converted]]:
    """The rows of ``stmt`` as plain tuples, to be read once, in order, for a listing of
    100,000 rows; and for each column index in ``convert``, what turns the value in a row
    into its Python value (``Converted``).

    On SQLite, the driver's own cursor: SQLAlchemy's Row objects and their type processing
    cost half as much again as the fetch itself (profiled: 0.08 s over the driver's 0.14 s,
    100,000 loads of 13 columns), and a row read as it comes is freed before the next
    (fetchall's list of them, then freeing it: 15 ms more). The columns whose type converts
    what the driver gives (SQLite keeps a date as ISO text) are left as the driver gives
    them, for ``convert``'s dicts; a converting column not named in ``convert``, or a
    statement with values bound at execution (an expanding IN), takes SQLAlchemy's own
    path. Elsewhere, SQLAlchemy's rows, whose values are converted already (the dicts then
    keep each value as it is)."""
    connection = session.connection()
    dialect = connection.dialect
    processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                  for column in stmt.selected_columns]
    compiled = stmt.compile(dialect=dialect)
    rows: Iterable[Sequence[Any]]
    if (dialect.name == "sqlite" and compiled.positional
            and not compiled.post_compile_params and not compiled.literal_execute_params
            and all(p is None or i in convert for i, p in enumerate(processors))):
        params = compiled.construct_params()
        bound = []
        for key in compiled.positiontup or ():
            bind = compiled.binds[key].type.dialect_impl(dialect).bind_processor(dialect)
            bound.append(params[key] if bind is None else bind(params[key]))
        cursor = connection.connection.cursor()
        cursor.execute(compiled.string, bound)
        rows = cast("Iterable[Sequence[Any]]", cursor)  # closed once read and let go
    else:
        rows = connection.execute(stmt)
        processors = [None] * len(processors)
    return rows, {index: Converted(processors[index]) for index in convert}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects at once.

    Building 100,000 row objects otherwise triggers dozens of collections that each walk
    every object alive, a third of the time of a large listing; nothing built here forms
    reference cycles, so there is nothing for the collector to find."""
    if threading.current_thread() is not threading.main_thread():
        # A worker thread of the window: the collector is the window's to set (it freezes
        # what it shows, see gui/models.py); switching it off and on from here let one full
        # collection of everything fall on the window's time (120-300 ms measured).
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Its first pass over what was built is the collector's to make (25-45 ms after
            # a 100,000-load listing). Moving it all straight to the oldest generation
            # (gc.freeze then gc.unfreeze) skipped that pass, but left the collector's count
            # of old objects behind, and full passes then fell on later work: the Factoring
            # Reports overview after an import went from 0.45 to 0.9 s (2026-11-29).
            gc.enable()


@dataclass
class Progress:
    """One step of a long job, for a progress bar: ``done`` of ``total``. The last item a
    job yields carries its ``result``."""

    done: int
    total: int
    message: str
    result: Any = None


def run_to_end(steps: Iterator[Progress]) -> Any:
    """Run a job's steps without showing progress; return its result."""
    (last,) = collections.deque(steps, maxlen=1)
    return last.result
