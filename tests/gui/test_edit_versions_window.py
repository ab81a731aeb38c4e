"""Two clerks at once in the window (issue #15): a form saved after another clerk saved the
same record is refused with who and when; Cancel keeps the clerk's text in the form, Reload
shows the other clerk's change, and the save made again goes through. The other clerk is a
second Desk, another login, on the window's database."""

from __future__ import annotations

import pytest
from helpers import company_page, settle
from helpers_versions import CLERK2, second_clerk

from factor_desk.services.desk import Desk

FREIGHT = "Blue Ridge Freight LLC"
STALE = "Changed by another clerk: "


@pytest.fixture
def clerk2(desk, home, monkeypatch):
    other = second_clerk(desk.db.location.url, home, monkeypatch)
    yield Desk(other)
    other.dispose()


def _sub(desk, name=FREIGHT):
    return next(s for s in desk.profile().subsidiaries if s.name == name)


def _type(edit, text: str) -> None:
    edit.setText(text)
    edit.textEdited.emit(text)  # as the clerk's typing does


def _told(asker, what: str) -> None:
    kind, said = asker.asked[-1]
    assert kind == "choice", asker.asked
    assert said.startswith(f"{STALE}{CLERK2} changed {what} at "), said
    assert "after you opened it" in said and said.endswith("Nothing was saved.")


def test_the_company_profile_saved_after_another_clerk_offers_to_reload(
        qtbot, window, desk, clerk2, asker):
    page = company_page(qtbot, window, FREIGHT)
    theirs = _sub(clerk2)
    clerk2.save_subsidiary(FREIGHT, {"city": "Reno"}, factoring_company=theirs.factoring_company,
                           default_invoicing_method=theirs.default_invoicing_method,
                           required_documents=theirs.required_documents,
                           version=theirs.version)
    _type(page.fields["phone"], "(540) 555-0101")
    asker.answer("choice", None)  # Cancel
    page.save_button.click()
    settle(qtbot, window)
    _told(asker, f"the Company profile of {FREIGHT}")
    assert (_sub(desk).city, _sub(desk).phone) == ("Reno", "(540) 555-0190")  # none of A's
    assert page.fields["phone"].text() == "(540) 555-0101"  # the clerk's text is kept
    assert page.save_button.isEnabled()
    asker.answer("choice", "Reload")
    page.save_button.click()
    settle(qtbot, window)
    _told(asker, f"the Company profile of {FREIGHT}")
    assert page.fields["city"].text() == "Reno"  # the other clerk's change, shown
    assert page.fields["phone"].text() == _sub(desk).phone
    _type(page.fields["phone"], "(540) 555-0101")  # made again, over the newer version
    page.save_button.click()
    settle(qtbot, window)
    assert (_sub(desk).city, _sub(desk).phone) == ("Reno", "(540) 555-0101")
    assert not asker.problems


def test_the_factor_box_saved_after_another_clerk_offers_to_reload(
        qtbot, window, desk, clerk2, asker):
    page = company_page(qtbot, window, FREIGHT)
    box = page.terms_box
    factor = box.name
    clerk2.set_factor(factor, email="schedules@factor.example",
                      version=clerk2.factor_profile(factor).version)
    box.fee.setText("2%")
    asker.answer("choice", "Reload")
    box.save.click()
    settle(qtbot, window)
    _told(asker, f"the factoring company {factor}")
    assert box.email.text() == "schedules@factor.example"
    assert desk.factor_profile(factor).terms.fee != "2%"
    box.fee.setText("2%")
    box.save.click()
    settle(qtbot, window)
    assert not asker.problems
    assert (desk.factor_profile(factor).terms.fee,
            desk.factor_profile(factor).email) == ("2%", "schedules@factor.example")


def test_an_important_info_entry_reloaded_shows_the_other_clerk_s_text(
        qtbot, window, desk, clerk2, asker):
    page = company_page(qtbot, window, FREIGHT)
    (noa,) = [e for e in page.info_model.rows() if e.kind == "notice_of_assignment"]
    dialog = page.open_info_dialog(noa)
    clerk2.save_important_info(FREIGHT, noa.kind, "NOTICE: PAY THE FACTOR, BOX 2.",
                               version=noa.version)
    dialog.text.setPlainText("NOTICE: MINE")
    asker.answer("choice", "Reload")
    dialog.save.click()
    settle(qtbot, window)
    _told(asker, f"the Notice of Assignment of {FREIGHT}")
    assert dialog.isVisible() and dialog.text.toPlainText() == "NOTICE: PAY THE FACTOR, BOX 2."
    assert f"by {CLERK2}" in dialog.note.text()
    assert _sub(desk).notice_of_assignment == "NOTICE: PAY THE FACTOR, BOX 2."
    dialog.text.setPlainText("NOTICE: MINE")
    asker.answer("confirm", True)  # replace the text saved by the other clerk
    dialog.save.click()
    settle(qtbot, window)
    assert not dialog.isVisible()
    assert _sub(desk).notice_of_assignment == "NOTICE: MINE"


def test_a_load_edited_after_another_clerk_offers_to_reload(
        qtbot, window, desk, clerk2, asker):
    number = next(ld.load_number for ld in desk.loads() if ld.status in ("Released", "Queued"))
    window.show_page(f"loads:{number}")
    settle(qtbot, window)
    page = window.pages["loads"]
    page.move_buttons["edit"].click()
    settle(qtbot, window)
    dialog = page.edit_dialog
    clerk2.edit_load(number, {"po_number": "PO-CLERK2"},
                     version=clerk2.load_to_edit(number).version)
    dialog.fields["po_number"].setText("PO-MINE")
    asker.answer("choice", None)  # Cancel: the dialog keeps what the clerk typed
    dialog.save_button.click()
    settle(qtbot, window)
    _told(asker, f"load {number}")
    assert dialog.isVisible() and dialog.fields["po_number"].text() == "PO-MINE"
    assert desk.load_to_edit(number).po_number == "PO-CLERK2"
    asker.answer("choice", "Reload")
    dialog.save_button.click()
    settle(qtbot, window)
    assert dialog.fields["po_number"].text() == "PO-CLERK2"
    dialog.fields["po_number"].setText("PO-MINE")
    dialog.save_button.click()
    settle(qtbot, window)
    assert not dialog.isVisible() and not asker.problems
    assert desk.load_to_edit(number).po_number == "PO-MINE"
