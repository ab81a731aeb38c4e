"""A window open on a data folder whose SQLite file is replaced on disk (a sync program
renaming its copy into place, a backup moved over it): within a second or two the window
shows the file that is there and tells the clerk, until they press OK; an action that met
the old file first is refused, saving nothing; a file gone is told and none is made."""

from __future__ import annotations

import os
import sqlite3
import threading
from functools import partial
from pathlib import Path

import pytest
from helpers import import_loads, load_row, make_carrier, settle, write_loads_csv
from PySide6.QtCore import QCoreApplication, Qt

from factor_desk.db.database import DB_FILE_NAME, Database, Location
from factor_desk.db.file_guard import replaced_message
from factor_desk.domain.errors import DatabaseFileReplaced
from factor_desk.gui.jobs import Job

NOTICED_MS = 4_000  # the watcher looks every half second; room for a busy machine


@pytest.fixture
def other_file(tmp_path) -> Path:
    """Another Factor Desk database: Acme Group, loads 1 and 2 (the window's is the demo
    carrier's)."""
    folder = tmp_path / "other"
    db = Database(Location.resolve(folder))
    make_carrier(db, required=())
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1"), load_row("2")]),
                 "Acme Freight")
    db.dispose()
    return folder / DB_FILE_NAME


def numbers(page) -> set[str]:
    model = page.model
    return {model.row_at(i).load_number for i in range(model.rowCount())}


def loads_page(qtbot, window):
    window.show_page("loads")
    settle(qtbot, window)
    page = window.pages["loads"]
    assert numbers(page) and not numbers(page) & {"1", "2"}  # the demo's loads
    return page


