"""What a billing clerk's walk through the window of #13 found: a charged-back load stands
out in the loads table, a reserve report's preview says what each row does, dates read
with their four-digit year, and the money of a load fits the page at 1024×640."""

from __future__ import annotations

from PySide6.QtCore import Qt
from test_batch_invoices import factored
from test_load_money_actions import charge_back
from test_load_money_view import open_load

FREIGHT = "Blue Ridge Freight LLC"


def _status_colour(page, number: str):
    model = page.model
    status = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == "Status")
    row = next(r for r in range(model.rowCount()) if model.row_at(r).load_number == number)
    return model.data(model.index(row, status), Qt.ItemDataRole.ForegroundRole)


def test_a_charged_back_load_is_coloured_in_the_loads_table(qtbot, window, desk, tmp_path):
    factored(desk, tmp_path)
    charge_back(desk, "10004")
    page = open_load(qtbot, window, "10004")
    colour = _status_colour(page, "10004")
    assert colour is not None and colour.color() != _status_colour(page, "10005").color()
