"""The benches' carrier: one subsidiary, Bench Freight (BF), factored through Capital Depot,
and the loads files they import. Each bench keeps the shape it has always measured (which
columns, how many brokers, whether documents are required), so its figures stay comparable
from one run to the next."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SUBSIDIARY = "Bench Freight"
FACTOR = "Capital Depot"


def make_carrier(db: Any, *, factor: bool = True, mc_number: str = "",
                 required_documents: list[str] | None = None,
                 remit_to: str = "Dallas, TX", noa: str = "NOTICE OF ASSIGNMENT") -> str:
    """Bench Freight, with Capital Depot and its Notice of Assignment unless ``factor`` is
    False (a bare subsidiary: enough to import loads). ``required_documents`` None: the
    trade's default (rate confirmation and proof of delivery). Returns its name."""
    from factor_desk.domain.trade import InfoKind
    from factor_desk.services import company

    fields: dict[str, Any] = {"code": "BF"}
    if mc_number:
        fields["mc_number"] = mc_number
    if required_documents is not None:
        fields["required_documents"] = required_documents
    with db.write() as work:
        if factor:
            company.add_factoring_company(work, FACTOR, remit_to=remit_to)
        company.add_subsidiary(work, SUBSIDIARY, **fields)
        if factor:
            company.set_factoring_company(work, SUBSIDIARY, FACTOR)
            company.set_important_info(work, SUBSIDIARY, InfoKind.NOTICE_OF_ASSIGNMENT, noa)
    return SUBSIDIARY


def write_loads(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """A loads file as a TMS exports it: a header and one row per load."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def submit_all(db: Any) -> str:
    """Every eligible load of Bench Freight in one batch; its number."""
    from factor_desk.services.batches import submit_batch

    with db.write() as work:
        return submit_batch(work, SUBSIDIARY, all_eligible=True).batch


@contextmanager
def server_database(url: str, prefix: str) -> Iterator[str]:
    """A database of its own on the server ``url`` for one bench run (CREATE DATABASE),
    dropped after; yields its URL."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    made = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{made}"'))
    try:
        yield make_url(url).set(database=made).render_as_string(hide_password=False)
    finally:
        drop_database(admin, made)
        admin.dispose()


def drop_database(admin: Any, name: str) -> None:
    """Drop the database ``name`` (its sessions ended first), through the AUTOCOMMIT engine
    ``admin``."""
    from sqlalchemy import text

    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def side_by_side(figures: dict[str, dict[str, str]], show: Any = print) -> None:
    """Print ``{database: {figure: text}}`` as one table, a column per database."""
    names = list(figures)
    rows = list(dict.fromkeys(k for f in figures.values() for k in f))
    width = max(len(r) for r in rows)
    cols = [max(len(n), *(len(figures[n].get(r, "")) for r in rows)) for n in names]
    show(f"{'':{width}}  " + "  ".join(f"{n:>{w}}" for n, w in zip(names, cols, strict=True)))
    for r in rows:
        show(f"{r:{width}}  " + "  ".join(f"{figures[n].get(r, '-'):>{w}}"
                                          for n, w in zip(names, cols, strict=True)))
