"""Issue #14: once a carrier has switched factors, Factoring Reports says which factor each
batch went to (a batch keeps the factor it was submitted to)."""

from __future__ import annotations

from helpers import settle
from PySide6.QtCore import Qt

FREIGHT = "Blue Ridge Freight LLC"  # the demo's factoring subsidiary: Capital Depot


def test_each_batch_shows_the_factor_it_was_submitted_to(qtbot, window, desk):
    eligible = [ld.load_number for ld in desk.eligible_loads(FREIGHT)]
    old = desk.submit_batch(FREIGHT, eligible[:1]).batch
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    factor_column = next(c for c in range(page.batches.columnCount()) if page.batches
                         .headerData(c, Qt.Orientation.Horizontal) == "Factor")
    # every batch went to one factor: no column for it (Paid, Open balance keep the room)
    assert page.batch_view.isColumnHidden(factor_column)
    desk.add_factor("RTS Financial", "RTS Financial Service, Inc.\nP.O. Box 840267")
    desk.set_subsidiary_factor(FREIGHT, "RTS Financial")
    new = desk.submit_batch(FREIGHT, eligible[1:2]).batch
    page.refresh()
    settle(qtbot, window)
    assert not page.batch_view.isColumnHidden(factor_column)
    model = window.pages["reports"].batches
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == "Factor")
    shown = {model.row_at(r).batch.batch: model.index(r, column).data()
             for r in range(model.rowCount())}
    assert shown == {old: "Capital Depot", new: "RTS Financial"}
    assert model.row_at(0).batch.batch == new  # still the newest first
