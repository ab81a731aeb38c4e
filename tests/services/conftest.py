"""Fixtures the service tests share."""

import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv
from helpers_files import replaced_office

from factor_desk.services.desk import Desk


@pytest.fixture
def batch(db, tmp_path):
    """Batch ACME-0001 of invoices 1..4 at $1,000.00; load 9 is Queued, not batched."""
    make_carrier(db, required=())
    rows = [load_row(str(n), Linehaul="1000.00", Accessorials="", Total="1000.00")
            for n in (1, 2, 3, 4, 9)]
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", rows), "Acme Freight")
    return Desk(db).submit_batch("Acme Freight", ["1", "2", "3", "4"]).batch


@pytest.fixture
def office(tmp_path, sqlite_template):
    """A desk whose SQLite file another is moved over (helpers_files.replaced_office)."""
    yield from replaced_office(tmp_path, sqlite_template)
