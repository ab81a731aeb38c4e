"""The main window: a sidebar in the seed's words (Company profile; Accounting Tools →
Factoring Batch; Reports → Factoring Reports; Loads), a toolbar with the page's main
actions, menus with shortcuts, who works on which data in the status bar, the first run
(no company yet: start one, or try the demo), and a clean stop when quitting during work."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressDialog,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolBar,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from factor_desk import __version__
from factor_desk.gui.aging_page import AgingPage
from factor_desk.gui.audit_page import AuditPage
from factor_desk.gui.batch_page import BatchPage
from factor_desk.gui.common import Asker
from factor_desk.gui.company_page import CompanyPage
from factor_desk.gui.data_folder import DataFolderActions
from factor_desk.gui.first_run import FirstRunPanel, StartWizard
from factor_desk.gui.home_page import HomePage
from factor_desk.gui.jobs import Job, JobRunner
from factor_desk.gui.journal_dialog import save_journal
from factor_desk.gui.live import Follower
from factor_desk.gui.loads_page import LoadsPage
from factor_desk.gui.models import settle_heap
from factor_desk.gui.page import Page
from factor_desk.gui.permissions import allow, clerk_label
from factor_desk.gui.reports_page import ReportsPage
from factor_desk.gui.send_dialog import email_batch
from factor_desk.gui.settings_dialog import open_settings
from factor_desk.gui.sidebar import Sidebar
from factor_desk.services.desk import Desk

PAGES = ("home", "company", "batch", "reports", "loads", "aging", "audit")
# the Desk job behind each toolbar button (and its menu item), for the login's permission
TOOL_JOBS = {"submit": "submit_batch", "purchase": "apply_report", "payments": "apply_report",
             "import": "import_loads"}


class MainWindow(DataFolderActions, QMainWindow):
    quit_wait_ms = 60_000  # how long quitting waits for a cancelled job to stop
    demo_requested = Signal()  # Try the demo (app.Front opens it)
    close_demo_requested = Signal()  # File → Close demo (app.Front reopens the real data)

    def __init__(self, desk: Desk, settings: QSettings, asker: Asker | None = None, *,
                 demo: bool = False):
        super().__init__()
        self.demo = demo
        self.desk = desk
        self.setWindowTitle(self._titled("Factor Desk"))
        self.setObjectName("mainWindow")
        self.settings = settings
        self.asker = asker or Asker(self)
        self.runner = JobRunner(self)
        self.pages: dict[str, Page] = {}
        self.stack = QStackedWidget()
        args = (desk, self.runner, self.asker, settings)
        for key, cls in zip(PAGES, (HomePage, CompanyPage, BatchPage, ReportsPage, LoadsPage,
                                      AgingPage, AuditPage),
                            strict=True):
            page = cls(*args)
            page.navigate.connect(self.show_page)
            page.status.connect(lambda text: self.statusBar().showMessage(text, 10_000))
            self.pages[key] = page
            self.stack.addWidget(page)

        self.nav = Sidebar()
        self._items = self.nav.items
        self._add_nav("Home", "home")
        self._add_nav("Company profile", "company")
        tools = self._add_nav("Accounting Tools", None)
        self._add_nav("Factoring Batch", "batch", tools)
        reports = self._add_nav("Reports", None)
        self._add_nav("Factoring Reports", "reports", reports)
        self._add_nav("Aging", "aging", reports)
        self._add_nav("Audit", "audit", reports)
        self._add_nav("Loads", "loads")
        self.nav.expandAll()
        self.nav.currentItemChanged.connect(self._nav_changed)

        split = QSplitter()
        split.setChildrenCollapsible(False)
        split.addWidget(self.nav)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([210, 1000])

        self.first_run = FirstRunPanel(desk.location)
        self.first_run.start_requested.connect(self.start_company)
        self.first_run.demo_requested.connect(self.demo_requested)
        allow(self.first_run.start, desk, "start_company")
        self.front = QStackedWidget()  # the first run, or the pages
        self.front.addWidget(self.first_run)
        self.front.addWidget(split)
        self.demo_banner = QLabel(
            "DEMO — a made-up carrier in a folder of its own; your data is not touched. "
            "File → Close demo returns to it.")
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setWordWrap(True)
        self.demo_banner.setStyleSheet(
            "#demoBanner { background: #ffd54a; color: #3d2e00; font-weight: 600; "
            "padding: 6px 12px; border-bottom: 1px solid #d9aa00; }")
        self.demo_banner.setVisible(demo)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.demo_banner)
        self.follower = Follower(self)  # other clerks' changes; the server's loss (banner)
        column.addWidget(self.follower.banner)
        column.addWidget(self.front, 1)
        self.setCentralWidget(central)

        self.user = clerk_label(desk)  # who, and on a server what they may do (#15)
        self.database = QLabel(desk.location)
        self.database.setObjectName("databaseLabel")
        self.database.setToolTip(desk.location)
        self.busy = QLabel()
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.user)
        self.statusBar().addPermanentWidget(self.database)
        self.runner.busy_changed.connect(self._busy_changed)
        self.runner.progressed.connect(
            lambda title, done, total, message: self.busy.setText(
                f"{title}… {done}/{total}" if total else f"{title}…"))
        self._menus()

        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        self._current: str | None = None
        if desk.has_company():
            self.show_page(str(settings.value("window/page", "home", str)))
        else:
            self._show_first_run()
        settle_heap()  # the modules and widgets of a standing window, out of the GC's walk

    # ------------------------------------------------------------------ navigation

    def _add_nav(self, text: str, key: str | None, parent=None) -> QTreeWidgetItem:
        return self.nav.add(text, key, parent)

    def _titled(self, title: str) -> str:
        """The title bar: the page, and who works where ("clerk2 @ dbserver/factor_desk")."""
        if title != "Factor Desk":
            title = f"{title} — Factor Desk"
        title = f"{title} — {self.desk.signed_in()}"
        return f"{title} — DEMO" if self.demo else title

    def _nav_changed(self, item, _previous) -> None:
        key = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if key and key != self._current:
            self.show_page(key)

    def show_page(self, key: str) -> None:
        key, _, target = key.partition(":")  # "loads:L-1001": the page, then the record
        if key not in self.pages:
            key = "home"
        if (self._current is not None and key != self._current
                and not self.pages[self._current].can_leave()):
            self.nav.blockSignals(True)
            self.nav.setCurrentItem(self._items[self._current])
            self.nav.blockSignals(False)
            return
        self._current = key
        self.nav.blockSignals(True)
        self.nav.setCurrentItem(self._items[key])
        self.nav.blockSignals(False)
        # After the sidebar has its item: shown, it would otherwise pick its first.
        self.front.setCurrentIndex(1)
        self.toolbar.show()
        self._show_page_actions(key)
        page = self.pages[key]
        if target:
            page.show_target(target)
        self.stack.setCurrentWidget(page)
        self.setWindowTitle(self._titled(page.title))
        self.settings.setValue("window/page", key)
        page.refresh()

    @property
    def current_page(self) -> Page:
        if self._current is None:  # the first run: Home stands behind it
            return self.pages["home"]
        return self.pages[self._current]

    @property
    def showing_first_run(self) -> bool:
        return self.front.currentWidget() is self.first_run

    # ------------------------------------------------------------------ the first run

    def _show_first_run(self) -> None:
        self.front.setCurrentWidget(self.first_run)
        self.toolbar.hide()
        self.setWindowTitle(self._titled("Welcome"))
        self.pages["home"].refresh()  # behind the first run, as File → Refresh sees it

    def start_company(self) -> StartWizard:
        """Start with your company: the wizard, saved in one go; then Home."""
        wizard = StartWizard(self.desk, self.asker, self)
        self.wizard = wizard

        def saved() -> None:
            if wizard.saved is None:
                return
            self._start_action.setVisible(False)
            self.show_page("home")
            self.statusBar().showMessage(
                f"{wizard.saved.name} is ready: import its loads on the Loads page.", 15_000)

        wizard.accepted.connect(saved)
        wizard.open()
        return wizard

    # ------------------------------------------------------------------ menus

    def _action(self, menu, text: str, slot, shortcut=None,
                role: QAction.MenuRole = QAction.MenuRole.NoRole) -> QAction:
        action = QAction(text, self)
        # Explicit roles: macOS moves About, Preferences and Quit into the application
        # menu, and would otherwise guess from the text (an "Options…" or "Exit" anywhere).
        action.setMenuRole(role)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        refresh = self._action(file_menu, "&Refresh", lambda: self.current_page.refresh(),
                               QKeySequence.StandardKey.Refresh)
        self._start_action = self._action(file_menu, "&Start with your company…",
                                          self.start_company)
        self._start_action.setVisible(not self.demo and not self.desk.has_company())
        demo = self._action(file_menu, "Try the &demo", self.demo_requested.emit)
        demo.setVisible(not self.demo)
        close_demo = self._action(file_menu, "&Close demo", self.close_demo_requested.emit)
        close_demo.setObjectName("closeDemo")
        close_demo.setVisible(self.demo)
        self._action(file_menu, "&Preferences…", lambda: self.show_page("company"),
                     QKeySequence.StandardKey.Preferences, QAction.MenuRole.PreferencesRole)
        self._action(file_menu, "Settin&gs…", lambda: open_settings(self, self.desk))
        file_menu.addSeparator()
        self._action(file_menu, "&Open data folder…", self.open_data_folder)
        file_menu.addSeparator()
        self._action(file_menu, "&Back up…", self.back_up)
        self._action(file_menu, "Res&tore…", self.restore)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit,
                     QAction.MenuRole.QuitRole)
        profile = bar.addMenu("&Profile")
        self._action(profile, "&Company profile", lambda: self.show_page("company"), "Ctrl+1")
        tools = bar.addMenu("&Accounting Tools")
        self._action(tools, "Factoring &Batch", lambda: self.show_page("batch"), "Ctrl+2")
        submit = self._action(tools, "&Submit Batch…", self._submit, "Ctrl+Return")
        reports = bar.addMenu("&Reports")
        self._action(reports, "Factoring &Reports", lambda: self.show_page("reports"),
                     "Ctrl+3")
        self._action(reports, "&Aging", lambda: self.show_page("aging"))
        self._action(reports, "A&udit", lambda: self.show_page("audit"))
        download = self._action(reports, "&Download batch…", self._download, "Ctrl+D")
        email = self._action(reports, "&Email batch to factor…", self._email_batch)
        purchase = self._action(reports, "Upload &Purchase Report…", self._upload_purchase,
                                "Ctrl+U")
        payments = self._action(reports, "Upload Pa&yment Report…", self._upload_payments,
                                "Ctrl+Shift+U")
        reserve = self._action(reports, "Upload Re&serve Report…",
                               lambda: self._upload("reserve"))
        self._action(reports, "Reserve report &template…", lambda: cast(
            ReportsPage, self.pages["reports"]).save_template("reserve"))
        self._action(reports, "&Journal for the bookkeeper…", lambda: save_journal(self))
        loads = bar.addMenu("&Loads")
        self._action(loads, "&Loads", lambda: self.show_page("loads"), "Ctrl+4")
        import_loads = self._action(loads, "&Import loads…", self._import_loads, "Ctrl+I")
        for action, job in ((reserve, "apply_report"), (email, "send_batch"),
                            (self._start_action, "start_company")):
            allow(action, self.desk, job)
        for menu in (file_menu, tools, reports, loads):
            menu.setToolTipsVisible(True)  # a greyed item says why
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About Factor Desk", lambda: self.asker.info(
            "About Factor Desk", f"Factor Desk {__version__}\n\nFactoring invoices through a "
            f"non-API factoring company.\n\nData: {self.desk.location}"),
            role=QAction.MenuRole.AboutRole)

        # The toolbar: the current page's main actions (each triggers the menu's own), and
        # Refresh. Its own actions, so that hiding one leaves the menus as they are.
        icon = self.style().standardIcon
        sp = QStyle.StandardPixmap
        self.toolbar = QToolBar("Page actions")
        self.toolbar.setObjectName("pageActions")
        self.toolbar.setMovable(False)
        self.toolbar.setIconSize(QSize(18, 18))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(self.toolbar)
        self.tool_actions: dict[str, QAction] = {}
        for key, action, pixmap, text in (
                ("refresh", refresh, sp.SP_BrowserReload, "Refresh"),
                ("submit", submit, sp.SP_DialogApplyButton, "Submit Batch"),
                ("download", download, sp.SP_ArrowDown, "Download"),
                ("purchase", purchase, sp.SP_ArrowUp, "Upload Purchase Report"),
                ("payments", payments, sp.SP_ArrowUp, "Upload Payment Report"),
                ("import", import_loads, sp.SP_DialogOpenButton, "Import Loads")):
            tool = QAction(icon(pixmap), text, self)
            tool.setToolTip(f"{action.text().replace('&', '')} "
                            f"({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
            tool.triggered.connect(action.trigger)
            self.tool_actions[key] = tool
            if key in TOOL_JOBS:  # greyed out, with the reason, when the login may not
                allow((tool, action), self.desk, TOOL_JOBS[key])
            self.toolbar.addAction(tool)
            if key == "refresh":
                self.toolbar.addSeparator()
        self._page_actions = {"batch": {"submit"}, "reports": {"download", "purchase",
                                                              "payments"},
                              "loads": {"import"}}

    def _show_page_actions(self, key: str) -> None:
        shown = self._page_actions.get(key, set())
        for name, tool in self.tool_actions.items():
            tool.setVisible(name == "refresh" or name in shown)

    def _submit(self) -> None:
        self.show_page("batch")
        cast(BatchPage, self.pages["batch"]).submit_batch()

    def _download(self) -> None:
        self.show_page("reports")
        cast(ReportsPage, self.pages["reports"]).download_selected()

    def _email_batch(self) -> None:
        self.show_page("reports")
        page = cast(ReportsPage, self.pages["reports"])
        email_batch(page, page.selected_batch())

    def _upload_purchase(self) -> None:
        self.show_page("reports")
        cast(ReportsPage, self.pages["reports"]).choose_report("purchase")

    def _upload_payments(self) -> None:
        self.show_page("reports")
        cast(ReportsPage, self.pages["reports"]).choose_report("payments")

    def _upload(self, kind: str) -> None:
        self.show_page("reports")
        cast(ReportsPage, self.pages["reports"]).choose_report(kind)

    def _import_loads(self) -> None:
        self.show_page("loads")
        cast(LoadsPage, self.pages["loads"]).choose_loads_file()

    # ------------------------------------------------------------------ backup, restore

    def _run_with_progress(self, job: Job, label: str) -> None:
        """Run a slow job of the File menu with a progress dialog and Cancel."""
        dialog = QProgressDialog(label, "Cancel", 0, 0, self)
        dialog.setWindowTitle(job.title)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self.runner.cancel)
        done, error = job.done, job.error

        def close() -> None:
            dialog.reset()
            dialog.deleteLater()

        def progress(step: int, total: int, message: str) -> None:
            dialog.setMaximum(total)
            dialog.setValue(step)
            dialog.setLabelText(message)

        def finished(result) -> None:
            close()
            if result is None:  # stopped by Cancel between two steps
                self.statusBar().showMessage(f"{job.title} cancelled; nothing was written.",
                                             10_000)
            elif done:
                done(result)

        def failed(exc: BaseException) -> None:
            close()
            from factor_desk.services.backup import BackupCancelled

            if isinstance(exc, BackupCancelled):
                self.statusBar().showMessage(str(exc), 10_000)
            elif error:
                error(exc)
            else:
                self.asker.problem(exc)

        job.done, job.error, job.progress = finished, failed, progress
        if not self.runner.start(job):
            close()
            self.asker.info("Factor Desk", f"Please wait: {self.runner.current_title} is "
                                           "still running.")

    def _busy_changed(self, busy: bool) -> None:
        if not busy:
            self.busy.clear()

    # ------------------------------------------------------------------ quitting

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.current_page.can_leave():
            event.ignore()
            return
        if self.runner.busy:
            # Work the clerk started is theirs to stop; a background refresh just stops.
            if self.runner.current_is_user_job and not self.asker.confirm(
                    "Quit Factor Desk", f"{self.runner.current_title} is still running. Stop "
                    "it and quit? Work that is stopped is rolled back.", "Stop and quit"):
                event.ignore()
                return
            self.runner.cancel()
            self.runner.wait(self.quit_wait_ms)
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        self.follower.stop()
        event.accept()
