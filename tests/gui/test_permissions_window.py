"""What a clerk notices of their permission (issue #15): the title bar says who and where;
what the login may not do is greyed out with the reason in its tool tip, and stays so
when the page turns its buttons on for a selection; a form it may not change is read-only
under a line saying why; a dropped file is refused with the same message; a refusal met
anyway (the permission taken away mid-session) is a refusal, not a bug.

On SQLite the one clerk may do everything: the permission is forced here."""

from __future__ import annotations

import helpers_send
import pytest
from helpers import company_page, settle, shown_window, stop_jobs
from test_batch_invoices import factored

from factor_desk.domain.permissions import Permission, PermissionRefused
from factor_desk.gui.permissions import forbidden

keychain = helpers_send.memory_keyring


@pytest.fixture
def window_as(qtbot, desk, home, asker, tmp_path):
    """``window_as(Permission.VIEWER)``: a main window on the demo data, a batch of it sent
    and its reports applied, for a login with that permission."""
    from factor_desk.db.database import Location
    from factor_desk.gui.app import make_app, settings_for

    made = []
    factored(desk, tmp_path)

    def open_as(permission: Permission):
        make_app()
        desk.db._permission = permission
        win = shown_window(qtbot, desk, settings_for(Location.resolve(home)), asker)
        made.append(win)
        return win

    yield open_as
    stop_jobs(*made)


def menu_action(window, text: str):
    return next(a for a in window.findChildren(type(window.tool_actions["refresh"]))
                if a.text().replace("&", "") == text and a not in
                window.tool_actions.values())


def open_page(qtbot, window, key: str):
    window.show_page(key)
    settle(qtbot, window)
    return window.pages[key.partition(":")[0]]


def billing_buttons(qtbot, window) -> dict:
    """The buttons, menu items and toolbar buttons of the Billing permission's jobs."""
    reports = open_page(qtbot, window, "reports")
    loads = open_page(qtbot, window, "loads:10012")  # a Queued load: its moves are on
    batch = open_page(qtbot, window, "batch")
    upload = {b.text(): b for b in reports.findChildren(type(reports.undo))}
    return {
        "Submit Batch": batch.submit,
        "Submit Batch… (menu)": menu_action(window, "Submit Batch…"),
        "Upload Purchase Report…": upload["Upload Purchase Report…"],
        "Upload Payment Report…": upload["Upload Payment Report…"],
        "Upload Purchase Report… (menu)": menu_action(window, "Upload Purchase Report…"),
        "Undo import…": reports.undo,
        "Recall…": reports.invoices.recall_button,
        "Reverse batch…": reports.reverse_button,
        "Email to factor…": reports.email,
        "Import loads… (menu)": menu_action(window, "Import loads…"),
        "Edit…": loads.move_buttons["edit"],
        "Back to Released…": loads.move_buttons["unqueue"],
        "Void…": loads.move_buttons["void"],
    }


def toolbar(qtbot, window) -> dict:
    """The toolbar buttons of the Billing permission's jobs, each on its page (a button the
    page does not show is off)."""
    shown = {}
    for key, page in (("submit", "batch"), ("purchase", "reports"), ("payments", "reports"),
                      ("import", "loads")):
        open_page(qtbot, window, page)
        shown[key] = (window.tool_actions[key].isEnabled(), window.tool_actions[key].toolTip())
    return shown


def select_invoice(qtbot, window, number: str):
    """Factoring Reports with the invoice of load ``number`` selected in its batch."""
    reports = open_page(qtbot, window, "reports")
    invoices = reports.invoices
    qtbot.waitUntil(lambda: invoices.model.rowCount() > 0)
    row = next(r for r in range(invoices.model.rowCount())
               if invoices.model.row_at(r).load_number == number)
    invoices.view.selectRow(row)
    return reports


def test_the_title_bar_and_the_status_bar_say_who_and_where(window_as, desk):
    window = window_as(Permission.ADMIN)
    who = desk.signed_in()
    assert who == f"{desk.user()} @ this computer"
    assert window.windowTitle() == f"Home — Factor Desk — {who}"
    assert window.user.text() == f"Clerk: {desk.user()}"  # one clerk: no permission shown
    viewer = window_as(Permission.VIEWER)
    assert viewer.user.text() == f"Clerk: {desk.user()} (Viewer)"
    assert "may look" in viewer.user.toolTip()


def test_a_viewer_sees_the_billing_jobs_greyed_out_with_the_reason(qtbot, window_as, desk):
    window = window_as(Permission.VIEWER)
    for name, widget in billing_buttons(qtbot, window).items():
        assert not widget.isEnabled(), name
        assert "needs the Billing permission" in widget.toolTip(), name
        assert f"{desk.user()} has Viewer permission" in widget.toolTip(), name
    for key, (enabled, tip) in toolbar(qtbot, window).items():
        assert not enabled and "needs the Billing permission" in tip, key
    assert menu_action(window, "Submit Batch…").statusTip().startswith(
        "Submitting a batch needs the Billing permission.")
    assert window.tool_actions["purchase"].toolTip().startswith(
        "Uploading a report needs the Billing permission.")
    # what a viewer may do stays on
    open_page(qtbot, window, "reports")
    assert window.pages["reports"].download.isEnabled()
    assert window.tool_actions["download"].isEnabled()


