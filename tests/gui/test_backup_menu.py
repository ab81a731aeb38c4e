"""File → Back up… and File → Restore… as a clerk uses them. The file dialogs are Qt's own
static functions, answered here by monkeypatching QFileDialog; the message boxes are
answered by a recording Asker."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from helpers import settle
from PySide6.QtWidgets import QFileDialog

from factor_desk.db.database import DB_FILE_NAME, Location
from factor_desk.gui.common import Asker
from factor_desk.services.backup import run_backup


class RecordingAsker(Asker):
    """The real Asker (its file dialogs are QFileDialog's), with message boxes answered."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.confirms: list[bool] = []
        self.asked: list[str] = []
        self.problems: list[BaseException] = []

    def confirm(self, title, text, yes="OK"):
        self.asked.append(f"{title}: {text}")
        return self.confirms.pop(0) if self.confirms else False

    def info(self, title, text):
        self.asked.append(f"{title}: {text}")

    def problem(self, exc):
        self.asked.append(f"problem: {exc}")
        self.problems.append(exc)


@pytest.fixture
def real_asker():
    return RecordingAsker()


@pytest.fixture
def win(qtbot, desk, home, real_asker):
    from factor_desk.gui.app import make_app, settings_for
    from factor_desk.gui.main_window import MainWindow

    make_app()
    window = MainWindow(desk, settings_for(Location.resolve(home)), asker=real_asker)
    real_asker.parent = window
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, window)
    yield window
    window.runner.cancel()
    window.runner.wait()


def file_action(window, text: str):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return next(a for a in file_menu.actions() if a.text().replace("&", "") == text)


def dump(db_file: Path) -> list[str]:
    conn = sqlite3.connect(db_file)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_back_up_from_the_file_menu(qtbot, win, real_asker, home, tmp_path, monkeypatch):
    target = tmp_path / "Friday backup.zip"
    offered = []

    def save_dialog(parent, title, start, filters):
        offered.append((title, start, filters))
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_dialog))
    file_action(win, "Back up…").trigger()
    settle(qtbot, win, timeout=60_000)
    assert real_asker.problems == []
    assert Path(offered[0][1]).name.startswith("factor_desk-")
    assert offered[0][1].endswith(".zip") and "*.zip" in offered[0][2]
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert DB_FILE_NAME in names and any(n.startswith("documents/") for n in names)
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json"}
    assert any(str(target) in text for text in real_asker.asked)


def test_a_cancelled_save_dialog_backs_up_nothing(qtbot, win, real_asker, tmp_path,
                                                  monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: ("", "")))
    file_action(win, "Back up…").trigger()
    settle(qtbot, win)
    assert not win.runner.busy and real_asker.problems == []
    assert list(tmp_path.glob("*.zip")) == []


def test_restore_into_an_empty_folder_then_open_it(qtbot, win, real_asker, home, tmp_path,
                                                   monkeypatch):
    archive = run_backup(Location.resolve(home), tmp_path / "b.zip").path
    target = tmp_path / "restored"
    target.mkdir()
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a: (str(archive), "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a: str(target)))
    launched = []
    monkeypatch.setattr("factor_desk.gui.data_folder.open_factor_desk",
                        lambda folder: launched.append(folder) or True)
    real_asker.confirms = [True, True]  # go on; open the restored data
    file_action(win, "Restore…").trigger()
    settle(qtbot, win, timeout=60_000)
    assert real_asker.problems == []
    explained = real_asker.asked[0]
    assert "empty" in explained and "File → Open data folder…" in explained
    assert dump(target / DB_FILE_NAME) == dump(home / DB_FILE_NAME)
    assert launched == [str(target)]
    assert not win.isVisible()  # the window reopens on the restored data
    # How to open it later, in the window's words (never a command to type):
    assert any("File → Open data folder…" in text and str(target) in text
               for text in real_asker.asked[1:])
    assert not any("factor-desk" in text for text in real_asker.asked)


def test_restore_into_a_folder_with_data_is_refused(qtbot, win, real_asker, home, tmp_path,
                                                    monkeypatch):
    archive = run_backup(Location.resolve(home), tmp_path / "b.zip").path
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a: (str(archive), "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a: str(home)))  # the data open right now
    before = dump(home / DB_FILE_NAME)
    real_asker.confirms = [True]
    file_action(win, "Restore…").trigger()
    settle(qtbot, win, timeout=60_000)
    assert len(real_asker.problems) == 1 and str(home) in str(real_asker.problems[0])
    assert dump(home / DB_FILE_NAME) == before
    assert win.isVisible()


def test_back_up_on_a_server_explains_pg_dump_without_asking_where(qtbot, win, real_asker,
                                                                  monkeypatch):
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: asked.append(a) or ("", "")))
    monkeypatch.setattr(win.desk.db, "location", Location(
        url="postgresql+psycopg://clerk:s3cret-pw@dbserver/factor_desk", home=Path("/x")))
    file_action(win, "Back up…").trigger()
    settle(qtbot, win)
    assert asked == []
    (refusal,) = real_asker.problems
    assert "pg_dump" in str(refusal) and "dbserver" in str(refusal)
    assert "s3cret-pw" not in str(refusal)


def test_cancel_during_a_backup_writes_nothing(qtbot, win, tmp_path, monkeypatch):
    import threading

    from factor_desk.db import backup_archive

    target = tmp_path / "b.zip"
    copying, go_on = threading.Event(), threading.Event()
    real_snapshot = backup_archive._snapshot

    def slow_snapshot(db_file, copy):
        copying.set()
        assert go_on.wait(30)
        return real_snapshot(db_file, copy)

    monkeypatch.setattr(backup_archive, "_snapshot", slow_snapshot)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(target), "")))
    file_action(win, "Back up…").trigger()
    assert copying.wait(30)
    win.runner.cancel()  # the clerk clicks Cancel while the database is being copied
    go_on.set()
    settle(qtbot, win)
    assert "cancelled" in win.statusBar().currentMessage()
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers
