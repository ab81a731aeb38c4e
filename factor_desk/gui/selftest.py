"""``factor-desk --self-test``: the whole round trip in a temporary data folder, one line
per step, exit status 0 only if every step did what it should. Runs the same inside the
installed bundle, so it proves the bundle holds everything (migrations, templates, fonts,
Qt plugins). It lives with the window because it drives it (the job runner, the
window on the demo data)."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from factor_desk.gui.jobs import Call


def _report(path: Path, header: list[str], rows: list[list]) -> Path:
    from factor_desk.documents.tabular import csv_text

    path.write_bytes(csv_text([header, *rows]).encode("utf-8"))
    return path


# Forced on, whatever the batch size: the bundle must prove that its multiprocessing works
# frozen (a worker process starts the bundle's own executable), and the self-test's small
# batch is below the size at which a download starts a pool of its own.
EXPORT_WORKERS = 2


def _in_worker_process(desk, kind: str, path: str, batch: str | None, *,
                       should_stop: Callable[[], bool]) -> tuple[int, object]:
    """Applies a report in a worker process, as the window does; returns the worker's pid."""
    from factor_desk.services.common import run_to_end

    return os.getpid(), run_to_end(desk.apply_report(kind, path, batch=batch,
                                                     should_stop=should_stop))


def _run_in_worker_process(call: Call) -> Any:
    """Runs ``call`` through the window's job runner, in a worker process."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer

    from factor_desk.gui.app import make_app
    from factor_desk.gui.jobs import Job, JobRunner

    make_app()
    runner = JobRunner()
    outcome: list[tuple[str, Any]] = []
    job = Job("self-test", call, done=lambda result: outcome.append(("done", result)),
              error=lambda exc: outcome.append(("error", exc)))
    assert job.in_process, "the job would not run in a worker process"
    loop = QEventLoop()
    runner.busy_changed.connect(lambda busy: None if busy else loop.quit())
    QTimer.singleShot(120_000, loop.quit)
    runner.start(job)
    if runner.busy:
        loop.exec()
    if not outcome:
        runner.cancel()
        runner.wait(10_000)
        raise TimeoutError("the worker process did not answer within 120 s")
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value


def run_self_test(print_line: Callable[[str], None] = print, *, window: bool = True) -> bool:
    from factor_desk.gui.jobs import Call
    from factor_desk.location import Location
    from factor_desk.services.common import run_to_end
    from factor_desk.services.desk import Desk

    ok = True
    state: dict = {}

    def step(name: str, fn: Callable[[], str]) -> None:
        nonlocal ok
        if not ok:
            print_line(f"SKIP {name}")
            return
        started = time.perf_counter()
        try:
            detail = fn()
        except Exception as exc:  # the self-test reports every failure as a line
            ok = False
            print_line(f"FAIL {name}: {type(exc).__name__}: {exc}")
            return
        print_line(f"ok   {name} ({time.perf_counter() - started:.2f} s): {detail}")

    with tempfile.TemporaryDirectory(prefix="factor-desk-self-test-") as tmp:
        home = Path(tmp)
        location = Location.resolve(home / "data")
        desk = Desk.open(location)

        def demo():
            desk.load_demo(loads=8)
            queued = [ld for ld in desk.loads(status="Queued")
                      if ld.invoicing_method == "Factoring"]
            assert len(queued) == 8, f"expected 8 Queued factoring loads, found {len(queued)}"
            return "demo carrier with 8 Queued factoring loads"

        def submit():
            batch = desk.submit_all_eligible("Blue Ridge Freight LLC")
            state["batch"] = batch
            invoiced = {ld.load_number for ld in desk.loads(status="Invoiced")}
            assert invoiced == set(batch.loads), "not every load became Invoiced"
            return f"batch {batch.batch}: {batch.invoices} invoices, ${batch.total:,.2f}"

        def export():
            pool = 0
            result = None
            for progress in desk.export(state["batch"].batch, home / "out",
                                        make_zip=True, workers=EXPORT_WORKERS):
                # the pool's processes are this process's children while it draws
                pool = max(pool, len(multiprocessing.active_children()))
                result = progress.result
            assert result is not None, "the export gave no result"
            assert pool >= EXPORT_WORKERS, f"no pool of worker processes drew the packets " \
                                           f"({pool} worker processes seen)"
            invoices = list((result.folder / "invoices").glob("*.pdf"))
            assert len(invoices) == state["batch"].invoices, "an invoice packet is missing"
            for name in (f"Schedule_of_Accounts_{result.batch}.xlsx",
                         f"Schedule_of_Accounts_{result.batch}.pdf",
                         f"{result.batch}_packet.pdf"):
                assert (result.folder / name).stat().st_size > 0, f"{name} is missing"
            assert result.zip_path and result.zip_path.exists(), "the zip is missing"
            return (f"{result.invoices} packets, {result.pages} pages, zip, "
                    f"drawn by a pool of {pool} worker processes")

        def purchase():
            lines = desk.show_batch(state["batch"].batch).invoice_lines
            state["lines"] = lines
            path = _report(home / "Purchase_Report.csv",
                           ["Invoice Number", "Invoice Amount", "Purchase Date", "Status"],
                           [[x.invoice_number, x.amount, "11/28/2026", "Purchased"]
                            for x in lines])
            pid, result = _run_in_worker_process(Call(
                _in_worker_process, desk, "purchase", str(path), state["batch"].batch))
            assert pid != os.getpid(), "the report was not applied in a worker process"
            financed = {ld.load_number for ld in desk.loads(status="Financed")}
            assert financed == set(state["batch"].loads), "not every invoice became Financed"
            return (f"import #{result.import_id}: {result.rows_applied} invoices Financed, "
                    f"in a worker process (pid {pid}, not {os.getpid()})")

        def payments():
            lines = state["lines"]
            path = _report(home / "Payments_Report.csv",
                           ["Invoice Number", "Payment Date", "Amount Paid",
                            "Reference Number", "Short Pay Reason"],
                           [[x.invoice_number, "12/28/2026",
                             x.amount - (25 if i == 0 else 0), f"SELF-{i}",
                             "lumper" if i == 0 else ""] for i, x in enumerate(lines)])
            result = run_to_end(desk.apply_report("payments", path))
            completed = {ld.load_number for ld in desk.loads(status="Completed")}
            totals = desk.reconcile(state["batch"].batch).batches[0].totals
            assert completed == set(state["batch"].loads), "not every invoice Completed"
            assert totals["short_pay"] == Decimal("25.00"), "the short pay is not $25.00"
            assert totals["invoiced"] == totals["paid"] + totals["short_pay"], \
                "paid + short pay is not the invoiced total"
            return f"import #{result.import_id}: Completed, short pay $25.00 kept"

        def show_window():
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            from factor_desk.gui.app import make_app, settings_for
            from factor_desk.gui.main_window import MainWindow

            app = make_app()
            win = MainWindow(desk, settings_for(location))
            win.show()
            deadline = time.monotonic() + 30
            while (win.runner.busy or not win.isVisible()) and time.monotonic() < deadline:
                app.processEvents()
            image = win.grab()
            win.close()
            assert not image.isNull() and image.width() > 100, "the window did not paint"
            return f"window painted {image.width()}x{image.height()}"

        step("demo data", demo)
        step("submit batch", submit)
        step("download batch", export)
        step("purchase report", purchase)
        step("payment report", payments)
        if window:
            step("window", show_window)
        desk.close()
    print_line("self-test passed" if ok else "self-test FAILED")
    return ok