def test_billing_may_do_the_billing_jobs(qtbot, window_as):
    window = window_as(Permission.BILLING)
    buttons = billing_buttons(qtbot, window)
    on = {name for name, widget in buttons.items() if widget.isEnabled()}
    # Recall… waits for a selected Invoiced invoice, Undo for a selected import, Submit
    # for ticked loads: the page's own rules, not the permission
    assert on >= {"Upload Purchase Report…", "Upload Payment Report…", "Email to factor…",
                  "Import loads… (menu)", "Submit Batch… (menu)", "Edit…",
                  "Back to Released…", "Void…"}
    assert not any(forbidden(widget) for widget in buttons.values())
    assert all(enabled for enabled, _tip in toolbar(qtbot, window).values())
    reports = select_invoice(qtbot, window, "10006")  # held by the factor: recallable
    assert reports.invoices.recall_button.isEnabled()
    reports.history_view.selectRow(0)
    assert reports.undo.isEnabled()
    batch = window.pages["batch"]
    window.show_page("batch")
    settle(qtbot, window)
    batch.model.check_all()
    assert batch.submit.isEnabled()


def test_a_selection_does_not_turn_a_forbidden_button_on(qtbot, window_as):
    window = window_as(Permission.VIEWER)
    batch = open_page(qtbot, window, "batch")
    batch.model.check_all()  # the page turns Submit Batch on for ticked loads
    assert batch.model.checked and not batch.submit.isEnabled()
    assert "Billing" in batch.submit.toolTip()
    loads = open_page(qtbot, window, "loads")
    for number in ("10012", "10001"):  # the page's moves follow the selected load
        window.show_page(f"loads:{number}")
        settle(qtbot, window)
        assert loads.selected_load_number() == number
        assert not any(b.isEnabled() for b in loads.move_buttons.values())
    # the page's own tool tips (the money actions say why per load) stay the reason
    assert loads.money.close_button.toolTip().startswith(
        "Closing a load with a short pay needs the Billing permission.")
    reports = select_invoice(qtbot, window, "10006")
    assert reports.invoices.selected() and not reports.invoices.recall_button.isEnabled()
    reports.history_view.selectRow(0)
    assert reports.selected_import() is not None and not reports.undo.isEnabled()


def test_a_report_dropped_by_a_viewer_is_refused_and_nothing_starts(
        qtbot, window_as, asker, tmp_path):
    window = window_as(Permission.VIEWER)
    reports = open_page(qtbot, window, "reports")
    report = tmp_path / "Purchase_Report.csv"
    report.write_text("Invoice Number,Advance\n", encoding="utf-8")
    reports.drops.dropped.emit([str(report)])
    assert isinstance(asker.problems[-1], PermissionRefused)
    assert str(asker.problems[-1]).startswith(
        "Uploading a report needs the Billing permission.")
    assert not window.runner.busy and reports.preview_dialog is None
    loads = open_page(qtbot, window, "loads:10012")
    before = len(asker.asked)
    loads._dropped_on_detail([str(report)])
    assert str(asker.problems[-1]).startswith("Attaching a document needs the Billing permission.")
    assert [kind for kind, _ in asker.asked[before:]] == ["problem"]  # no "what is it?"
    assert not window.runner.busy


def test_billing_sees_the_company_profile_read_only_and_why(qtbot, window_as, desk):
    window = window_as(Permission.BILLING)
    page = company_page(qtbot, window)
    assert page.read_only_note.isVisible()
    assert "Changing the company profile needs the Admin permission" in \
        page.read_only_note.text()
    for name in ("save_button", "revert_button", "add_info", "factor", "method"):
        widget = getattr(page, name)
        assert not widget.isEnabled() and "Admin permission" in widget.toolTip(), name
    assert all(edit.isReadOnly() for edit in page.fields.values())
    box = page.terms_box
    assert box.name is not None  # the factor's terms are shown, read-only
    assert box.remit_to.isReadOnly() and box.fee.isReadOnly() and box.advance.isReadOnly()
    assert not box.save.isEnabled() and not box.integration.isEnabled()
    assert "needs the Admin permission" in box.save.toolTip()
    # the NOA opens read-only, its note at the top
    page.info_view.selectRow(0)
    assert page.entry_buttons[0].text() == "View…" and page.entry_buttons[0].isEnabled()
    assert not page.entry_buttons[1].isEnabled()  # Remove
    page.entry_buttons[0].click()
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.text.isReadOnly() and not dialog.save.isEnabled()
    assert "Changing important info needs the Admin permission" in dialog.findChild(
        type(page.read_only_note), "readOnlyNote").text()
    dialog.reject()


