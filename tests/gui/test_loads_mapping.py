"""Loads → Import of a TMS file whose headers are not the usual ones: the column-mapping
assistant (the window's twin of ``loads import --map``, issue #14)."""

from __future__ import annotations

import pytest
from helpers import settle, write_csv_file

from factor_desk.gui.mapping_dialog import NOT_IN_FILE

ODD = ["Trip", "Bill To", "Ref", "Revenue"]


def _choose(dialog, **columns):
    for field, header in columns.items():
        combo = dialog.combos[field]
        index = combo.findText(header)
        assert index >= 0, f"{header} is not offered for {field}"
        combo.setCurrentIndex(index)


@pytest.mark.slow
def test_a_loads_file_of_other_headers_is_matched_then_imported(qtbot, window, desk, tmp_path):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    page.subsidiary.setCurrentText("Blue Ridge Freight LLC")
    settle(qtbot, window)
    path = write_csv_file(tmp_path / "tms.csv", [
        ODD, ["T-501", "Summit Brokerage", "PO-501", "1250.00"],
        ["T-502", "Summit Brokerage", "PO-502", "980.50"]])
    page.import_file(str(path))
    settle(qtbot, window)
    dialog = page.mapping_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Match the columns of tms.csv"
    assert not dialog.remember.isVisible() and not dialog.remembers()  # no factor's file
    assert page.preview_dialog is None
    _choose(dialog, load_number="Trip", customer=NOT_IN_FILE)
    assert not dialog.ok.isEnabled()  # the customer is needed
    assert "Customer" in dialog.reason.text()
    _choose(dialog, customer="Bill To", po_number="Ref", total="Revenue")
    assert dialog.ok.isEnabled(), dialog.reason.text()
    dialog.ok.click()
    settle(qtbot, window)

    preview = page.preview_dialog
    assert preview is not None and preview.isVisible()
    assert "2 rows: 2 can be imported" in preview.summary.text()
    preview.apply.click()
    settle(qtbot, window)
    imported = {ld.load_number: ld for ld in desk.loads()}
    assert {"T-501", "T-502"} <= set(imported)
    assert imported["T-502"].cents == 98050 and imported["T-502"].po_number == "PO-502"
    assert imported["T-501"].customer == "Summit Brokerage"
