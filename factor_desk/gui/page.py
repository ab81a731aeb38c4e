"""What every page of the window has: the desk (services), the job runner, the asker."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QWidget

from factor_desk.gui.common import Asker, EmptyHint
from factor_desk.gui.jobs import Job, JobRunner
from factor_desk.services.desk import Desk

T = TypeVar("T")
NOT_READ = "Not read: the database server is not answering (see above)."


class Page(QWidget):
    navigate = Signal(str)  # ask the window to show another page: "loads" or "loads:<record>"
    status = Signal(str)  # a line for the status bar

    title = ""

    def __init__(self, desk: Desk, runner: JobRunner, asker: Asker, settings: QSettings,
                 parent=None):
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.asker = asker
        self.settings = settings

    def refresh(self) -> None:
        """Reload what the page shows (in the background)."""

    def show_target(self, target: str) -> None:
        """Show the record ``target`` (``navigate.emit("loads:" + load_number)``) once the
        page has loaded; called before ``refresh``. Pages without records ignore it."""

    def _background_problem(self, exc: BaseException) -> None:
        """A refresh that failed: said, unless the window's banner says it already (the
        database server is not answering; gui/live.py)."""
        follower = getattr(self.window(), "follower", None)
        if follower is not None and follower.says(exc):
            # an empty table was not read: not "No loads yet — import a loads file" under
            # the banner (its own words come back with the next reading, a model reset)
            for hint in self.findChildren(EmptyHint):
                hint.setText(NOT_READ)
            return
        self.asker.problem(exc)

    def has_unsaved_changes(self) -> bool:
        """True while the page holds edits not saved yet: a change by another clerk then
        does not refresh it (gui/live.py), its save or the next visit does."""
        return False

    def can_leave(self) -> bool:
        """False keeps the clerk on the page (unsaved changes they chose to keep)."""
        return True

    def run(self, job: Job[T]) -> bool:
        """Start a job; a click while another job runs is refused with a message."""
        if job.error is None:
            job.error = self.asker.problem if job.user else self._background_problem
        if self.runner.start(job):
            return True
        self.asker.info("Factor Desk", f"Please wait: {self.runner.current_title} is still "
                                       "running.")
        return False
