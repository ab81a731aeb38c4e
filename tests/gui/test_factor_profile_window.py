"""Issue #14 in the window: the Company profile shows and edits the factor's remit-to,
email and integration where its terms are; picking a factor the subsidiary's Notice of
Assignment does not name warns at once (and again when saved); the NOA editor warns as the
clerk types, without stopping the save."""

from __future__ import annotations

from helpers import company_page, settle

FREIGHT = "Blue Ridge Freight LLC"  # the demo's factoring subsidiary: Capital Depot, NOA
RTS_REMIT = "RTS Financial Service, Inc.\nP.O. Box 840267\nDallas, TX 75284-0267"


def _company_page(qtbot, window):
    return company_page(qtbot, window, FREIGHT)


def test_the_factor_s_remit_to_and_email_are_shown_and_saved_with_its_terms(
        qtbot, window, desk, asker):
    page = _company_page(qtbot, window)
    box = page.terms_box
    assert box.remit_to.toPlainText() == desk.factor_profile("Capital Depot").remit_to
    assert box.email.text() == "" and box.integration.currentData() == "non_api"
    box.email.setText("schedules at capitaldepot.com")
    box.save.click()
    settle(qtbot, window)
    assert "Email is 'schedules at capitaldepot.com'" in str(asker.problems[-1])
    assert desk.factor_profile("Capital Depot").email == ""  # nothing saved
    box.email.setText("schedules@capitaldepot.com")
    box.remit_to.setPlainText("Capital Depot, Inc.\n  P.O. Box 1  \n\nDallas, TX")
    box.integration.setCurrentIndex(box.integration.findData("email"))
    box.fee.setText("3%")
    box.advance.setValue(97)
    box.save.click()
    settle(qtbot, window)
    saved = desk.factor_profile("Capital Depot")
    assert (saved.email, saved.remit_to, saved.integration, saved.terms.fee) == (
        "schedules@capitaldepot.com", "Capital Depot, Inc.\nP.O. Box 1\nDallas, TX",
        "email", "3%")
    assert box.remit_to.toPlainText() == saved.remit_to  # read back
    assert not box.changed()
    box.email.setText("other@capitaldepot.com")  # an email not saved is asked about
    asker.answer("choice", "Discard")
    assert page.can_leave()
    assert box.email.text() == "schedules@capitaldepot.com"


def test_picking_a_factor_the_noa_does_not_name_warns_at_once_and_when_saved(
        qtbot, window, desk, asker):
    desk.add_factor("RTS Financial", RTS_REMIT, "schedules@rtsfinancial.com")
    page = _company_page(qtbot, window)
    assert page.factor_warning.isHidden()  # Capital Depot's NOA names Capital Depot
    page.factor.setCurrentText("RTS Financial")
    assert not page.factor_warning.isHidden()
    shown = page.factor_warning.label.text()
    assert f"The Notice of Assignment of {FREIGHT} does not name RTS Financial" in shown
    assert page.terms_box.email.text() == "schedules@rtsfinancial.com"
    page.factor.setCurrentText("Capital Depot")
    assert page.factor_warning.isHidden()
    page.factor.setCurrentText("RTS Financial")
    page.save_button.click()
    settle(qtbot, window)
    kind, text = asker.asked[-1]
    assert kind == "info" and text.startswith("Check the Notice of Assignment: The Notice "
                                              f"of Assignment of {FREIGHT} does not name")
    assert desk.factor_profile("RTS Financial").subsidiaries == (FREIGHT,)
    assert not page.factor_warning.isHidden()  # still so after the page reloads
    # Another subsidiary with no factor: nothing to warn about.
    page.subsidiary.setCurrentText("Blue Ridge Logistics Inc")
    settle(qtbot, window)
    assert page.factor_warning.isHidden()