def test_an_admin_may_change_the_company_profile(qtbot, window_as):
    window = window_as(Permission.ADMIN)
    page = company_page(qtbot, window)
    assert not page.read_only_note.isVisible()
    assert not any(edit.isReadOnly() for edit in page.fields.values())
    page.fields["city"].setText("Roanoke")
    page.fields["city"].textEdited.emit("Roanoke")
    assert page.save_button.isEnabled() and page.terms_box.save.isEnabled()
    assert page.entry_buttons[0].text() == "Edit…"


def test_a_permission_taken_away_mid_session_is_a_refusal_not_a_bug(
        qtbot, window_as, desk, asker):
    window = window_as(Permission.BILLING)
    loads = open_page(qtbot, window, "loads:10012")
    assert loads.move_buttons["void"].isEnabled()
    desk.db._permission = Permission.VIEWER  # an administrator revoked it since
    asker.answer("text", "duplicate load")
    asker.answer("confirm", True)
    loads.move_buttons["void"].click()
    settle(qtbot, window)
    refusal = asker.problems[-1]
    assert isinstance(refusal, PermissionRefused)
    assert str(refusal).startswith("Voiding loads needs the Billing permission.")
    assert next(ld for ld in desk.loads() if ld.load_number == "10012").status == "Queued"


def test_billing_sees_the_mail_settings_read_only_and_why(qtbot, window_as, keychain):
    """Billing may not change the shared mail settings, but keeps its own password in this
    computer's keychain (it sends batches); a viewer may do neither."""
    from PySide6.QtWidgets import QLabel

    from factor_desk.gui.settings_dialog import open_settings
    from factor_desk.services.mail_settings import MailSecurity, save_settings

    window = window_as(Permission.BILLING)
    desk = window.desk
    with desk.db.write() as work:
        save_settings(work, host="smtp.blueridge.test", port=587,
                      security=MailSecurity.STARTTLS, user="billing@blueridge.test",
                      from_address="billing@blueridge.test", size_limit_mb=15)
    dialog = open_settings(window, desk)
    assert "Changing the mail settings needs the Admin permission" in \
        dialog.findChild(QLabel, "readOnlyNote").text()
    assert dialog.host.isReadOnly() and not dialog.security.isEnabled()
    assert dialog.save_button.text() == "Save password" and dialog.save_button.isEnabled()
    dialog.password.setText("my-own-pass")
    dialog.host.setText("smtp.elsewhere.test")  # read only: a script's typing is not saved
    dialog.save()
    saved = desk.mail_settings()
    assert (saved.host, saved.has_password) == ("smtp.blueridge.test", True)
    assert "my-own-pass" in keychain.kept.values()

    viewer = open_settings(window_as(Permission.VIEWER), desk)
    assert not viewer.save_button.isEnabled() and viewer.password.isReadOnly()
    assert "needs the Admin permission" in viewer.findChild(QLabel, "readOnlyNote").text()
    viewer.reject()
    admin = open_settings(window_as(Permission.ADMIN), window.desk)
    assert admin.save_button.isEnabled() and admin.findChild(QLabel, "readOnlyNote") is None
    admin.reject()


@pytest.fixture
def server(request, home):
    """The test server's database, emptied, and the owner's Database on it (skipped
    without FACTOR_DESK_TEST_PG_URL)."""
    from sqlalchemy import create_engine, text

    from factor_desk.db.database import Database, Location
    from factor_desk.db.models import Base

    url = request.getfixturevalue("pg_database_url")
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    database = Database(Location(url=url, home=home))
    yield url, database
    database.dispose()


@pytest.fixture
def team(server, home):
    """Three real logins on the test server (h-roles' tests/helpers_team.py)."""
    helpers_team = pytest.importorskip(
        "helpers_team", reason="the team's real logins come with tests/helpers_team.py")
    yield from helpers_team.team_of(*server, home)


def test_a_real_viewer_login_on_the_server_sees_the_billing_jobs_greyed(
        qtbot, server, team, home, asker):
    from sqlalchemy.engine import make_url

    from factor_desk.db.database import Location
    from factor_desk.gui.app import make_app, settings_for
    from factor_desk.services.desk import Desk

    Desk(server[1]).load_demo(loads=12)  # by the database's owner
    viewer = team.desk(Permission.VIEWER)
    login = team.logins[Permission.VIEWER]
    make_app()
    window = shown_window(qtbot, viewer, settings_for(Location.resolve(home)), asker)
    url = make_url(team.db_url)
    assert window.windowTitle() == f"Home — Factor Desk — {login} @ {url.host}/{url.database}"
    assert window.user.text() == f"Clerk: {login} (Viewer)"
    batch = open_page(qtbot, window, "batch")
    batch.model.check_all()
    assert batch.model.checked and not batch.submit.isEnabled()
    assert batch.submit.toolTip() == (
        f"Submitting a batch needs the Billing permission. {login} has Viewer permission. Ask an "
        f"administrator to run: factor-desk users grant {login} billing")
    page = company_page(qtbot, window)
    assert page.read_only_note.isVisible() and not page.save_button.isEnabled()
    window.runner.cancel()
    window.runner.wait()
