"""Start the window: the application, its icon, the log file, the error handler."""

from __future__ import annotations

import logging
import sys
import time

from factor_desk.db.database import Location


def settings_for(location: Location):
    from PySide6.QtCore import QSettings

    location.home.mkdir(parents=True, exist_ok=True)
    return QSettings(str(location.home / "settings.ini"), QSettings.Format.IniFormat)


def setup_logging(location: Location) -> None:
    logger = logging.getLogger("factor_desk")
    if any(isinstance(h, logging.FileHandler) for h in logger.handlers):
        return
    location.home.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(location.home / "factor_desk.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def make_app(argv: list[str] | None = None):
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from factor_desk.paths import resource

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Factor Desk")
    app.setOrganizationName("Factor Desk")
    app.setApplicationDisplayName("Factor Desk")
    app.setWindowIcon(QIcon(str(resource("icons/factor_desk.png"))))
    return app


def run_gui(location: Location, argv: list[str] | None = None) -> int:
    """Open the window on the database at ``location``; returns the exit status."""
    started = time.perf_counter()
    app = make_app(argv)
    setup_logging(location)
    from PySide6.QtWidgets import QMessageBox

    from factor_desk.db.database import Database
    from factor_desk.gui.common import show_bug
    from factor_desk.gui.main_window import MainWindow
    from factor_desk.services.desk import Desk

    try:
        db = Database(location)
    except Exception as exc:  # a server that does not answer, a file that is no database
        logging.getLogger("factor_desk").exception("Cannot open %s", location.describe())
        QMessageBox.critical(None, "Factor Desk",
                             f"Factor Desk cannot open its data at {location.describe()}.\n\n"
                             f"{exc}")
        return 1
    window = MainWindow(Desk(db), settings_for(location))

    def on_bug(kind, exc, tb):
        show_bug(window, exc.with_traceback(tb))

    sys.excepthook = on_bug
    window.show()
    from factor_desk.db.location_check import check_data_folder

    check_data_folder(location, lambda warning: window.asker.info("Factor Desk", warning))
    logging.getLogger("factor_desk").info("Window shown in %.2f s on %s",
                                          time.perf_counter() - started, location.describe())
    code = app.exec()
    db.dispose()
    return code
