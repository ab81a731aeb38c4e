"""The preview of a later purchase report (#12): rows an earlier import bought show as
already applied, in words and in the summary."""

from __future__ import annotations

from helpers import settle
from test_preview_dialog import _purchase, _reports_page, _shown, _two_batches

from factor_desk.services.common import run_to_end


def test_a_later_purchase_report_shows_the_rows_already_applied(qtbot, window, desk, asker,
                                                                tmp_path):
    first, _, lines, _ = _two_batches(desk)
    run_to_end(desk.apply_report("purchase", _purchase(tmp_path / "p1.csv", lines[:2]),
                                 batch=first, allow_missing=True))
    page = _reports_page(qtbot, window)
    page.batch_view.clearSelection()
    asker.answer("item", first)
    page.upload(str(_purchase(tmp_path / "p2.csv", lines)), "purchase")
    settle(qtbot, window)
    dialog = page.preview_dialog
    assert dialog is not None and dialog.isVisible(), asker.asked
    shown = _shown(dialog)
    assert dialog.windowTitle() == f"Purchase report for batch {first}", shown
    assert [row[3] for row in shown] == ["Already applied", "Already applied", "Applies"]
    assert "3 rows: 1 applies, 0 warnings, 0 errors, 2 already applied." in \
        dialog.summary.text()
    dialog.view.selectRow(0)
    assert "Row 2 (Already applied)" in dialog.detail.toPlainText()
    assert dialog.can_apply()
    dialog.reject()
