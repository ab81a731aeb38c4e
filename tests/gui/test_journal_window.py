"""Reports → Journal for the bookkeeper…: the period and format dialog, the save dialog
(answered by the stand-in Asker), the file written on a worker thread, and what the clerk
is told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers import settle, write_csv_file
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from factor_desk.gui.journal_dialog import JournalDialog, last_month, save_journal
from factor_desk.services.common import run_to_end

FREIGHT = "Blue Ridge Freight LLC"


def bought(desk, tmp_path) -> list[str]:
    """The demo's eligible loads batched, and the factor's purchase report applied (bought
    11/28/2026 at 97.5%, fee 2.5%)."""
    batch = desk.submit_all_eligible(FREIGHT).batch
    lines = desk.show_batch(batch).invoice_lines
    rows = [["Invoice Number", "Invoice Amount", "Purchase Date", "Advance Amount",
             "Fee Amount", "Status"]]
    for line in lines:
        fee = (line.amount * Decimal("0.025")).quantize(Decimal("0.01"))
        rows.append([line.invoice_number, str(line.amount), "11/28/2026",
                     str(line.amount - fee), str(fee), "Purchased"])
    run_to_end(desk.apply_report("purchase", write_csv_file(tmp_path / "p.csv", rows),
                                 batch=batch))
    return [line.invoice_number for line in lines]


def journal_action(window):
    reports = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Reports")
    return next(a for a in reports.actions()
                if a.text().replace("&", "") == "Journal for the bookkeeper…")


def answer_dialog(monkeypatch, since, until, file_format, seen, names=None):
    def exec_(self):
        seen.append({key: edit.text() for key, edit in self.account_edits.items()})
        for key, name in (names or {}).items():
            self.account_edits[key].setText(name)
        self.set_period(since, until)
        self.format.setCurrentIndex(self.format.findData(file_format))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(JournalDialog, "exec", exec_)


def test_the_dialog_offers_last_month_and_refuses_a_period_backwards(qtbot):
    dialog = JournalDialog(None, dt.date(2026, 12, 15))
    qtbot.addWidget(dialog)
    assert dialog.period() == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert last_month(dt.date(2027, 1, 3)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()
    dialog.set_period(dt.date(2026, 12, 1), dt.date(2026, 11, 1))
    assert not save.isEnabled()
    assert "ends before it starts" in dialog.problem.text()
    dialog.set_period(dt.date(2026, 11, 1), dt.date(2026, 11, 1))
    assert save.isEnabled() and dialog.file_format() == "csv"


@pytest.mark.parametrize("file_format", ["csv", "iif"])
def test_journal_saved_from_the_reports_menu(qtbot, window, desk, asker, tmp_path,
                                             monkeypatch, file_format):
    invoices = bought(desk, tmp_path)
    seen: list = []
    answer_dialog(monkeypatch, dt.date(2026, 11, 1), dt.date(2026, 11, 30), file_format, seen)
    asker.answer("save_file", str(tmp_path / "November"))  # the suffix is added
    journal_action(window).trigger()
    settle(qtbot, window)
    target = tmp_path / f"November.{file_format}"
    assert target.exists(), asker.asked
    data = target.read_bytes()
    if file_format == "iif":
        assert data.startswith(b"!TRNS\t") and data.count(b"ENDTRNS\r\n") == len(invoices) + 1
    else:
        assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 3 * len(invoices) + 1
    said = [text for kind, text in asker.asked if kind == "info"]
    assert said and f"It holds {len(invoices)} entries" in said[-1], asker.asked
    assert not asker.problems
    assert "Journal saved" in window.statusBar().currentMessage()


def test_accounts_named_in_the_dialog_are_kept_and_used(qtbot, window, desk, asker, tmp_path,
                                                        monkeypatch):
    bought(desk, tmp_path)
    seen: list = []
    answer_dialog(monkeypatch, dt.date(2026, 11, 1), dt.date(2026, 11, 30), "csv", seen,
                  {"cash": "Operating Checking", "factoring_fees": "  "})
    asker.answer("save_file", str(tmp_path / "Nov.csv"))
    save_journal(window)
    settle(qtbot, window)
    assert seen[0]["cash"] == "Checking" and len(seen[0]) == 7
    text = (tmp_path / "Nov.csv").read_bytes().decode("utf-8-sig")
    assert "Operating Checking" in text and "Factoring Fees" in text  # empty: the default
    names = {a.key: a.name for a in desk.journal_accounts()}
    assert names["cash"] == "Operating Checking" and names["factoring_fees"] == "Factoring Fees"
    answer_dialog(monkeypatch, dt.date(2026, 11, 1), dt.date(2026, 11, 30), "csv", seen)
    save_journal(window)  # the dialog shows the names kept; the save dialog is cancelled
    settle(qtbot, window)
    assert seen[1]["cash"] == "Operating Checking"


def test_a_file_in_the_way_is_told_not_replaced(qtbot, window, desk, asker, tmp_path,
                                                monkeypatch):
    bought(desk, tmp_path)
    answer_dialog(monkeypatch, dt.date(2026, 11, 1), dt.date(2026, 11, 30), "csv", [])
    target = tmp_path / "Nov.csv"
    target.write_bytes(b"mine")
    # the save dialog saw "Nov" (no suffix): it did not ask to replace Nov.csv
    asker.answer("save_file", str(tmp_path / "Nov"))
    save_journal(window)
    settle(qtbot, window)
    assert target.read_bytes() == b"mine"
    assert asker.problems and "already exists" in str(asker.problems[0])
    # chosen by its full name, the dialog asked before replacing it: replaced
    asker.answer("save_file", str(target))
    save_journal(window)
    settle(qtbot, window)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


def test_cancel_writes_nothing(qtbot, window, asker, tmp_path, monkeypatch):
    monkeypatch.setattr(JournalDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    save_journal(window)
    settle(qtbot, window)
    assert not any(kind == "save_file" for kind, _ in asker.asked)
    answer_dialog(monkeypatch, dt.date(2026, 11, 1), dt.date(2026, 11, 30), "csv", [])
    save_journal(window)  # the save dialog cancelled: no answer queued
    settle(qtbot, window)
    assert list(tmp_path.glob("*.csv")) == [] and not asker.problems
