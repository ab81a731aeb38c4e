"""A fresh demo database and a fresh window for every GUI test, offscreen. The window's
questions are answered by a stand-in Asker; every wait is on a condition, never a sleep."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import shown_window, stop_jobs

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class FakeAsker:
    """Answers the window's questions from queues the test fills; records what it saw."""

    def __init__(self):
        self.answers: dict[str, list] = {}
        self.asked: list[tuple[str, str]] = []
        self.problems: list[BaseException] = []

    def answer(self, kind: str, *values) -> None:
        self.answers.setdefault(kind, []).extend(values)

    def _next(self, kind: str, text: str, default=None):
        self.asked.append((kind, text))
        queue = self.answers.get(kind)
        return queue.pop(0) if queue else default

    def confirm(self, title, text, yes="OK"):
        return self._next("confirm", f"{title}: {text}", False)

    def choice(self, title, text, buttons):
        return self._next("choice", f"{title}: {text}")

    def info(self, title, text):
        self._next("info", f"{title}: {text}")

    def folder(self, title, start):
        return self._next("folder", title)

    def open_file(self, title, start, filters):
        return self._next("open_file", title)

    def open_files(self, title, start, filters):
        return self._next("open_files", title, [])

    def save_file(self, title, start, filters):
        return self._next("save_file", title)

    def item(self, title, text, items):
        return self._next("item", f"{title}: {text}")

    def text(self, title, label):
        return self._next("text", f"{title}: {label}")

    def problem(self, exc):
        self.asked.append(("problem", str(exc)))
        self.problems.append(exc)


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def desk(home):
    from factor_desk.db.database import Database, Location
    from factor_desk.services.desk import Desk

    db = Database(Location.resolve(home))
    Desk(db).load_demo(loads=12)
    yield Desk(db)
    db.dispose()


@pytest.fixture
def asker():
    return FakeAsker()


@pytest.fixture
def window(qtbot, desk, home, asker):
    from factor_desk.db.database import Location
    from factor_desk.gui.app import make_app, settings_for

    make_app()
    win = shown_window(qtbot, desk, settings_for(Location.resolve(home)), asker)
    yield win
    stop_jobs(win)


