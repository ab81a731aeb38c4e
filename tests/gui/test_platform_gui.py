"""The window on Windows and macOS: quitting while a job ignores Cancel, the menu roles
macOS moves into the application menu, drops that carry no file, and the warning about a
data folder on a network share or a synced folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A window whose job never looks at Cancel: the clerk quits, the window waits its quit
# wait (shortened here), and the program must still end by itself, with status 0 and
# no "QThread: Destroyed while thread is still running" abort.
QUIT_SCRIPT = textwrap.dedent("""
    import os, sys, threading
    from pathlib import Path

    def stubborn(pid_file, *, should_stop):  # in a worker process: ignores should_stop
        Path(pid_file).write_text(str(os.getpid()), encoding="utf-8")
        threading.Event().wait(600)

    class Yes:
        def confirm(self, *args):
            return True

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    if __name__ == "__main__":
        kind, home, pid_file = sys.argv[1:]
        from factor_desk.db.database import Database, Location
        from factor_desk.gui.app import make_app, settings_for
        from factor_desk.gui.jobs import Call, Job
        from factor_desk.gui.main_window import MainWindow
        from factor_desk.services.desk import Desk

        sys.modules.setdefault("quit_script", sys.modules["__main__"])
        app = make_app()
        db = Database(Location.resolve(home))
        win = MainWindow(Desk(db), settings_for(db.location), asker=Yes())
        win.quit_wait_ms = 300
        win.show()
        while win.runner.busy:  # the pages' first refresh
            app.processEvents()
        started = threading.Event()
        if kind == "thread":
            def work():
                started.set()
                threading.Event().wait(600)  # never checks stop()
            win.runner.start(Job("Stubborn work", work))
            started.wait(30)
        else:
            win.runner.start(Job("Stubborn work", Call(stubborn, pid_file)))
            while not Path(pid_file).exists():
                app.processEvents()
        win.close()
        print("closed", win.isVisible(), win.runner.busy, flush=True)
        db.dispose()
        sys.exit(0)
""")


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process took the number
        return False
    return True


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_quitting_while_a_job_ignores_cancel_ends_the_program_cleanly(tmp_path, kind):
    script = tmp_path / "quit_script.py"
    script.write_text(QUIT_SCRIPT, encoding="utf-8")
    pid_file = tmp_path / "worker.pid"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    try:
        out = subprocess.run([sys.executable, str(script), kind, str(tmp_path / "home"),
                              str(pid_file)], capture_output=True, text=True,
                             encoding="utf-8", env=env, timeout=120)
    finally:
        if pid_file.exists():  # the worker process, if the program left it behind
            pid = int(pid_file.read_text(encoding="utf-8"))
            leftover = _alive(pid)
            if leftover:
                os.kill(pid, signal.SIGTERM)
    assert "QThread: Destroyed" not in out.stderr
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == ["closed False False"]
    if kind == "process":
        assert not leftover, "the worker process outlived the program"


def test_about_preferences_and_quit_carry_their_macos_menu_roles(window):
    from PySide6.QtGui import QAction

    role = QAction.MenuRole
    actions = {a.text().replace("&", ""): a for top in window.menuBar().actions()
               for a in top.menu().actions() if not a.isSeparator()}
    roles = {text: a.menuRole() for text, a in actions.items()}
    assert roles.pop("About Factor Desk") == role.AboutRole
    assert roles.pop("Preferences…") == role.PreferencesRole
    assert roles.pop("Quit") == role.QuitRole
    # Nothing else is guessed from its text into the application menu on macOS.
    assert roles and set(roles.values()) == {role.NoRole}, roles
    actions["Preferences…"].trigger()
    assert window.current_page is window.pages["company"]


def test_the_window_warns_once_about_data_in_a_synced_folder(qtbot, tmp_path, monkeypatch):
    import logging

    from PySide6.QtWidgets import QApplication

    from factor_desk.db.database import Location
    from factor_desk.gui import app as gui_app
    from factor_desk.gui.common import Asker

    shown = []
    monkeypatch.setattr(Asker, "info", lambda self, title, text: shown.append(text))
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)  # the window's event loop
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    logger = logging.getLogger("factor_desk")
    monkeypatch.setattr(logger, "handlers", list(logger.handlers))
    before = set(QApplication.topLevelWidgets())
    home = tmp_path / "Library" / "Mobile Documents" / "com~apple~CloudDocs" / "Factor Desk"
    try:
        assert gui_app.run_gui(Location.resolve(home)) == 0
    finally:
        for widget in set(QApplication.topLevelWidgets()) - before:
            widget.close()
            widget.deleteLater()
        for handler in logger.handlers:
            handler.close()
    assert len(shown) == 1
    assert "iCloud Drive" in shown[0] and "postgresql+psycopg://" in shown[0]


NO_FILE_DROPS = {
    # Outlook on Windows: the attachment as a virtual file, no path
    "outlook": {'application/x-qt-windows-mime;value="FileGroupDescriptorW"': b"\x01",
                'application/x-qt-windows-mime;value="FileContents"': b"%PDF-1.7"},
    # Mail on macOS: a file promise
    "mail": {'application/x-qt-mime-type-name;value="com.apple.NSFilePromiseItemMetaData"':
             b"\x00", "com.apple.pasteboard.promised-file-url": b""},
    # Thunderbird
    "thunderbird": {"application/x-moz-file-promise": b""},
    # webmail: a link, not a file on this computer
    "link": "https://outlook.office.com/mail/attachments/RateCon_10001.pdf",
}


def _drop(widget, mime) -> None:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    pos = QPoint(20, 20)
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the drag was refused, so the drop would never come"
    QApplication.sendEvent(widget, QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime,
                                              buttons, modifiers))


def _drop_zones(window, qtbot):
    from helpers import settle

    loads = window.pages["loads"]
    window.show_page("loads")
    settle(qtbot, window)
    loads.view.selectRow(0)  # the detail takes drops once a load is shown
    qtbot.waitUntil(lambda: loads.detail.isEnabled())
    settle(qtbot, window)  # the load's money may still be on its way: the drops start idle
    return {"reports page": window.pages["reports"], "loads table": loads.view.viewport(),
            "load detail": loads.detail}


@pytest.mark.parametrize("source", sorted(NO_FILE_DROPS))
def test_a_drop_that_carries_no_file_says_to_save_the_attachment_first(qtbot, window,
                                                                       asker, source):
    from PySide6.QtCore import QMimeData, QUrl

    for zone, widget in _drop_zones(window, qtbot).items():
        asker.asked.clear()
        mime = QMimeData()
        data = NO_FILE_DROPS[source]
        if isinstance(data, str):
            mime.setUrls([QUrl(data)])
        else:
            for fmt, payload in data.items():
                mime.setData(fmt, payload)
        _drop(widget, mime)
        qtbot.waitUntil(lambda: bool(asker.asked), timeout=5_000)
        assert len(asker.asked) == 1, (zone, asker.asked)
        kind, text = asker.asked[0]
        assert kind == "info" and "save the attachment to a folder first" in text.lower(), \
            (zone, text)
        assert not window.runner.busy, zone  # nothing was started


def test_a_drop_of_text_is_still_just_ignored(qtbot, window, asker):
    from PySide6.QtCore import QMimeData, QPoint, Qt
    from PySide6.QtGui import QDragEnterEvent
    from PySide6.QtWidgets import QApplication

    for widget in _drop_zones(window, qtbot).values():
        mime = QMimeData()
        mime.setText("10001")
        enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, enter)
        assert not enter.isAccepted()
    assert asker.asked == []
