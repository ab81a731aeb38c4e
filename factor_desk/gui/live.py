"""The window follows other clerks' changes (issue #15).

``LiveWatch`` runs the desk's ChangeWatcher (db/watch.py) on a thread of its own and says,
on the GUI thread, what changed (``changed``, gathered over 300 ms), that the server was
lost (``server_lost``) and that it is back (``server_back``); while lost it tries again
every 5 s, or at once when asked (Retry now).

``Follower`` is what the window does with it: it refreshes the page shown, which keeps
the clerk's selection and ticks (the table models keep both by record; see models.py),
but never while a dialog is open or a job runs (then right after), nor over a form's
unsaved changes; a hidden page refreshes when shown (MainWindow.show_page). While the
server is lost a banner across the window says so, with Retry now.

A SQLite file replaced on disk (the watcher's FileReplaced, or any job refused by
DatabaseFileReplaced): the banner says so until the clerk presses OK, the desk takes the
file there (a background job, so after any job still running on the old one) and the page
shown refreshes to it. A read on the GUI thread that meets the file first (a small table,
a form) is refused without taking it: that is seconds of work for a big file (the
checkpoint, the automatic backup, the upgrade check), handed to the same background job
(``Follower._hand_over``). A file gone is a loss like a server's, until it is back.

A daemon thread, not a QThread, as gui/jobs.py explains: a watcher that cannot let go (a
connect to a server that does not answer takes up to 5 s) must not hold up quitting, nor
abort the program when its window is destroyed."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton

from factor_desk.domain.errors import DatabaseFileReplaced, EnvironmentRefused
from factor_desk.gui.common import EmptyHint, when_text
from factor_desk.gui.jobs import Job
from factor_desk.services.desk_live import (
    ChangeWatcher,
    FileReplaced,
    ServerLost,
)

if TYPE_CHECKING:
    from factor_desk.gui.main_window import MainWindow

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
DEBOUNCE_MS = 300
WAIT_SECONDS = 30.0  # one wait of the thread; stop and Retry now wake it sooner
LATER_MS = 500  # a refresh held back by a dialog looks again this much later


class _Control:
    """What the GUI thread and the watcher thread share (plain Python, so that it outlives
    the QObject: a window destroyed without closing still stops its thread)."""

    def __init__(self, watcher: ChangeWatcher):
        self.watcher = watcher
        self.stopping = threading.Event()
        self.retry = threading.Event()

    def stop(self) -> None:
        self.stopping.set()
        self.retry.set()
        self.watcher.wake()


class LiveWatch(QObject):
    """A ChangeWatcher on a thread; signals on the GUI thread."""

    changed = Signal(object)  # frozenset[str]: the tables (empty: unknown which)
    server_lost = Signal(str, bool)  # the watcher's words; True: the SQLite file is gone
    server_back = Signal()
    still_lost = Signal()  # another try (every 5 s, or Retry now) found it still gone
    file_replaced = Signal(str)  # another SQLite file at the path: the clerk's words
    _seen = Signal(object)  # from the thread: one change, before gathering
    _lost = Signal(str, bool)
    _replaced = Signal(str)
    _still = Signal()
    _back = Signal()

    def __init__(self, open_watcher: Callable[[], ChangeWatcher], parent=None, *,
                 retry_seconds: float = RETRY_SECONDS):
        super().__init__(parent)
        self._open = open_watcher
        self.retry_seconds = retry_seconds
        self.lost = False
        self._control: _Control | None = None
        self._thread: threading.Thread | None = None
        self._gathered: set[str] = set()
        self._unknown = False
        self._gather = QTimer(self)
        self._gather.setSingleShot(True)
        self._gather.setInterval(DEBOUNCE_MS)
        self._gather.timeout.connect(self._emit_gathered)
        self._seen.connect(self._on_seen)
        self._lost.connect(self._on_lost)
        self._still.connect(self.still_lost)
        self._back.connect(self._on_back)
        self._replaced.connect(self._on_replaced)

    def start(self) -> None:
        if self._thread is not None:
            return
        control = self._control = _Control(self._open())
        # destroyed without stop() (a window never closed): the thread still ends
        self.destroyed.connect(lambda *_: control.stop())
        self._thread = threading.Thread(target=self._run, args=(control,),
                                        name="factor-desk-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout_ms: int = 2_000) -> bool:
        """Stop the thread; True once it ended (else it ends by itself, soon after)."""
        self._gather.stop()
        if self._control is not None:
            self._control.stop()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout_ms / 1000)
        return not thread.is_alive()

    def retry_now(self) -> None:
        if self._control is not None:
            self._control.retry.set()

    # ---- the watcher's thread

    def _run(self, control: _Control) -> None:
        watcher, stopping = control.watcher, control.stopping
        lost = False
        try:
            while not stopping.is_set():
                try:
                    changes = watcher.wait(WAIT_SECONDS)
                except FileReplaced as exc:  # a file there again, if it was gone
                    lost = False
                    if not stopping.is_set():
                        self._replaced.emit(str(exc))
                    continue
                except ServerLost as exc:
                    if stopping.is_set():
                        break
                    if not lost:
                        lost = True
                        self._lost.emit(str(exc), exc.file_gone)
                    else:
                        self._still.emit()
                    control.retry.wait(self.retry_seconds)
                    control.retry.clear()
                    continue
                if stopping.is_set():
                    break
                if lost:
                    lost = False
                    self._back.emit()
                if changes is not None:
                    self._seen.emit(changes)
        except RuntimeError:  # the window's object is gone: nobody to tell
            pass
        except Exception:  # a bug: the window goes on without following changes
            log.exception("The database watcher stopped")
        finally:
            watcher.close()

    # ---- the GUI thread

    def _on_seen(self, changes: frozenset[str]) -> None:
        if changes:
            self._gathered |= changes
        else:
            self._unknown = True
        if not self._gather.isActive():
            self._gather.start()

    def _emit_gathered(self) -> None:
        changes = frozenset() if self._unknown else frozenset(self._gathered)
        self._gathered, self._unknown = set(), False
        self.changed.emit(changes)

    def _on_lost(self, message: str, file_gone: bool) -> None:
        self.lost = True
        self.server_lost.emit(message, file_gone)

    def _on_back(self) -> None:
        self.lost = False
        self.server_back.emit()

    def _on_replaced(self, message: str) -> None:
        self.lost = False
        self.file_replaced.emit(message)


class ServerBanner(QFrame):
    """Across the top of the window while the database server does not answer (or the
    SQLite file is gone), with Retry now; or a notice dismissed with OK (a file replaced)."""

    retry_clicked = Signal()

    def __init__(self, server: str, parent=None):
        super().__init__(parent)
        self.setObjectName("serverBanner")
        self.label = QLabel()
        self.words = ""
        self.label.setObjectName("serverBannerText")
        self.label.setWordWrap(True)
        self.retry = QPushButton("Retry now")
        self.retry.setObjectName("retryNow")
        self.retry.clicked.connect(self.retry_clicked)
        self.ok = QPushButton("OK")  # a notice the clerk dismisses (a file replaced)
        self.ok.setObjectName("bannerOk")
        self.ok.clicked.connect(self.hide)
        self.ok.hide()
        self.notice = False  # showing a notice (tell), not a loss (say)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.ok, 0, Qt.AlignmentFlag.AlignVCenter)
        self.say(f"The database server {server} is not answering.")
        self.setStyleSheet(
            "#serverBanner { background: #fde7e9; border-bottom: 1px solid #a4262c; } "
            "#serverBannerText { color: #5c1016; font-weight: 600; }")
        self.hide()

    def say(self, message: str, *, file_gone: bool = False) -> None:
        """The watcher's words (the server "is not answering.", or "has no connection left
        for clerk2"), that it is tried again, and that nothing is lost (not when the SQLite
        file itself is gone: its words say what to do)."""
        self.words = f"{message} Trying again every {RETRY_SECONDS:g} s."
        if not file_gone:
            self.words += " Nothing you did is lost: changes are saved whole or not at all."
        self.label.setText(self.words)
        self.notice = False
        self.ok.hide()
        self.retry.show()

    def tell(self, message: str) -> None:
        """A notice that stays until the clerk presses OK (another database file was put
        in place of the one open)."""
        self.words = message
        self.label.setText(message)
        self.notice = True
        self.retry.hide()
        self.ok.show()
        self.show()

    def tried(self) -> None:
        """Another try failed: say when, so that Retry now visibly did something."""
        at = when_text(dt.datetime.now(dt.UTC), time_only=True)
        self.label.setText(f"{self.words} Last tried at {at}.")


class Follower(QObject):
    """The window's side: refresh the page shown on a change, the banner on a loss."""

    _take_asked = Signal(str)  # the GUI thread met another file: taken in the background

    def __init__(self, window: MainWindow, *, retry_seconds: float = RETRY_SECONDS):
        super().__init__(window)
        self.window = window
        self.banner = ServerBanner(window.desk.server_label())
        self.watch = LiveWatch(window.desk.watch, self, retry_seconds=retry_seconds)
        self.refreshes = 0  # the refreshes a change caused (tests count them)
        self._stale = False
        self._taking = False  # a job taking the file there is on its way
        self._stopped = False
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(LATER_MS)
        self._later.timeout.connect(self._refresh_when_free)
        self.watch.changed.connect(self._changed)
        self.watch.server_lost.connect(self._server_lost)
        self.watch.server_back.connect(self._server_back)
        self.watch.still_lost.connect(self.banner.tried)
        self.watch.file_replaced.connect(self._file_replaced)
        self.banner.retry_clicked.connect(self.watch.retry_now)
        # after the refused read's own handling, as the watcher's signal comes
        self._take_asked.connect(self._file_replaced, Qt.ConnectionType.QueuedConnection)
        window.desk.hand_file_switches_to(self._hand_over)
        window.runner.job_failed.connect(self._job_failed)
        window.runner.busy_changed.connect(lambda busy: None if busy else
                                           self._refresh_when_free())
        self.watch.start()

    def stop(self) -> None:
        self._stopped = True  # its desk's GUI-thread reads take another file themselves
        self._later.stop()
        self.watch.stop()

    def _hand_over(self, notice: str) -> bool:
        """Asked by the desk on the thread that met another database file in the open
        one's place (db/file_guard.py): on the GUI thread the action is refused there and
        the file taken by the watcher's background job (once, however many reads meet it
        meanwhile); on a job's thread (False) the job takes it itself, as the command line
        does."""
        app = QCoreApplication.instance()
        if self._stopped or app is None or QThread.currentThread() is not app.thread():
            return False
        if self._taking:
            return True
        try:
            self._take_asked.emit(notice)
        except RuntimeError:  # the window is gone: nobody to take it for
            return False
        self._taking = True
        return True

    def _changed(self, _tables: frozenset[str]) -> None:
        self._stale = True
        self._refresh_when_free()

    def _refresh_when_free(self) -> None:
        """Refresh the page shown, unless a job runs (its end calls this again) or a
        dialog is open (this looks again shortly)."""
        if not self._stale or self.watch.lost:
            return
        window = self.window
        if window.runner.busy:
            return
        if QApplication.activeModalWidget() is not None or QApplication.activePopupWidget():
            self._later.start()
            return
        self._stale = False
        if window.showing_first_run:
            # another clerk may have started the company: then its pages, not the welcome
            def found(has: bool) -> None:
                if has and window.showing_first_run:
                    window.show_page("home")

            window.runner.start(Job("Looking for the company", window.desk.has_company,
                                    done=found, error=lambda _exc: None, user=False))
            return
        page = window.current_page
        if page.has_unsaved_changes():
            return  # never over the clerk's typing; its save or a visit refreshes it
        self.refreshes += 1
        page.refresh()

    def says(self, exc: BaseException) -> bool:
        """Whether the banner says what ``exc`` says: a refresh refused because the server
        it shows as lost does not answer (then no message box on top of it)."""
        if isinstance(exc, DatabaseFileReplaced) and self.banner.notice \
                and self.banner.isVisibleTo(self.window):
            return True  # the banner tells it
        return self.watch.lost and isinstance(exc, EnvironmentRefused)

    def _file_replaced(self, message: str) -> None:
        """The watcher saw another database file at the path (or a read on the GUI
        thread met it, ``_hand_over``): told until OK, the desk takes it after any job
        still running, then the page shows it."""
        self.banner.tell(message)
        window = self.window
        self._taking = True

        def taken(_took: bool) -> None:
            self._taking = False
            self._stale = True
            self._refresh_when_free()

        def refused(exc: BaseException) -> None:
            # none Factor Desk can use: the banner says it and stays; no file: the
            # watcher's loss says it (Retry now), never a notice dismissed with OK
            self._taking = False
            if isinstance(exc, DatabaseFileReplaced) and exc.gone:
                return
            self.banner.tell(exc.notice if isinstance(exc, DatabaseFileReplaced)
                             else str(exc))

        window.runner.start(Job("Opening the database file that is there",
                                window.desk.take_file_there, done=taken, error=refused,
                                user=False))

    def _job_failed(self, exc: BaseException) -> None:
        """A job met the replaced file first (the watcher looks every half second): the
        desk has taken the file there; the banner says so and the page shows it. A file
        the desk could not take (not a Factor Desk database) is told, and the page is not
        refreshed: its refresh would meet that file again, fail, and come back here, over
        and over (a busy computer, a banner back at once after OK); the next file put
        there is taken when the watcher sees it."""
        if not isinstance(exc, DatabaseFileReplaced) or exc.gone:
            return
        if not (self.banner.notice and self.banner.isVisibleTo(self.window)):
            self.banner.tell(exc.notice)
        if not self.window.desk.has_file_there():
            return
        self._stale = True
        QTimer.singleShot(0, self._refresh_when_free)  # after the job's own handler

    def _server_lost(self, message: str, file_gone: bool) -> None:
        # not answering, or no connection left for the login; a new loss: no old try's time
        self.banner.say(message, file_gone=file_gone)
        self.banner.show()

    def _server_back(self) -> None:
        self.banner.hide()
        for hint in self.window.findChildren(EmptyHint):  # no longer "Not read" (page.py)
            hint.update_hint()
        self._stale = True  # what changed while it was away is not known
        self._refresh_when_free()
