"""Helpers the tests share: a demo-like carrier, load files, a dump of every row."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from factor_desk.db.models import Base
from factor_desk.documents.tabular import csv_text
from factor_desk.domain.trade import InfoKind
from factor_desk.services import company

NOA = ("NOTICE OF ASSIGNMENT: THIS INVOICE HAS BEEN ASSIGNED TO AND MUST BE PAID DIRECTLY TO "
       "CAPITAL DEPOT, INC., P.O. BOX 207431, DALLAS, TX 75320-7431")

LOAD_HEADER = ["Load Number", "Invoice Number", "Customer", "Customer MC", "PO Number",
               "Pickup Date", "Pickup Location", "Delivery Date", "Delivery Location",
               "Linehaul", "Accessorials", "Total", "Invoicing Method", "Status"]


def needs_tool(command: str, package: str):
    """Skip a test whose outside checker is missing on a developer's machine; under .ci/run
    (which installs the package and sets FACTOR_DESK_CI) the test runs and fails loudly."""
    return pytest.mark.skipif(
        shutil.which(command) is None and not os.environ.get("FACTOR_DESK_CI"),
        reason=f"{command} ({package}) is needed; .ci/run installs it")


def make_carrier(db, *, noa: str | None = NOA, required=("rate_confirmation", "pod")):
    """Company with subsidiary 'Acme Freight' (ACME, Capital Depot, NOA) and 'Beta
    Haulers' (BETA, no factor, no NOA)."""
    with db.write() as work:
        company.ensure_company(work, "Acme Group")
        company.add_factoring_company(work, "Capital Depot",
                                      remit_to="Capital Depot, Inc.\nP.O. Box 207431\n"
                                               "Dallas, TX 75320-7431", fee_percent="2.5")
        company.add_subsidiary(work, "Acme Freight", code="ACME", mc_number="MC-111",
                               dot_number="222", required_documents=list(required))
        company.add_subsidiary(work, "Beta Haulers", code="BETA")
        company.set_factoring_company(work, "Acme Freight", "Capital Depot")
        if noa:
            company.set_important_info(work, "Acme Freight", InfoKind.NOTICE_OF_ASSIGNMENT,
                                       noa)


def load_row(number: str, **overrides) -> dict:
    row = {
        "Load Number": number, "Invoice Number": "", "Customer": "Summit Brokerage",
        "Customer MC": "MC-612044", "PO Number": f"PO-{number}", "Pickup Date": "2026-11-20",
        "Pickup Location": "Dallas, TX", "Delivery Date": "2026-11-22",
        "Delivery Location": "Atlanta, GA", "Linehaul": "2400.00", "Accessorials": "150.00",
        "Total": "2550.00", "Invoicing Method": "", "Status": "",
    }
    row.update(overrides)
    return row


def write_csv_file(path: Path, rows, *, delimiter=",", newline="\r\n", encoding="utf-8",
                   bom=False) -> Path:
    """Rows (the header first) as a CSV file, by the product's one CSV writer."""
    data = csv_text(rows, delimiter=delimiter, newline=newline).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_loads_csv(path: Path, rows: list[dict], header=LOAD_HEADER, *, bom=False,
                    delimiter=",", newline="\r\n") -> Path:
    return write_csv_file(path, [header, *([r.get(h, "") for h in header] for r in rows)],
                          delimiter=delimiter, newline=newline, bom=bom)


