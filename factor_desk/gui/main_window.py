"""The main window: navigation in the seed's words (Company profile; Accounting Tools →
Factoring Batch; Reports → Factoring Reports; Loads), menus with shortcuts, the open
database in the status bar, and a clean stop when quitting during work."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
)

from factor_desk import __version__
from factor_desk.gui.batch_page import BatchPage
from factor_desk.gui.common import Asker
from factor_desk.gui.company_page import CompanyPage
from factor_desk.gui.jobs import JobRunner
from factor_desk.gui.loads_page import LoadsPage
from factor_desk.gui.page import Page
from factor_desk.gui.reports_page import ReportsPage
from factor_desk.services.desk import Desk

PAGES = ("company", "batch", "reports", "loads")


class MainWindow(QMainWindow):
    quit_wait_ms = 60_000  # how long quitting waits for a cancelled job to stop

    def __init__(self, desk: Desk, settings: QSettings, asker: Asker | None = None):
        super().__init__()
        self.setWindowTitle("Factor Desk")
        self.setObjectName("mainWindow")
        self.desk = desk
        self.settings = settings
        self.asker = asker or Asker(self)
        self.runner = JobRunner(self)
        self.pages: dict[str, Page] = {}
        self.stack = QStackedWidget()
        args = (desk, self.runner, self.asker, settings)
        for key, cls in zip(PAGES, (CompanyPage, BatchPage, ReportsPage, LoadsPage),
                            strict=True):
            page = cls(*args)
            page.navigate.connect(self.show_page)
            page.status.connect(lambda text: self.statusBar().showMessage(text, 10_000))
            self.pages[key] = page
            self.stack.addWidget(page)

        self.nav = QTreeWidget()
        self.nav.setObjectName("navigation")
        self.nav.setHeaderHidden(True)
        self.nav.setRootIsDecorated(False)
        self.nav.setIndentation(14)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._add_nav("Company profile", "company")
        tools = self._add_nav("Accounting Tools", None)
        self._add_nav("Factoring Batch", "batch", tools)
        reports = self._add_nav("Reports", None)
        self._add_nav("Factoring Reports", "reports", reports)
        self._add_nav("Loads", "loads")
        self.nav.expandAll()
        self.nav.setMinimumWidth(190)
        self.nav.currentItemChanged.connect(self._nav_changed)

        split = QSplitter()
        split.addWidget(self.nav)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([200, 1000])
        self.setCentralWidget(split)

        self.database = QLabel(desk.location)
        self.database.setObjectName("databaseLabel")
        self.busy = QLabel()
        self.statusBar().addPermanentWidget(self.busy)
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
        self._current = None
        self.show_page(settings.value("window/page", "batch", str))

    # ------------------------------------------------------------------ navigation

    def _add_nav(self, text: str, key: str | None, parent=None) -> QTreeWidgetItem:
        item = QTreeWidgetItem([text])
        item.setData(0, Qt.ItemDataRole.UserRole, key)
        if key is None:
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
        else:
            self._items[key] = item
        if parent is None:
            self.nav.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item

    def _nav_changed(self, item, _previous) -> None:
        key = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if key and key != self._current:
            self.show_page(key)

    def show_page(self, key: str) -> None:
        if key not in self.pages:
            key = "batch"
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
        page = self.pages[key]
        self.stack.setCurrentWidget(page)
        self.setWindowTitle(f"{page.title} — Factor Desk")
        self.settings.setValue("window/page", key)
        page.refresh()

    @property
    def current_page(self) -> Page:
        return self.pages[self._current]

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
        self._action(file_menu, "&Refresh", lambda: self.current_page.refresh(),
                     QKeySequence.StandardKey.Refresh)
        self._action(file_menu, "&Preferences…", lambda: self.show_page("company"),
                     QKeySequence.StandardKey.Preferences, QAction.MenuRole.PreferencesRole)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit,
                     QAction.MenuRole.QuitRole)
        profile = bar.addMenu("&Profile")
        self._action(profile, "&Company profile", lambda: self.show_page("company"), "Ctrl+1")
        tools = bar.addMenu("&Accounting Tools")
        self._action(tools, "Factoring &Batch", lambda: self.show_page("batch"), "Ctrl+2")
        self._action(tools, "&Submit Batch…", self._submit, "Ctrl+Return")
        reports = bar.addMenu("&Reports")
        self._action(reports, "Factoring &Reports", lambda: self.show_page("reports"),
                     "Ctrl+3")
        self._action(reports, "&Download batch…", self._download, "Ctrl+D")
        self._action(reports, "Upload &Purchase Report…", self._upload_purchase, "Ctrl+U")
        self._action(reports, "Upload Pa&yment Report…", self._upload_payments,
                     "Ctrl+Shift+U")
        loads = bar.addMenu("&Loads")
        self._action(loads, "&Loads", lambda: self.show_page("loads"), "Ctrl+4")
        self._action(loads, "&Import loads…", self._import_loads, "Ctrl+I")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About Factor Desk", lambda: self.asker.info(
            "About Factor Desk", f"Factor Desk {__version__}\n\nFactoring invoices through a "
            f"non-API factoring company.\n\nData: {self.desk.location}"),
            role=QAction.MenuRole.AboutRole)

    def _submit(self) -> None:
        self.show_page("batch")
        self.pages["batch"].submit_batch()

    def _download(self) -> None:
        self.show_page("reports")
        self.pages["reports"].download_selected()

    def _upload_purchase(self) -> None:
        self.show_page("reports")
        self.pages["reports"].choose_report("purchase")

    def _upload_payments(self) -> None:
        self.show_page("reports")
        self.pages["reports"].choose_report("payments")

    def _import_loads(self) -> None:
        self.show_page("loads")
        self.pages["loads"].choose_loads_file()

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
        event.accept()
