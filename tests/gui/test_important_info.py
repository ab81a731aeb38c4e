"""Manage Important Info: the blue + adds only a kind not there yet; editing shows the
saved text; replacing or removing a saved text asks the clerk first."""

from __future__ import annotations

from helpers import company_page, settle

from factor_desk.domain.trade import InfoKind

FREIGHT = "Blue Ridge Freight LLC"  # the demo's subsidiary with a Notice of Assignment


def _noa(desk, name=FREIGHT) -> str | None:
    return next(s for s in desk.profile().subsidiaries if s.name == name).notice_of_assignment


def _company(qtbot, window):
    return company_page(qtbot, window, FREIGHT)


def _kinds(dialog) -> list[str]:
    return [dialog.kind.itemData(i) for i in range(dialog.kind.count())]


def test_the_plus_offers_only_kinds_not_there_yet_and_never_overwrites(qtbot, window, desk,
                                                                       asker):
    saved = _noa(desk)
    assert saved
    page = _company(qtbot, window)
    assert page.add_info.isEnabled()
    page.add_info.click()
    dialog = page.dialog
    assert InfoKind.NOTICE_OF_ASSIGNMENT.value not in _kinds(dialog)
    assert _kinds(dialog) == ["payment_instructions", "invoice_footer",
                              "terms_and_conditions"]
    assert dialog.text.toPlainText() == ""
    dialog.text.setPlainText("Pay by ACH to RTS Financial.")
    dialog.save.click()
    settle(qtbot, window)
    assert not dialog.isVisible()
    assert _noa(desk) == saved  # the Notice of Assignment is as it was
    kinds = [e.kind for e in page.info_model.rows()]
    assert kinds == ["notice_of_assignment", "payment_instructions"]

    for kind in ("invoice_footer", "terms_and_conditions"):
        desk.save_important_info(FREIGHT, kind, "text")
    page.refresh()
    settle(qtbot, window)
    assert not page.add_info.isEnabled()
    assert "every kind" in page.add_info.toolTip().lower()
    page.subsidiary.setCurrentText("Blue Ridge Logistics Inc")  # none yet: all four
    settle(qtbot, window)
    assert page.add_info.isEnabled()
    page.add_info.click()
    assert len(_kinds(page.dialog)) == 4
    page.dialog.reject()


def test_editing_shows_the_saved_text_and_replacing_it_asks_first(qtbot, window, desk,
                                                                  asker):
    saved = _noa(desk)
    page = _company(qtbot, window)
    (noa,) = [e for e in page.info_model.rows() if e.kind == "notice_of_assignment"]
    dialog = page.open_info_dialog(noa)
    assert dialog.text.toPlainText() == saved
    assert not dialog.kind.isEnabled() and dialog.kind.currentData() == noa.kind
    dialog.text.setPlainText("NOTICE OF ASSIGNMENT: PAY SOMEONE ELSE")
    asker.answer("confirm", False)  # not now: nothing saved, the editor stays open
    dialog.save.click()
    settle(qtbot, window)
    assert asker.asked[-1][0] == "confirm"
    assert f"Replace the Notice of Assignment of {FREIGHT}?" in asker.asked[-1][1]
    assert _noa(desk) == saved and dialog.isVisible()
    asker.answer("confirm", True)
    dialog.save.click()
    settle(qtbot, window)
    assert _noa(desk) == "NOTICE OF ASSIGNMENT: PAY SOMEONE ELSE"
    assert not dialog.isVisible()


def test_removing_asks_first(qtbot, window, desk, asker):
    saved = _noa(desk)
    page = _company(qtbot, window)
    page.info_view.selectRow(0)
    asker.answer("confirm", False)
    page._remove_selected()
    settle(qtbot, window)
    assert "Remove the Notice of Assignment of" in asker.asked[-1][1]
    assert _noa(desk) == saved


def test_a_text_another_clerk_saved_meanwhile_is_not_overwritten_unasked(qtbot, window,
                                                                          desk, asker):
    page = _company(qtbot, window)
    page.subsidiary.setCurrentText("Blue Ridge Logistics Inc")
    settle(qtbot, window)
    page.add_info.click()
    dialog = page.dialog
    assert dialog.kind.currentData() == "notice_of_assignment"
    desk.save_important_info("Blue Ridge Logistics Inc", "noa", "ANOTHER CLERK'S TEXT")
    dialog.text.setPlainText("MY TEXT")
    asker.answer("choice", None)  # Cancel: the editor keeps the clerk's text (#15)
    dialog.save.click()
    settle(qtbot, window)
    kind, said = asker.asked[-1]
    assert kind == "choice" and said.startswith(
        "Changed by another clerk: test-clerk changed the Notice of Assignment of Blue "
        "Ridge Logistics Inc at ")
    assert _noa(desk, "Blue Ridge Logistics Inc") == "ANOTHER CLERK'S TEXT"
    assert dialog.isVisible() and dialog.save.isEnabled()
    assert dialog.text.toPlainText() == "MY TEXT"
