"""What a walk through the team window of #15 found: a viewer's window shrinks to
1024×640 like anyone's (the Reports page's line saying why uploads are off wraps); a page
first shown while the server is gone says its tables were not read, not that they are
empty; a disabled blue button on a dark window is dim, not the brightest thing there; a
greyed button says why in its own words ("Creating an invoice needs…" on Create invoice);
the line saying why uploads are off is readable (the note tone, not palette(mid)); the
status bar says "PostgreSQL server dbserver, database factor_desk", not the URL after
"postgresql"; a viewer's empty tables do not invite an import, an upload or an attach;
Retry now while the server is still gone says when it tried."""

from __future__ import annotations

from helpers import settle
from PySide6.QtCore import Qt
from test_permissions_window import window_as  # noqa: F401 (a fixture)
from test_server_banner import SEEN_MS, db, far_window  # noqa: F401 (fixtures)

from factor_desk.domain.permissions import Permission
from factor_desk.gui.common import EmptyHint, empty_hint
from factor_desk.gui.page import NOT_READ


def test_a_viewers_window_shrinks_to_1024_by_640_on_every_page(qtbot, window_as):  # noqa: F811
    window = window_as(Permission.VIEWER)
    for key in ("home", "company", "batch", "reports", "loads", "aging", "audit"):
        window.show_page(key)
        settle(qtbot, window)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 640, (key, hint)
    assert "needs the Billing permission" in window.pages["reports"].hint.text()


def test_a_page_not_read_while_the_server_is_gone_does_not_say_it_is_empty(
        qtbot, far_window):  # noqa: F811
    win, proxy = far_window
    proxy.cut()
    qtbot.waitUntil(win.follower.banner.isVisible, timeout=SEEN_MS)
    page = win.pages["loads"]  # never shown before: nothing of it was read
    win.show_page("loads")
    settle(qtbot, win, timeout=20_000)
    hint = empty_hint(page.view)
    assert hint is not None and hint.isVisible()
    assert hint.text() == NOT_READ  # not "No loads yet — import a loads file"
    proxy.restore()
    qtbot.mouseClick(win.follower.banner.retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=SEEN_MS)
    assert not hint.isVisible()
    history = [h for h in page.findChildren(EmptyHint) if h.isVisible()]
    assert history and all(h.text() != NOT_READ for h in history)  # "Select a load…"


def test_a_disabled_blue_button_on_a_dark_window_looks_off(qtbot):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from factor_desk.gui.common import primary_button

    app = QApplication.instance()
    before = app.palette()
    dark = QPalette(before)
    dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e6e6e6"))
    app.setPalette(dark)
    try:
        button = primary_button("Submit Batch")
        qtbot.addWidget(button)
        button.resize(140, 32)

        def middle_lightness() -> int:
            return button.grab().toImage().pixelColor(6, 16).lightness()

        enabled = middle_lightness()
        button.setEnabled(False)
        assert middle_lightness() < enabled  # not brighter than the live button
    finally:
        app.setPalette(before)


def test_a_greyed_button_says_why_in_the_words_of_the_button(qtbot, window_as):  # noqa: F811
    from PySide6.QtWidgets import QPushButton

    window = window_as(Permission.VIEWER)
    window.show_page("loads")
    settle(qtbot, window)
    tips = {b.text(): b.toolTip() for b in window.pages["loads"].findChildren(QPushButton)}
    for button, words in (("Create invoice", "Creating an invoice"),
                          ("Back to Released…", "Moving a load back to Released"),
                          ("Record direct payment…", "Recording a direct payment"),
                          ("Attach document…", "Attaching a document")):
        assert tips[button].startswith(f"{words} needs the Billing permission."), tips[button]


def test_the_line_saying_why_uploads_are_off_is_readable(qtbot, window_as):  # noqa: F811
    import re

    from PySide6.QtGui import QColor, QPalette

    window = window_as(Permission.VIEWER)
    window.show_page("reports")
    settle(qtbot, window)
    hint = window.pages["reports"].hint
    found = re.search(r"color:\s*(#[0-9a-fA-F]{6})", hint.styleSheet())
    assert found, hint.styleSheet()  # not palette(mid), a faint grey on the light window
    background = hint.palette().color(QPalette.ColorRole.Window)
    assert abs(QColor(found[1]).lightness() - background.lightness()) >= 120


def test_the_status_bar_names_the_server_and_database_once():
    from pathlib import Path

    from factor_desk.location import Location

    where = Location("postgresql+psycopg://clerk2:secret@dbserver:5433/factor_desk", Path("."))
    assert where.describe() == "PostgreSQL server dbserver:5433, database factor_desk"


def test_a_viewers_empty_tables_do_not_invite_what_the_viewer_may_not_do(
        qtbot, window_as):  # noqa: F811
    window = window_as(Permission.VIEWER)
    reports, loads = window.pages["reports"], window.pages["loads"]
    hints = [empty_hint(view) for view in (reports.batch_view, reports.history_view,
                                           loads.documents_view)]
    assert [h.hint_text() for h in hints if h is not None] == [
        "No batches yet.", "No reports imported yet.", "No documents yet."]
    assert loads._import_hint == "."  # "No loads yet.", not "… import a loads file"


def test_a_billing_clerks_empty_tables_say_what_to_do(qtbot, window_as):  # noqa: F811
    window = window_as(Permission.BILLING)
    hint = empty_hint(window.pages["loads"].documents_view)
    assert hint is not None and "Attach document…" in hint.hint_text()


def test_retry_now_while_the_server_is_still_gone_says_it_tried(
        qtbot, far_window):  # noqa: F811
    win, proxy = far_window
    banner = win.follower.banner
    proxy.cut()
    qtbot.waitUntil(banner.isVisible, timeout=SEEN_MS)
    assert "Last tried at" not in banner.label.text()
    qtbot.mouseClick(banner.retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Last tried at" in banner.label.text(), timeout=SEEN_MS)
    assert banner.label.text().startswith("The database server 127.0.0.1 is not answering")
    proxy.restore()
    qtbot.mouseClick(banner.retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=SEEN_MS)
