"""Small things every service needs: who is working, finding a subsidiary by name."""

from __future__ import annotations

import collections
import contextlib
import gc
import getpass
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from factor_desk.db.models import Subsidiary
from factor_desk.db.work import Work
from factor_desk.domain.errors import NotFound
from factor_desk.domain.text import excerpt

# SQLite builds may allow as few as 32,766 bound parameters (some 999); stay well below.
CHUNK = 900
T = TypeVar("T")


def current_user() -> str:
    """Who is working, for history rows: FACTOR_DESK_USER, else the login name."""
    user = os.environ.get("FACTOR_DESK_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "unknown"


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
