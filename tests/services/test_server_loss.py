"""Losing the server never leaves anything half done (issue #15): a long write cut in the
middle (the network drops, the server restarts) is refused with the connection-lost
message and leaves the database as it was; once the server is back the same action applies
it, once. The cut happens inside the write's own transaction, after it has sent rows to
the server, through a proxy between the program and the server (tests/helpers_proxy.py)."""

from __future__ import annotations

import pytest
from helpers import dump, import_loads, load_row, make_carrier, write_loads_csv
from helpers_proxy import CutProxy, pg_upstream
from sqlalchemy import event, func, select
from test_reports import PAYMENT_HEADER, PURCHASE_HEADER, payment_row, purchase_row, write_csv

from factor_desk.db.database import Database, Location
from factor_desk.db.models import Load, Payment
from factor_desk.domain.errors import EnvironmentRefused
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk

ROWS = 2_000


@pytest.fixture
def proxy(db, db_url):
    if db.location.is_sqlite:
        pytest.skip("a database server lost mid-way: PostgreSQL only (SQLite has no server)")
    with CutProxy(*pg_upstream(db_url)) as p:
        yield p


@pytest.fixture
def far_desk(db, proxy):
    """A desk whose every connection goes through the proxy."""
    desk = Desk(Database(Location(url=proxy.url(db.location.url), home=db.location.home),
                         migrate=False))
    yield desk
    desk.close()


def cut_at_first(desk: Desk, proxy: CutProxy, *tables: str) -> list[str]:
    """Cut the proxy once the desk's connection has sent a write to one of ``tables``
    (the write reached the server, uncommitted; the rows written before it too). Returns
    the statement it cut after."""
    seen: list[str] = []
    names = tuple(f" {t.upper()} " for t in tables)

    @event.listens_for(desk.db.engine, "after_cursor_execute")
    def cut(_conn, _cursor, statement: str, *_args) -> None:
        head = statement.lstrip().upper().split("(")[0].replace('"', "") + " "
        if not seen and head.startswith(("INSERT", "UPDATE")) \
                and any(name in head for name in names):
            seen.append(statement)
            proxy.cut()

    return seen


def _count(db, model) -> int:
    with db.read() as work:
        return work.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_payment_report_cut_mid_write_applies_nothing_then_once_after_restore(
        db, tmp_path, proxy, far_desk):
    numbers = [str(n) for n in range(1, ROWS + 1)]
    make_carrier(db, required=())
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", [
        load_row(n, Linehaul="1000.00", Accessorials="", Total="1000.00") for n in numbers]),
        "Acme Freight")
    desk = Desk(db)
    batch = desk.submit_batch("Acme Freight", numbers).batch
    run_to_end(desk.apply_report("purchase", write_csv(
        tmp_path / "purchase.csv", PURCHASE_HEADER, [purchase_row(n) for n in numbers]),
        batch=batch))
    payments = write_csv(tmp_path / "payments.csv", PAYMENT_HEADER,
                         [payment_row(n) for n in numbers])
    before = dump(db)

    # after the import's row, the file, the payments; before the loads move
    seen = cut_at_first(far_desk, proxy, "ledger_entries", "loads", "status_history")
    with pytest.raises(EnvironmentRefused, match="was lost; nothing was changed"):
        run_to_end(far_desk.apply_report("payments", payments))
    assert seen, "the cut came before the report wrote anything"
    assert dump(db) == before  # no import, no payment, no ledger entry, no status moved

    with pytest.raises(EnvironmentRefused):  # still cut: refused at once, nothing changed
        run_to_end(far_desk.apply_report("payments", payments))
    assert dump(db) == before

    proxy.restore()
    result = run_to_end(far_desk.apply_report("payments", payments))
    assert result.rows_applied == ROWS
    assert _count(db, Payment) == ROWS  # once, not twice
    assert {ld.status for ld in desk.loads()} == {"Completed"}  # paid in full


def test_a_loads_import_cut_mid_write_imports_nothing_then_once_after_restore(
        db, tmp_path, proxy, far_desk):
    make_carrier(db, required=())
    path = write_loads_csv(tmp_path / "loads.csv",
                           [load_row(str(n)) for n in range(1, ROWS + 1)])
    before = dump(db)

    # after the customers and the loads (a COPY), before their history
    seen = cut_at_first(far_desk, proxy, "load_charges", "status_history")
    with pytest.raises(EnvironmentRefused, match="was lost; nothing was changed"):
        far_desk.import_loads(path, "Acme Freight", only_valid=False)
    assert seen, "the cut came before the import wrote anything"
    assert dump(db) == before

    proxy.restore()
    result = far_desk.import_loads(path, "Acme Freight", only_valid=False)
    assert result.imported == ROWS
    assert _count(db, Load) == ROWS  # once, not twice
