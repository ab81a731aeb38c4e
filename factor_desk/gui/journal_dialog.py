"""Reports → Journal for the bookkeeper…: choose the period, the format (a CSV for Excel
or any ledger, or QuickBooks Desktop's IIF) and the accounts' names, then where to save
it; the names are read, and the journal read and written, on a worker thread
(gui/jobs.py), and the window says what it holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.money import format_money
from factor_desk.gui.jobs import Job
from factor_desk.gui.permissions import guard_form

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

    def __init__(self, parent: QWidget | None, today: dt.date, file_format: str = "csv",
                 accounts: Sequence[Any] = ()):
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
                       "reserve movement dated in the period, as balanced journal entries, "
                       "posted to the accounts named below (as your books name them).")
        intro.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("journalProblem")
        self.problem.setStyleSheet("color: #b00020;")
        form = QFormLayout()
        form.addRow("&From", self.since)
        form.addRow("&To (included)", self.until)
        form.addRow("&Format", self.format)
        # The accounts, named as the bookkeeper's chart of accounts names them; an empty
        # name goes back to the default.
        self.accounts = {a.key: a for a in accounts}
        self.account_edits: dict[str, QLineEdit] = {}
        names = QGroupBox("Accounts in your books")
        names_form = QFormLayout(names)
        for account in accounts:
            edit = QLineEdit(account.name)
            edit.setObjectName(f"journalAccount_{account.key}")
            edit.setPlaceholderText(account.default)
            edit.setToolTip(account.purpose)
            self.account_edits[account.key] = edit
            names_form.addRow(account.key.replace("_", " ").capitalize(), edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save as…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        if accounts:
            column.addWidget(names)
        column.addWidget(self.problem)
        column.addWidget(self.buttons)
        self.since.dateChanged.connect(self._check)
        self.until.dateChanged.connect(self._check)
        self._check()

    def _date_edit(self, name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("MM/dd/yyyy")  # as every date of the window reads
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

    def changed_names(self) -> dict[str, str]:
        """The accounts the clerk renamed: {key: new name} ("" for the default)."""
        changed = {}
        for key, edit in self.account_edits.items():
            name = edit.text().strip()
            if name != self.accounts[key].name and not (
                    not name and self.accounts[key].is_default):
                changed[key] = name
        return changed


def save_journal(window: MainWindow, today: dt.date | None = None) -> None:
    """Reports → Journal for the bookkeeper…: the accounts' names read in the background,
    then the period, format and names asked, where to save, and the journal written in
    the background."""
    job = Job("Reading the journal's accounts", window.desk.journal_accounts,
              done=lambda accounts: _ask_and_save(window, accounts, today),
              error=window.asker.problem)
    if not window.runner.start(job):
        window.asker.info("Factor Desk", f"Please wait: {window.runner.current_title} is "
                                         "still running.")


def _ask_and_save(window: MainWindow, accounts: Sequence[Any], today: dt.date | None
                  ) -> None:
    settings = window.settings
    dialog = JournalDialog(window, today or dt.date.today(),
                           str(settings.value("journal/format", "csv", str)), accounts)
    # the accounts' names are the company's: read-only without the Admin permission (#15)
    guard_form(window.desk, "set_journal_accounts", "Renaming the journal's accounts",
               dialog.account_edits.values())
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    since, until = dialog.period()
    fmt = dialog.file_format()
    renamed = dialog.changed_names()
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

    def write() -> Any:
        if renamed:  # the names first, so the journal is posted to them
            window.desk.set_journal_accounts(renamed)
        return window.desk.save_journal(since, until, str(target), file_format=fmt,
                                        replace=replace)

    job = Job("Saving the journal", write, done=done, error=window.asker.problem)
    if not window.runner.start(job):
        window.asker.info("Factor Desk", f"Please wait: {window.runner.current_title} is "
                                         "still running.")
