"""Reports → Journal for the bookkeeper…: choose the period and the format (a CSV for
Excel or any ledger, or QuickBooks Desktop's IIF), then where to save it; the journal is
read and written on a worker thread (gui/jobs.py), and the window says what it holds."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.money import format_money
from factor_desk.gui.jobs import Job

if TYPE_CHECKING:
    from factor_desk.gui.main_window import MainWindow

FORMATS = (("csv", "CSV: Excel, or any bookkeeping program", "CSV file (*.csv)"),
           ("iif", "QuickBooks Desktop (IIF)", "QuickBooks IIF file (*.iif)"))


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month before ``today``'s: what a bookkeeper closes."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class JournalDialog(QDialog):
    """The period (first and last day, both included) and the file's format."""

    def __init__(self, parent: QWidget | None, today: dt.date, file_format: str = "csv"):
        super().__init__(parent)
        self.setWindowTitle("Journal for the bookkeeper")
        self.setObjectName("journalDialog")
        since, until = last_month(today)
        self.since = self._date_edit("journalSince", since)
        self.until = self._date_edit("journalUntil", until)
        self.format = QComboBox()
        self.format.setObjectName("journalFormat")
        for key, label, _filter in FORMATS:
            self.format.addItem(label, key)
        self.format.setCurrentIndex(max(0, self.format.findData(file_format)))
        intro = QLabel("Every purchase, payment, short pay, direct payment, chargeback and "
                       "reserve movement dated in the period, as balanced journal entries. "
                       "The account names are set with factor-desk reports "
                       "journal-accounts.")
        intro.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("journalProblem")
        self.problem.setStyleSheet("color: #b00020;")
        form = QFormLayout()
        form.addRow("&From", self.since)
        form.addRow("&To (included)", self.until)
        form.addRow("&Format", self.format)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save as…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(self.problem)
        column.addWidget(self.buttons)
        self.since.dateChanged.connect(self._check)
        self.until.dateChanged.connect(self._check)
        self._check()

    def _date_edit(self, name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _check(self, *_args: object) -> None:
        since, until = self.period()
        wrong = since > until
        self.problem.setText("The period ends before it starts: the first day comes first."
                             if wrong else "")
        self.problem.setVisible(wrong)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not wrong)

    def set_period(self, since: dt.date, until: dt.date) -> None:
        self.since.setDate(_qdate(since))
        self.until.setDate(_qdate(until))

    def period(self) -> tuple[dt.date, dt.date]:
        return _date(self.since.date()), _date(self.until.date())

    def file_format(self) -> str:
        return str(self.format.currentData())


def save_journal(window: MainWindow, today: dt.date | None = None) -> None:
    """Reports → Journal for the bookkeeper…: the period and format, where to save, then
    the journal written in the background."""
    settings = window.settings
    dialog = JournalDialog(window, today or dt.date.today(),
                           str(settings.value("journal/format", "csv", str)))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    since, until = dialog.period()
    fmt = dialog.file_format()
    suffix = f".{fmt}"
    name_filter = next(f for key, _label, f in FORMATS if key == fmt)
    start = str(settings.value("folders/journal", str(Path.home()), str))
    name = f"Journal {since.isoformat()} to {until.isoformat()}{suffix}"
    chosen = window.asker.save_file("Save the journal for the bookkeeper",
                                    str(Path(start) / name), name_filter)
    if not chosen:
        return
    target = Path(chosen)
    # The save dialog asked before replacing the file it showed; a name it did not see
    # (the suffix added here) is never replaced.
    replace = target.suffix.lower() == suffix and target.exists()
    if target.suffix.lower() != suffix:
        target = target.with_name(target.name + suffix)
    settings.setValue("folders/journal", str(target.parent))
    settings.setValue("journal/format", fmt)

    def done(saved) -> None:
        book = saved.journal
        window.statusBar().showMessage(f"Journal saved to {saved.path}.", 10_000)
        what = "QuickBooks IIF" if saved.file_format == "iif" else "CSV"
        if not book.entries:
            held = "It holds no entries: nothing was bought, paid or moved in the period."
        else:
            held = (f"It holds {len(book.entries)} entries ({book.line_count} lines); "
                    f"debits and credits are both {format_money(book.debit)}.")
        window.asker.info("Journal for the bookkeeper",
                          f"The journal from {since.isoformat()} to {until.isoformat()} was "
                          f"saved to {saved.path} ({what}). {held}")

    job = Job("Saving the journal",
              partial(window.desk.save_journal, since, until, str(target), file_format=fmt,
                      replace=replace),
              done=done, error=window.asker.problem)
    if not window.runner.start(job):
        window.asker.info("Factor Desk", f"Please wait: {window.runner.current_title} is "
                                         "still running.")