def test_the_window_shows_the_file_put_in_place_and_tells_the_clerk(
        qtbot, window, home, other_file):
    page = loads_page(qtbot, window)
    banner = window.follower.banner
    assert not banner.isVisible()

    os.replace(other_file, home / DB_FILE_NAME)

    qtbot.waitUntil(lambda: numbers(page) == {"1", "2"}, timeout=NOTICED_MS)
    assert banner.isVisible()
    assert banner.label.text() == (
        f"The database file {home / DB_FILE_NAME} was replaced on disk while Factor Desk "
        "had it open (a copy over it, a restore by hand, or a sync program such as "
        "OneDrive or Dropbox). Factor Desk now shows the file that is there; what was "
        "saved after that file was made is not in it.")
    settle(qtbot, window)
    assert banner.isVisible()  # stays until the clerk has read it
    qtbot.mouseClick(banner.ok, Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
    # the window works on the new file
    window.desk.add_subsidiary("Gamma Lines", code="GAMMA")
    names = [s.name for s in window.desk.profile().subsidiaries]
    assert names == ["Acme Freight", "Beta Haulers", "Gamma Lines"]


def test_an_action_that_meets_the_old_file_first_is_refused_and_the_window_follows(
        qtbot, window, home, other_file, asker):
    page = loads_page(qtbot, window)
    window.follower.watch.stop()  # the action comes before the watcher's next look
    before = [s.name for s in window.desk.profile().subsidiaries]
    os.replace(other_file, home / DB_FILE_NAME)

    window.runner.start(Job("Adding a subsidiary",
                            partial(window.desk.add_subsidiary, "Gamma Lines", code="GAMMA"),
                            error=asker.problem))
    qtbot.waitUntil(lambda: bool(asker.problems), timeout=NOTICED_MS)
    refused = asker.problems[0]
    assert isinstance(refused, DatabaseFileReplaced)
    assert "Nothing was saved from this action" in str(refused)
    qtbot.waitUntil(lambda: numbers(page) == {"1", "2"}, timeout=NOTICED_MS)
    assert window.follower.banner.isVisible()
    assert "was replaced on disk" in window.follower.banner.label.text()
    names = [s.name for s in window.desk.profile().subsidiaries]
    assert names == ["Acme Freight", "Beta Haulers"]  # the new file's, without Gamma
    assert "Gamma Lines" not in before


def test_a_read_on_the_windows_thread_that_meets_the_file_first_leaves_the_switch_to_a_job(
        qtbot, window, home, other_file, monkeypatch):
    """A small read the window makes on its own thread (here the File menu's "is there a
    company"): refused in the clerk's words, without the switch (a checkpoint, a backup,
    an upgrade check: seconds of a frozen window for a big file), which a background job
    then does, once; the window then shows the new file and reads it on its thread."""
    page = loads_page(qtbot, window)
    window.follower.watch.stop()  # the read comes before the watcher's next look
    guard = window.desk.db.guard
    switched_on: list[threading.Thread] = []

    def recording(real):
        def switching() -> None:
            switched_on.append(threading.current_thread())
            real()
        return switching

    for name in ("_put_the_old_file_away", "_open_new"):  # the switch's two halves
        monkeypatch.setattr(guard, name, recording(getattr(guard, name)))
    path = home / DB_FILE_NAME
    os.replace(other_file, path)

    for _ in range(2):  # a second read before the job: refused alike, no second switch
        with pytest.raises(DatabaseFileReplaced) as refused:
            window.desk.has_company()
        assert str(refused.value) == replaced_message(path)
        assert "Nothing was saved from this action" in str(refused.value)
    assert switched_on == [] and guard.switches == 0  # not on the window's thread

    qtbot.waitUntil(lambda: numbers(page) == {"1", "2"}, timeout=NOTICED_MS)
    assert len(switched_on) == 2 and threading.main_thread() not in switched_on
    assert guard.switches == 1
    banner = window.follower.banner
    assert banner.isVisible()
    assert banner.label.text() == replaced_message(path, refused=False)
    names = [s.name for s in window.desk.profile().subsidiaries]  # on the window's thread
    assert names == ["Acme Freight", "Beta Haulers"]
    settle(qtbot, window)
    assert guard.switches == 1


def test_a_file_deleted_under_the_window_is_told_and_none_is_made(
        qtbot, window, home, asker):
    loads_page(qtbot, window)
    path = home / DB_FILE_NAME
    kept = home.parent / "kept.sqlite3"
    os.link(path, kept)
    path.unlink()
    banner = window.follower.banner
    qtbot.waitUntil(lambda: banner.isVisible() and "is gone from its folder"
                    in banner.label.text(), timeout=NOTICED_MS)
    assert "Nothing you did is lost" not in banner.label.text()  # a server's words, not here
    window.runner.start(Job("Adding a subsidiary",
                            partial(window.desk.add_subsidiary, "Gamma Lines", code="GAMMA"),
                            error=asker.problem))
    qtbot.waitUntil(lambda: bool(asker.problems), timeout=NOTICED_MS)
    assert asker.problems[0].gone
    assert "Nothing was saved from this action" in str(asker.problems[0])
    window.current_page.refresh()
    settle(qtbot, window)
    assert not path.exists()  # no empty database made in its place


def not_a_factor_desk_database(path: Path) -> Path:
    """Another program's SQLite file (a table of its own, no revision)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    return path


def test_a_file_that_is_not_a_factor_desk_database_is_told_once_not_tried_over_and_over(
        qtbot, window, home, other_file, tmp_path):
    """Another program's file moved in: the banner says so, as does a read on the
    window's thread (not "Factor Desk now shows the file that is there"), and it stays
    dismissed once the clerk pressed OK; the window does not refresh the page, fail, and
    try the file again in a loop (a busy computer, a banner that comes back at once). The
    right file put back is then shown."""
    page = loads_page(qtbot, window)
    path = home / DB_FILE_NAME
    banner = window.follower.banner
    os.replace(not_a_factor_desk_database(tmp_path / "notes.sqlite3"), path)

    qtbot.waitUntil(lambda: banner.isVisible()
                    and "not a Factor Desk database" in banner.label.text(), timeout=NOTICED_MS)
    settle(qtbot, window, timeout=NOTICED_MS)  # a loop keeps the runner busy
    told = banner.label.text()
    with pytest.raises(DatabaseFileReplaced, match="not a Factor Desk database"):
        window.desk.has_company()  # a read on the window's thread: the same words
    QCoreApplication.processEvents()
    assert banner.label.text() == told  # not "now shows the file that is there"
    settle(qtbot, window, timeout=NOTICED_MS)  # the window tried the file again
    assert banner.label.text() == told
    refreshes = window.follower.refreshes
    qtbot.mouseClick(banner.ok, Qt.MouseButton.LeftButton)
    for _ in range(5):  # what the last refusal left queued (a loop: the next refresh)
        QCoreApplication.processEvents()
    assert not window.runner.busy and window.follower.refreshes == refreshes
    assert not banner.isVisible()  # the clerk's OK holds

    os.replace(other_file, path)  # the right file put back
    qtbot.waitUntil(lambda: numbers(page) == {"1", "2"}, timeout=NOTICED_MS)


def test_a_file_gone_before_the_window_took_it_is_a_loss_then_taken_when_back(
        qtbot, window, home, other_file, tmp_path):
    """The file replaced while a job runs (the window takes it after that job), then
    moved away before it was taken: the banner says the file is gone, as a loss with
    Retry now, not a notice the clerk can dismiss while nothing can be saved. Put back,
    the window takes it at the next try and shows it."""
    page = loads_page(qtbot, window)
    banner = window.follower.banner
    release, running = threading.Event(), threading.Event()

    def job_on_the_old_file() -> None:
        running.set()
        assert release.wait(60)

    window.runner.start(Job("Checking", job_on_the_old_file, error=lambda _exc: None))
    assert running.wait(10)
    path = home / DB_FILE_NAME
    os.replace(other_file, path)
    qtbot.waitUntil(lambda: banner.isVisible() and banner.notice, timeout=NOTICED_MS)
    away = tmp_path / "away.sqlite3"
    os.replace(path, away)
    qtbot.waitUntil(lambda: banner.isVisible() and not banner.notice, timeout=NOTICED_MS)
    release.set()
    settle(qtbot, window)  # the job that was to take it: refused, nothing there
    assert banner.isVisible() and not banner.notice and banner.retry.isVisible()
    assert "is gone from its folder" in banner.label.text()
    assert "Nothing was saved from this action" not in banner.label.text()

    os.replace(away, path)
    qtbot.mouseClick(banner.retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: numbers(page) == {"1", "2"}, timeout=NOTICED_MS)
    assert banner.notice and "was replaced on disk" in banner.label.text()
    assert [s.name for s in window.desk.profile().subsidiaries] == [
        "Acme Freight", "Beta Haulers"]
