"""Losing the server (issue #15): the window shows a banner across the top, an action
while the server is gone is refused with the connection's message and changes nothing,
the ticks stay; once the server is back (Retry now, or the next try) the banner goes, the
page refreshes and the next action works. The server is cut through a proxy
(tests/helpers_proxy.py)."""

from __future__ import annotations

import pytest
from helpers import dump, load_row, make_carrier, settle, write_loads_csv
from helpers_proxy import CutProxy, pg_upstream
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from factor_desk.db.database import Database, Location
from factor_desk.domain.errors import EnvironmentRefused
from factor_desk.services.desk import Desk

ACME = "Acme Freight"
SEEN_MS = 4_000


@pytest.fixture
def db(db_url, tmp_path):
    """The test's PostgreSQL database, reached directly (not through the proxy)."""
    if db_url.startswith("sqlite"):
        pytest.skip("a database server lost: PostgreSQL only (SQLite has no server)")
    database = Database(Location(url=db_url, home=tmp_path), migrate=False)
    yield database
    database.dispose()


@pytest.fixture
def far_window(qtbot, db, db_url, tmp_path, asker):
    """A window whose desk reaches the server through a proxy; the proxy."""
    from PySide6.QtCore import QSettings

    from factor_desk.gui.app import make_app
    from factor_desk.gui.main_window import MainWindow

    make_carrier(db, required=())
    Desk(db).import_loads(write_loads_csv(tmp_path / "loads.csv",
                                          [load_row(n) for n in ("1", "2", "3")]),
                          ACME, only_valid=False)
    with CutProxy(*pg_upstream(db_url)) as proxy:
        desk = Desk.open(Location(url=proxy.url(db_url), home=tmp_path), migrate=False)
        make_app()
        win = MainWindow(desk, QSettings(str(tmp_path / "settings.ini"),
                                         QSettings.Format.IniFormat), asker=asker)
        qtbot.addWidget(win)
        win.show()
        settle(qtbot, win)
        yield win, proxy
        win.runner.cancel()
        win.runner.wait()
        win.close()
        desk.close()


def test_the_banner_shows_while_the_server_is_gone_and_nothing_half_done(
        qtbot, db, far_window, asker):
    win, proxy = far_window
    banner = win.follower.banner
    win.show_page("batch")
    settle(qtbot, win)
    page = win.pages["batch"]
    page.subsidiary.setCurrentText(ACME)
    settle(qtbot, win)
    model = page.model
    for i in range(model.rowCount()):
        if model.row_at(i).load_number in ("1", "3"):
            model.setData(model.index(i, 0), Qt.CheckState.Checked,
                          Qt.ItemDataRole.CheckStateRole)
    assert not banner.isVisible()
    before = dump(db)

    proxy.cut()
    qtbot.waitUntil(banner.isVisible, timeout=SEEN_MS)
    assert banner.label.text() == (
        "The database server 127.0.0.1 is not answering. Trying again every 5 s. Nothing "
        "you did is lost: changes are saved whole or not at all.")

    asker.answer("confirm", True)  # Submit 2 loads as one batch?
    page.submit_batch()
    qtbot.waitUntil(lambda: bool(asker.problems), timeout=20_000)
    settle(qtbot, win)
    [refusal] = asker.problems  # the click's; the refresh after it: the banner says it
    assert isinstance(refusal, EnvironmentRefused)
    assert "database server" in str(refusal)
    assert dump(db) == before  # no batch, no invoice, no load moved
    assert model.checked == {"1", "3"}  # the clerk's ticks wait for the server
    assert banner.isVisible()

    proxy.restore()
    refreshed = win.follower.refreshes
    qtbot.mouseClick(banner.retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=SEEN_MS)
    qtbot.waitUntil(lambda: win.follower.refreshes > refreshed, timeout=SEEN_MS)
    settle(qtbot, win)
    assert model.checked == {"1", "3"}

    asker.problems.clear()
    asker.answer("confirm", True)
    page.submit_batch()
    settle(qtbot, win, timeout=20_000)
    assert asker.problems == []
    batches = Desk(db).batches_overview()
    assert [o.batch.invoices for o in batches] == [2]  # once
    qtbot.waitUntil(lambda: {model.row_at(i).load_number for i in range(model.rowCount())}
                    == {"2"}, timeout=SEEN_MS)


def test_the_server_back_without_retry_now_is_noticed_on_the_next_try(qtbot, far_window):
    win, proxy = far_window
    banner = win.follower.banner
    win.follower.watch.retry_seconds = 0.2  # not five seconds of a test's time
    proxy.cut()
    qtbot.waitUntil(banner.isVisible, timeout=SEEN_MS)
    connections = proxy.connections
    proxy.restore()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=SEEN_MS)
    assert proxy.connections > connections  # it connected again by itself
    assert QApplication.activeModalWidget() is None
