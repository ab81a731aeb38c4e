"""File menu's data-folder actions of the main window: Back up…, Open data folder… (another
window on another folder) and Restore… (a backup into a new, empty folder), each long step
on the job runner."""

from __future__ import annotations

import datetime as dt
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QProcess, QSettings

from factor_desk.gui.jobs import Job
from factor_desk.services.desk import Desk

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from factor_desk.gui.common import Asker


def open_factor_desk(home: str) -> bool:
    """Start another Factor Desk window on the data folder ``home`` (a process of its own,
    as if the clerk had started ``factor-desk --home HOME``). True if it started."""
    if getattr(sys, "frozen", False):  # the installed bundle: the program is the executable
        program, args = sys.executable, ["--home", home]
    else:
        program, args = sys.executable, ["-m", "factor_desk", "--home", home]
    started, _pid = QProcess.startDetached(program, args)
    return bool(started)


class DataFolderActions:
    """Mixed into the MainWindow, whose desk, settings, asker, status bar and progress
    runner these use."""

    desk: Desk
    settings: QSettings
    asker: Asker

    if TYPE_CHECKING:
        def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)
        def _run_with_progress(self, job: Job, label: str) -> None: ...
        def close(self) -> bool: ...

    def back_up(self) -> None:
        """File → Back up…: choose the .zip, then back up in the background."""
        try:
            self.desk.check_can_back_up()
        except Exception as exc:
            self.asker.problem(exc)
            return
        start = str(self.settings.value("folders/backup", str(Path.home()), str))
        name = f"factor_desk-{dt.datetime.now():%Y-%m-%d-%H%M}.zip"
        chosen = self.asker.save_file("Back up Factor Desk", str(Path(start) / name),
                                      "Factor Desk backup (*.zip)")
        if not chosen:
            return
        target = Path(chosen)
        # The save dialog has asked before replacing a file; a name it did not see (".zip"
        # added here) is never replaced.
        replace = target.suffix.lower() == ".zip" and target.exists()
        if target.suffix.lower() != ".zip":
            target = target.with_name(target.name + ".zip")
        self.settings.setValue("folders/backup", str(target.parent))

        def done(result) -> None:
            self.statusBar().showMessage(f"Backed up to {result.path}.", 10_000)
            self.asker.info("Back up", f"Factor Desk's data was backed up to {result.path}: "
                            f"the database and {result.documents} documents. Keep a copy "
                            "away from this computer (a USB drive, a shared folder).")

        # A worker thread, not a process: the copy works in 1 MB steps (SQLite's backup,
        # zlib and sha256 release the GIL for each), so the window stays responsive.
        self._run_with_progress(
            Job("Backing up", partial(self.desk.make_backup, str(target), replace=replace),
                done=done),
            f"Backing up to {target}…")

    def open_data_folder(self) -> None:
        """File → Open data folder…: Factor Desk in a new window on another data folder
        (restored data, a colleague's copy); this window stays as it is."""
        start = str(self.settings.value("folders/data", str(Path.home()), str))
        folder = self.asker.folder("Open a Factor Desk data folder", start)
        if not folder:
            return
        self.settings.setValue("folders/data", str(Path(folder).parent))
        if open_factor_desk(folder):
            self.statusBar().showMessage(f"Factor Desk opens on {folder} in a new window.",
                                         10_000)
        else:
            self.asker.info("Open data folder", "Factor Desk could not be started on "
                            f"{folder}.")

    def restore(self) -> None:
        """File → Restore…: a backup goes into a new, empty data folder, which can then be
        opened in place of this one."""
        if not self.asker.confirm(
                "Restore a backup",
                "Restore puts a backup into a new, empty data folder; the data open now is "
                "not touched. Choose the backup file, then an empty folder for it. Afterwards "
                "Factor Desk can open the restored data (or later: File → Open data "
                "folder…).", "Choose backup…"):
            return
        start = str(self.settings.value("folders/backup", str(Path.home()), str))
        archive = self.asker.open_file("Restore a Factor Desk backup", start,
                                       "Factor Desk backup (*.zip)")
        if not archive:
            return
        folder = self.asker.folder("Restore into a new, empty folder",
                                   str(Path(archive).parent))
        if not folder:
            return

        def done(result) -> None:
            home = str(result.home)
            self.statusBar().showMessage(f"Backup restored into {home}.", 10_000)
            if self.asker.confirm(
                    "Restore",
                    f"The backup of {result.made} was restored into {home}.\n\nTo open "
                    f"it later: File → Open data folder…, then choose {home}.\n\nOpen it "
                    "now? This window closes and Factor Desk opens on the restored data.",
                    "Open restored data"):
                if open_factor_desk(home):
                    self.close()
                else:
                    self.asker.info("Restore", "Factor Desk could not be started on the "
                                    "restored data. Open it with File → Open data folder…, "
                                    f"then choose {home}.")

        self._run_with_progress(
            Job("Restoring a backup", partial(Desk.restore_backup, archive, folder),
                done=done),
            f"Restoring {Path(archive).name}…")
