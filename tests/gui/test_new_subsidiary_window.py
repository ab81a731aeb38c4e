"""Issue #14 in the window: New subsidiary… picks the new carrier's factoring company, as
`company add-subsidiary --factor` does; it then starts with that factor's default Notice of
Assignment."""

from __future__ import annotations

from helpers import settle

FREIGHT = "Blue Ridge Freight LLC"  # the demo's factoring subsidiary: Capital Depot
RTS = "RTS Financial"
RTS_NOA = "NOTICE OF ASSIGNMENT: pay RTS Financial Service, Inc., P.O. Box 840267, Dallas."


def _open_new_subsidiary(qtbot, window):
    window.show_page("company")
    settle(qtbot, window)
    page = window.pages["company"]
    page.subsidiary.setCurrentText(FREIGHT)
    settle(qtbot, window)
    page._new_subsidiary()
    dialog = page.new_subsidiary_dialog
    assert dialog.isVisible()
    return page, dialog


def test_new_subsidiary_picks_its_factor_and_starts_with_its_default_noa(
        qtbot, window, desk):
    desk.add_factor(RTS, "RTS Financial Service, Inc.\nP.O. Box 840267\nDallas, TX")
    desk.set_factor(RTS, default_noa=RTS_NOA)
    page, dialog = _open_new_subsidiary(qtbot, window)
    choices = [dialog.factor.itemText(i) for i in range(dialog.factor.count())]
    assert choices == ["(none)", "Capital Depot", RTS]
    assert dialog.factor.currentText() == "Capital Depot"  # the factor of the one shown
    dialog.fields["name"].setText("Shenandoah Hauling Co")
    dialog.factor.setCurrentText(RTS)
    dialog.accept()
    settle(qtbot, window)
    assert page.subsidiary.currentText() == "Shenandoah Hauling Co"
    assert page.factor.currentText() == RTS
    assert page.current.notice_of_assignment == RTS_NOA
    assert page.factor_warning.isHidden()


def test_new_subsidiary_without_a_factor_has_none(qtbot, window, desk):
    page, dialog = _open_new_subsidiary(qtbot, window)
    dialog.fields["name"].setText("Blue Ridge Leasing")
    dialog.factor.setCurrentText("(none)")
    dialog.accept()
    settle(qtbot, window)
    assert page.subsidiary.currentText() == "Blue Ridge Leasing"
    assert page.factor.currentText() == "(none)"
    assert not page.current.notice_of_assignment