def test_the_noa_editor_warns_as_the_clerk_types_and_still_saves(qtbot, window, desk, asker):
    page = _company_page(qtbot, window)
    (noa,) = [e for e in page.info_model.rows() if e.kind == "notice_of_assignment"]
    dialog = page.open_info_dialog(noa)
    assert dialog.warning.isHidden() and dialog.warning_text() is None
    dialog.text.setPlainText("NOTICE OF ASSIGNMENT: PAY RTS FINANCIAL ONLY")
    assert not dialog.warning.isHidden()
    assert "does not name Capital Depot nor 'Capital Depot, Inc.' (its remit-to)" in \
        dialog.warning.label.text()
    assert dialog.warning_text() == desk.subsidiary_noa_warning(
        FREIGHT, text="NOTICE OF ASSIGNMENT: PAY RTS FINANCIAL ONLY")  # one wording
    dialog.text.setPlainText("pay capital\n   DEPOT only")  # case and line breaks aside
    assert dialog.warning.isHidden()
    dialog.text.setPlainText("NOTICE OF ASSIGNMENT: PAY RTS FINANCIAL ONLY")
    asker.answer("confirm", True)  # replace the saved text: the warning does not stop it
    dialog.save.click()
    settle(qtbot, window)
    assert not dialog.isVisible()
    saved = next(s for s in desk.profile().subsidiaries if s.name == FREIGHT)
    assert saved.notice_of_assignment == "NOTICE OF ASSIGNMENT: PAY RTS FINANCIAL ONLY"
    assert not page.factor_warning.isHidden()  # the page says it too now
    # Other kinds of important info are not checked against the factor.
    page.add_info.click()
    other = page.dialog
    assert other.kind.currentData() == "payment_instructions"
    other.text.setPlainText("Pay by ACH.")
    assert other.warning.isHidden()
    other.reject()


def test_a_new_factoring_company_is_added_with_its_email_or_refused(qtbot, window, desk,
                                                                    asker):
    page = _company_page(qtbot, window)
    asker.answer("text", "RTS Financial", "RTS Financial Service, Inc.; Dallas, TX",
                 "schedules@rtsfinancial.com")
    page._new_factor()
    settle(qtbot, window)
    added = desk.factor_profile("RTS Financial")
    assert (added.remit_to, added.email) == ("RTS Financial Service, Inc.\nDallas, TX",
                                             "schedules@rtsfinancial.com")
    assert page.factor.findText("RTS Financial") >= 0
    asker.answer("text", "rts financial", "x", None)
    page._new_factor()
    settle(qtbot, window)
    assert "A factoring company named 'RTS Financial' already exists" in str(
        asker.problems[-1])
    assert [f.name for f in desk.factors()] == ["Capital Depot", "RTS Financial"]


def test_the_factor_s_default_noa_is_shown_and_saved_with_its_profile(
        qtbot, window, desk, asker):
    """Issue #14: the window edits the factor's default NOA, as `factors set --noa-text`."""
    page = _company_page(qtbot, window)
    box = page.terms_box
    assert box.default_noa.isEnabled() and box.default_noa.toPlainText() == ""
    box.default_noa.setPlainText("  NOTICE: pay Capital Depot, Inc., P.O. Box 207431.  ")
    assert box.changed()
    box.save.click()
    settle(qtbot, window)
    assert not asker.problems
    assert desk.factor_profile("Capital Depot").default_noa == (
        "NOTICE: pay Capital Depot, Inc., P.O. Box 207431.")
    assert box.default_noa.toPlainText() == "NOTICE: pay Capital Depot, Inc., P.O. Box 207431."
    assert not box.changed()


def test_after_a_switch_the_noa_editor_offers_the_new_factor_s_notice(
        qtbot, window, desk, asker):
    """Issue #14: the subsidiary's NOA names its old factor; the editor puts the new
    factor's default NOA in with one click, and the warning goes."""
    rts_noa = "NOTICE OF ASSIGNMENT: pay RTS Financial Service, Inc., P.O. Box 840267."
    desk.add_factor("RTS Financial", RTS_REMIT, default_noa=rts_noa)
    desk.set_subsidiary_factor(FREIGHT, "RTS Financial")
    page = _company_page(qtbot, window)
    (noa,) = [e for e in page.info_model.rows() if e.kind == "notice_of_assignment"]
    dialog = page.open_info_dialog(noa)
    assert not dialog.warning.isHidden()  # it names Capital Depot
    assert not dialog.use_factor_noa.isHidden()
    assert dialog.use_factor_noa.text() == "Use RTS Financial's notice"
    dialog.use_factor_noa.click()
    assert dialog.text.toPlainText() == rts_noa
    assert dialog.warning.isHidden() and dialog.use_factor_noa.isHidden()
    asker.answer("confirm", True)  # replace the saved text
    dialog.save.click()
    settle(qtbot, window)
    assert page.current.notice_of_assignment == rts_noa  # saved, read again
    assert page.factor_warning.isHidden()


def test_a_factor_without_a_default_noa_offers_nothing(qtbot, window):
    page = _company_page(qtbot, window)
    (noa,) = [e for e in page.info_model.rows() if e.kind == "notice_of_assignment"]
    dialog = page.open_info_dialog(noa)
    assert dialog.use_factor_noa.isHidden()  # Capital Depot has no default NOA