def dump(db) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: equal dumps mean the database did not change."""
    out = {}
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            rows = s.execute(select(table)).all()
            out[table.name] = sorted(tuple(repr(v) for v in r) for r in rows)
    return out


def tiny_pdf(text: str = "doc") -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def submitted_batch(db, tmp_path: Path, numbers=(1, 2, 3, 4, 9), submit=("1", "2", "3", "4"),
                    *, desk=None):
    """The carrier (no documents required) with loads ``numbers`` at $1,000.00, and the
    batch of ``submit`` (ACME-0001) submitted by ``desk`` (a Desk on ``db`` when None)."""
    from factor_desk.services.desk import Desk

    make_carrier(db, required=())
    rows = [load_row(str(n), Linehaul="1000.00", Accessorials="", Total="1000.00")
            for n in numbers]
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", rows), "Acme Freight")
    return (desk or Desk(db)).submit_batch("Acme Freight", list(submit)).batch


def import_loads(db, path: Path, subsidiary: str, *, dry_run: bool = False,
                 only_valid: bool = False, sheet: str | None = None):
    """Import a loads file through the Desk, as the window and the command line do; with
    ``dry_run``, only check it (the Desk's check_loads_file)."""
    from factor_desk.services.desk import Desk

    desk = Desk(db)
    if dry_run:
        return desk.check_loads_file(path, subsidiary, sheet=sheet)
    return desk.import_loads(path, subsidiary, only_valid=only_valid, sheet=sheet)


def attach_document(db, load_number: str, path: Path, kind: str):
    """Attach a document to a load through the Desk."""
    from factor_desk.services.desk import Desk

    return Desk(db).attach(load_number, path, kind)


def attach_required(db, tmp_path: Path, numbers: list[str]) -> None:
    for n in numbers:
        for kind in ("rate_confirmation", "pod"):
            f = tmp_path / f"{kind}_{n}.pdf"
            f.write_bytes(tiny_pdf(f"{kind} {n}"))
            attach_document(db, n, f, kind)


def subsidiary_page(qtbot, window, name: str, subsidiary: str):
    """The window's page ``name`` (company, batch...), shown, at ``subsidiary``."""
    window.show_page(name)
    settle(qtbot, window)
    page = window.pages[name]
    page.subsidiary.setCurrentText(subsidiary)
    settle(qtbot, window)
    return page


def company_page(qtbot, window, subsidiary: str = "Blue Ridge Freight LLC"):
    """The window's Company profile, showing ``subsidiary`` (the demo's factoring one)."""
    return subsidiary_page(qtbot, window, "company", subsidiary)


def shown_window(qtbot, desk, settings, asker):
    """A main window on ``desk``, shown, once its first jobs are done (``stop_jobs`` at
    the test's end)."""
    from factor_desk.gui.main_window import MainWindow

    win = MainWindow(desk, settings, asker=asker)
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, win)
    return win


def stop_jobs(*windows) -> None:
    """Cancel what the windows' runners still do, and wait for them."""
    for win in windows:
        win.runner.cancel()
        win.runner.wait()


def settle(qtbot, win, timeout=20_000) -> None:
    """Wait until no job runs or waits in the window's runner. (Here, not in a conftest:
    ``import conftest`` names whichever folder's conftest was imported last.)"""
    qtbot.waitUntil(lambda: not win.runner.busy, timeout=timeout)


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx with these sheets (an empty list is an empty sheet), in this order."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def save_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    path.write_bytes(workbook_bytes(sheets))
    return path


@contextlib.contextmanager
def users_not_stamped(work):
    """Let this transaction name another clerk: on PostgreSQL the server writes the login
    into the history (migration 0009's triggers), off for this transaction only."""
    pg = work.get_bind().dialect.name == "postgresql"
    # the stamps only: the history's guard (migration 0015) stays on
    stamps = ("status_history_stamp_user_insert", "status_history_stamp_user_update")
    if pg:
        for trigger in stamps:
            work.execute(text(f"ALTER TABLE status_history DISABLE TRIGGER {trigger}"))
    yield
    if pg:
        work.flush()
        for trigger in stamps:
            work.execute(text(f"ALTER TABLE status_history ENABLE TRIGGER {trigger}"))


@contextlib.contextmanager
def times_kept(work, *tables: str):
    """Let this transaction write times of ``tables`` far from now (a test's January): on
    PostgreSQL the server gives such a time its own (migration 0016's triggers), off for
    this transaction only."""
    from factor_desk.db.server_times import trigger_name

    pg = work.get_bind().dialect.name == "postgresql"
    triggers = [(t, trigger_name(t, e)) for t in tables for e in ("INSERT", "UPDATE")]
    if pg:
        for table, trigger in triggers:
            work.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
    yield
    if pg:
        work.flush()
        for table, trigger in triggers:
            work.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))


def next_change(watcher, within: float = 4.0):
    """The first change a ChangeWatcher reports within ``within`` seconds, or None."""
    end = time.monotonic() + within
    while (left := end - time.monotonic()) > 0:
        changes = watcher.wait(left)
        if changes is not None:
            return changes
    return None
