"""Reports → Audit (issue #15): who did what, when, to which loads and batches, from which
file, newest first; chosen by clerk and by the first day to show. Read on a worker thread
(Desk.audit); a double-click on an entry of one load opens that load, on an entry of a
batch that batch (Factoring Reports)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
)

from factor_desk.gui.common import fit_columns, heading, table_view, when_text
from factor_desk.gui.jobs import Job
from factor_desk.gui.models import Column, RowTableModel
from factor_desk.gui.page import Page
from factor_desk.gui.tones import tone_style
from factor_desk.services.audit import AuditEntry, AuditLog

EVERYONE = "Every clerk"
LIMIT = 1_000  # entries shown; "more" says when older ones were left out


def _read(desk, user: str | None, since: dt.date | None) -> tuple[AuditLog, list[str]]:
    return desk.audit(user=user, since=since, limit=LIMIT), desk.audit_users()


class AuditPage(Page):
    title = "Audit"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setObjectName("auditPage")
        self.log: AuditLog | None = None

        self.clerk = QComboBox()
        self.clerk.setObjectName("auditClerk")
        self.clerk.setMinimumContentsLength(16)
        self.clerk.addItem(EVERYONE, None)
        self.clerk.setToolTip("Only what this clerk (database login) did")
        self.since_on = QCheckBox("Since")
        self.since_on.setObjectName("auditSinceOn")
        self.since = QDateEdit(QDate.currentDate().addDays(-30))
        self.since.setObjectName("auditSince")
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("MM/dd/yyyy")  # "1/15/27" from the locale is ambiguous
        self.since.setEnabled(False)
        self.since.setToolTip("Only what was done on this day or after (UTC)")
        self.count = QLabel()
        self.count.setObjectName("auditCount")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Clerk"))
        controls.addWidget(self.clerk)
        controls.addSpacing(12)
        controls.addWidget(self.since_on)
        controls.addWidget(self.since)
        controls.addStretch(1)
        controls.addWidget(self.count)
        self.clerk.currentIndexChanged.connect(lambda _i: self.refresh())
        self.since_on.toggled.connect(self._since_toggled)
        self.since.dateChanged.connect(lambda _d: self.refresh())

        self.model = RowTableModel([
            Column("When", lambda e: e.when, text=lambda e: when_text(e.when)),
            Column("Who", lambda e: e.user),
            Column("What", lambda e: e.what),
            Column("Loads", lambda e: e.load_count, text=lambda e: e.loads_text(3),
                   tooltip=lambda e: e.loads_text()),
            Column("Batch", lambda e: e.batch),
            Column("File", lambda e: e.file_name),
            Column("Detail", lambda e: e.detail, tooltip=lambda e: e.detail),
        ], row_key=_entry_key)
        self.table = table_view(self.model, name="auditTable", stretch_last=True,
                                sort=(0, Qt.SortOrder.DescendingOrder),
                                empty="Nothing was done yet, or nothing by this clerk "
                                      "since that day.")
        self.table.doubleClicked.connect(self._open_load)

        hint = QLabel("Every upload, batch, recall, payment and change of a load: who did "
                      "it, when, and from which file, newest first. Double-click an entry "
                      "to open its load, or its batch on Factoring Reports.")
        hint.setStyleSheet(tone_style(hint, "note"))  # palette(mid) was too faint
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Audit"))
        layout.addWidget(hint)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)

    # ------------------------------------------------------------------ data

    def chosen(self) -> tuple[str | None, dt.date | None]:
        user = self.clerk.currentData()
        if not self.since_on.isChecked():
            return user, None
        d = self.since.date()
        return user, dt.date(d.year(), d.month(), d.day())

    def _since_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.refresh()

    def refresh(self) -> None:
        user, since = self.chosen()
        self.run(Job("Reading the audit", partial(_read, self.desk, user, since),
                     done=self._loaded, user=False))

    def _loaded(self, result: tuple[AuditLog, list[str]]) -> None:
        log, users = result
        if (log.user, log.since) != self.chosen():
            return  # the clerk chose another clerk or day since; its job follows
        self.log = log
        self._set_users(users, log.user)
        self.model.set_rows(log.entries)
        fit_columns(self.table)
        shown = len(log.entries)
        self.count.setText(
            f"The newest {shown:,} entries; older ones are not shown"
            if log.more else f"{shown:,} entr{'y' if shown == 1 else 'ies'}")

    def _set_users(self, users: list[str], chosen: str | None) -> None:
        known = [self.clerk.itemData(i) for i in range(1, self.clerk.count())]
        if chosen is not None and chosen not in users:
            users = sorted([*users, chosen], key=str.casefold)
        if known == users:
            return
        self.clerk.blockSignals(True)
        self.clerk.clear()
        self.clerk.addItem(EVERYONE, None)
        for user in users:
            self.clerk.addItem(user, user)
        self.clerk.setCurrentIndex(max(0, self.clerk.findData(chosen)) if chosen else 0)
        self.clerk.blockSignals(False)

    def _open_load(self, index: QModelIndex) -> None:
        entry: AuditEntry = self.model.row_at(index.row())
        if entry.load_count == 1 and entry.loads:
            self.navigate.emit(f"loads:{entry.loads[0]}")
        elif entry.batch:  # a batch's entry of several loads: the batch, with its invoices
            self.navigate.emit(f"reports:{entry.batch}")


def _entry_key(e: AuditEntry) -> tuple:
    return (e.when, e.user, e.action, e.import_id, tuple(e.loads[:1]))
