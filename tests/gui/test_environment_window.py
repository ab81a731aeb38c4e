"""In the window, a problem of the computer around Factor Desk (a file locked by another
program, a database in use, damaged or newer) is a dialog the clerk understands, and the
window keeps running; at start-up it is a dialog instead of a crash."""

from __future__ import annotations

import errno
import sqlite3
import sys
from pathlib import Path

import pytest

from factor_desk.db.database import DB_FILE_NAME
from factor_desk.domain.errors import EnvironmentRefused
from factor_desk.gui.jobs import Call, Job, JobRunner

LOCKED = r"C:\Users\clerk\Desktop\Factoring\BRF-0001\invoices\10001.pdf"


def settle(qtbot, win) -> None:
    # Not imported from conftest at the top: a worker process imports this module to find
    # locked_file, and there "conftest" may name tests/conftest.py instead.
    from helpers import settle as wait_until_idle

    wait_until_idle(qtbot, win)


def locked_file(*, should_stop):
    """A job for a worker process: Acrobat holds the file the job must replace."""
    raise PermissionError(errno.EACCES, "Permission denied", LOCKED)


@pytest.mark.parametrize("in_process", [False, True])
def test_a_job_that_meets_a_locked_file_ends_in_a_refusal_naming_it(qtbot, in_process):
    runner = JobRunner()
    errors, results = [], []
    fn = Call(locked_file) if in_process else locked_file
    with qtbot.waitSignal(runner.busy_changed, timeout=60_000,
                          check_params_cb=lambda b: b is False):
        runner.start(Job("Download", fn, error=errors.append))
    assert isinstance(errors[0], EnvironmentRefused)
    assert LOCKED in errors[0].summary and "close" in errors[0].summary
    # the runner goes on: the next job runs
    with qtbot.waitSignal(runner.busy_changed, timeout=10_000,
                          check_params_cb=lambda b: b is False):
        runner.start(Job("next", lambda: 7, done=results.append))
    assert results == [7]


@pytest.fixture
def short_busy_timeout(monkeypatch):
    from factor_desk.db import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.3)


def test_a_database_in_use_by_another_program_is_a_dialog_and_the_window_goes_on(
        short_busy_timeout, qtbot, window, desk, asker, home):
    from helpers import NOA

    window.show_page("company")
    settle(qtbot, window)
    page = window.pages["company"]
    page.subsidiary.setCurrentText("Blue Ridge Logistics Inc")
    settle(qtbot, window)
    other = sqlite3.connect(home / DB_FILE_NAME, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        page.add_info.click()
        page.dialog.text.setPlainText(NOA)
        page.dialog.save.click()
        settle(qtbot, window)
        assert isinstance(asker.problems[-1], EnvironmentRefused)
        assert "in use by another program" in asker.problems[-1].summary
        assert str(home / DB_FILE_NAME) in asker.problems[-1].summary
    finally:
        other.rollback()
        other.close()
    page.dialog.save.click()  # the clerk closes the other program and saves again
    settle(qtbot, window)
    sub = next(s for s in desk.profile().subsidiaries if s.name == "Blue Ridge Logistics Inc")
    assert sub.notice_of_assignment == NOA


@pytest.mark.qt_no_exception_capture
def test_save_template_into_a_locked_file_is_a_dialog_not_a_bug(qtbot, window, asker,
                                                                 monkeypatch, tmp_path):
    from PySide6.QtWidgets import QPushButton

    from factor_desk.gui.app import install_error_hook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_error_hook(window)
    target = tmp_path / "Purchase_Report.csv"

    opened = Path.open

    def locked(self, mode="r", *args, **kwargs):  # Excel has the old template open (Windows)
        if "w" in mode:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return opened(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", locked)
    window.show_page("reports")
    settle(qtbot, window)
    button = next(b for b in window.pages["reports"].findChildren(QPushButton)
                  if b.text() == "Purchase template…")
    asker.answer("save_file", str(target))
    button.click()
    assert isinstance(asker.problems[-1], EnvironmentRefused)
    assert str(target) in asker.problems[-1].summary


def _newer(home: Path) -> None:
    from factor_desk.db.database import Database, Location

    Database(Location.resolve(home)).dispose()
    conn = sqlite3.connect(home / DB_FILE_NAME)
    conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    conn.commit()
    conn.close()


def _damaged(home: Path) -> None:
    (home / DB_FILE_NAME).write_bytes(b"this is not a database, it is a letter" * 300)


@pytest.mark.parametrize(("make", "needle"), [(_newer, "newer Factor Desk"),
                                              (_damaged, "damaged")])
def test_a_problem_at_start_up_is_a_dialog_not_a_crash(qtbot, tmp_path, make, needle):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from factor_desk.db.database import Location
    from factor_desk.gui.app import run_gui

    home = tmp_path / "home"
    home.mkdir()
    make(home)
    seen: list[tuple[QMessageBox.Icon, str]] = []

    def close_the_dialog() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append((box.icon(), box.text()))
            box.accept()
        else:
            QTimer.singleShot(20, close_the_dialog)

    QTimer.singleShot(0, close_the_dialog)
    code = run_gui(Location.resolve(home))
    assert code == 3
    assert seen and seen[0][0] == QMessageBox.Icon.Warning
    assert needle in seen[0][1] and str(home / DB_FILE_NAME) in seen[0][1]
