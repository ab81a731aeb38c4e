"""Start the window: the application, its icon, the log file, the error handler."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

from factor_desk.domain.errors import FactorDeskError, refusal_for_os_error
from factor_desk.location import Location

if TYPE_CHECKING:
    from factor_desk.gui.main_window import MainWindow

EXIT_REFUSED = 3  # as on the command line: the data could not be opened, nothing changed


def settings_for(location: Location):
    from PySide6.QtCore import QSettings

    # A read-only data folder: the window opens, it just cannot remember its layout.
    with contextlib.suppress(OSError):
        location.home.mkdir(parents=True, exist_ok=True)
    return QSettings(str(location.home / "settings.ini"), QSettings.Format.IniFormat)


def setup_logging(location: Location) -> None:
    logger = logging.getLogger("factor_desk")
    log_file = location.home / "factor_desk.log"
    for h in list(logger.handlers):
        if isinstance(h, logging.FileHandler):
            if Path(h.baseFilename) == log_file.absolute():
                return
            # Another data folder's log (a window reopened on restored data): bugs are
            # logged where this data lives.
            logger.removeHandler(h)
            h.close()
    location.home.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def make_app(argv: list[str] | None = None):
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from factor_desk.paths import resource

    app = cast(QApplication, QApplication.instance()) or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Factor Desk")
    app.setOrganizationName("Factor Desk")
    app.setApplicationDisplayName("Factor Desk")
    app.setWindowIcon(QIcon(str(resource("icons/factor_desk.png"))))
    return app


def install_error_hook(window: MainWindow) -> None:
    """What escapes a slot on the GUI thread (a click that writes a file): a file locked by
    another program, a read-only folder or a full disk is a message for the clerk; anything
    else is a bug, logged and shown as one. The window keeps running either way."""
    from factor_desk.gui.common import show_bug

    def on_uncaught(kind: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        refusal = refusal_for_os_error(exc)
        if refusal is not None or isinstance(exc, FactorDeskError):
            window.asker.problem(refusal or exc)
        else:
            show_bug(window, exc.with_traceback(tb))

    sys.excepthook = on_uncaught


class Front:
    """The window and the Desk it works on, and the switch between the clerk's data and
    the demo: Try the demo reopens the window on fresh demo data in a folder of its own
    (``demo_home``), File → Close demo on the clerk's data again. One Desk is open at a
    time; the one left is closed."""

    def __init__(self, location: Location, *, demo_home: Path | None = None,
                 asker_for=None) -> None:
        self.location = location
        self._demo_home = demo_home
        self.asker_for = asker_for  # tests: the window's stand-in Asker
        self.window: MainWindow | None = None

    @property
    def demo_home(self) -> Path:
        """The demo's folder; never the clerk's own (a window opened on the demo folder
        makes its demo one level down)."""
        from factor_desk.gui.first_run import demo_home

        home = self._demo_home or demo_home()
        if home.resolve() == self.location.home.resolve():
            home = home / "Demo"
        return home

    def show(self, desk, location: Location, *, demo: bool = False) -> MainWindow:
        """A window on ``desk`` in place of the one shown now (which closes, and its Desk
        with it)."""
        from PySide6.QtCore import Qt

        from factor_desk.gui.main_window import MainWindow

        old = self.window
        asker = self.asker_for() if self.asker_for else None
        window = MainWindow(desk, settings_for(location), asker, demo=demo)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.demo_requested.connect(self.open_demo)
        window.close_demo_requested.connect(self.close_demo)
        window.destroyed.connect(lambda *_: desk.close())
        if old is not None:
            window.restoreGeometry(old.saveGeometry())
        window.show()  # before the old one closes: the application goes on
        if old is not None and not old.close():  # work running the clerk chose to keep
            window.close()
            return old
        self.window = window
        install_error_hook(window)
        return window

    def open_demo(self) -> None:
        from factor_desk.gui.first_run import open_fresh_demo

        assert self.window is not None
        try:
            desk = open_fresh_demo(self.demo_home)
        except Exception as exc:
            self.window.asker.problem(exc)
            return
        from factor_desk.gui.first_run import demo_location

        self.show(desk, demo_location(self.demo_home), demo=True)

    def close_demo(self) -> None:
        from factor_desk.services.desk import Desk

        assert self.window is not None
        try:
            desk = Desk.open(self.location)
        except Exception as exc:
            self.window.asker.problem(exc)
            return
        self.show(desk, self.location)


def run_gui(location: Location, argv: list[str] | None = None) -> int:
    """Open the window on the database at ``location``; returns the exit status."""
    started = time.perf_counter()
    app = make_app(argv)
    # A read-only data folder: opening the database below says what is wrong.
    with contextlib.suppress(OSError):
        setup_logging(location)
    from PySide6.QtWidgets import QMessageBox

    from factor_desk.gui.common import Asker
    from factor_desk.services.desk import Desk

    try:
        desk = Desk.open(location)
    except Exception as exc:
        # The database in use, read-only, damaged or newer; a server that does not answer.
        refusal = exc if isinstance(exc, FactorDeskError) else refusal_for_os_error(exc)
        if refusal is not None:
            logging.getLogger("factor_desk").warning("Cannot open %s: %s",
                                                     location.describe(), refusal)
            Asker(None).problem(refusal)
            return EXIT_REFUSED
        logging.getLogger("factor_desk").exception("Cannot open %s", location.describe())
        QMessageBox.critical(None, "Factor Desk",
                             f"Factor Desk cannot open its data at {location.describe()}.\n\n"
                             f"{exc}")
        return 1
    front = Front(location)
    try:
        window = front.show(desk, location)
        warning = desk.data_folder_warning()
        if warning:
            window.asker.info("Factor Desk", warning)
        logging.getLogger("factor_desk").info("Window shown in %.2f s on %s",
                                              time.perf_counter() - started,
                                              location.describe())
        return app.exec()
    finally:
        if front.window is not None:  # still open when the application quits
            front.window.desk.close()
