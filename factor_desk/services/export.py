"""Download a submitted batch to a folder: the NOA-stamped invoice packets, the schedule
of accounts (XLSX, PDF, CSV), the whole batch in one PDF, and optionally a zip.

Made only from what the batch froze at submission, so exporting again next month gives
the same files. Written into a hidden folder beside the target and renamed into place at
the end: a cancelled, failed or killed export leaves no half folder, and exporting again
replaces the old export whole. The work is a generator that yields one progress item per
invoice and checks ``should_stop`` between items."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import multiprocessing
import os
import secrets
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from factor_desk.db.database import Database
from factor_desk.db.models import Invoice
from factor_desk.documents.concat import Concatenation
from factor_desk.documents.files import UniqueNames, safe_file_name
from factor_desk.documents.packet import (
    SupportingFile,
    UnreadableDocument,
    check_document,
    lower_priority,
    write_packet,
)
from factor_desk.documents.pdf_common import PRODUCER
from factor_desk.documents.schedule import (
    Schedule,
    ScheduleRow,
    schedule_csv,
    schedule_pdf,
    schedule_xlsx,
)
from factor_desk.domain.errors import FactorDeskError, InputRefused, Problem
from factor_desk.domain.money import from_cents
from factor_desk.domain.trade import DocumentKind
from factor_desk.services.batches import find_batch
from factor_desk.services.common import Progress, run_to_end

PARTIAL = ".partial-"
POOL_THRESHOLD = 24  # below this many invoices, starting worker processes costs more


class ExportCancelled(FactorDeskError):
    def __init__(self, batch: str):
        super().__init__(f"The download of batch {batch} was cancelled; nothing was written.")


@dataclass
class ExportResult:
    batch: str
    folder: Path
    zip_path: Path | None
    invoices: int
    pages: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"batch": self.batch, "folder": str(self.folder),
                "zip": str(self.zip_path) if self.zip_path else None,
                "invoices": self.invoices, "pages": self.pages, "files": self.files}


def _plain_invoices(session, batch) -> tuple[list[dict], Schedule]:
    rows = session.execute(
        select(Invoice).where(Invoice.batch_id == batch.id).order_by(Invoice.position)
    ).scalars().all()
    created = batch.submitted_at
    invoices = [{
        "invoice_number": inv.invoice_number,
        "invoice_date": inv.invoice_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "terms_days": inv.terms_days,
        "amount": str(from_cents(inv.amount_cents)),
        "noa_text": inv.noa_text,
        "remit_to": inv.remit_to,
        "batch": batch.label,
        "created": created,
        "snapshot": inv.snapshot,
    } for inv in rows]
    first = rows[0].snapshot if rows else None
    carrier = first["carrier"] if first else {"legal_name": batch.subsidiary.name,
                                              "mc_number": batch.subsidiary.mc_number}
    schedule = Schedule(
        batch=batch.label, carrier=carrier["legal_name"], carrier_mc=carrier["mc_number"],
        factor=batch.factoring_company.name, submitted_at=batch.submitted_at,
        submitted_by=batch.submitted_by,
        rows=[ScheduleRow(
            invoice_date=inv.invoice_date, debtor=inv.snapshot["bill_to"]["name"],
            debtor_mc=inv.snapshot["bill_to"]["mc_number"],
            invoice_number=inv.invoice_number, load_number=inv.snapshot["load_number"],
            po_number=inv.snapshot["po_number"], amount=from_cents(inv.amount_cents),
            due_date=inv.due_date) for inv in rows],
    )
    return invoices, schedule


def export_batch(
    db: Database,
    batch: str,
    to_dir: str | os.PathLike,
    *,
    make_zip: bool = False,
    workers: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[Progress]:
    """Write ``to_dir/<batch>/`` (and ``<batch>.zip`` with ``make_zip``). Yields progress;
    the last item carries the ExportResult. Refuses, writing nothing, when a supporting
    document is missing or unreadable; raises ExportCancelled when ``should_stop()``."""
    should_stop = should_stop or (lambda: False)
    with db.read() as session:
        b = find_batch(session, batch)
        label = b.label
        invoices, schedule = _plain_invoices(session, b)
    total = len(invoices) + 2
    folder_name = safe_file_name(label)
    to_dir = Path(to_dir)
    try:
        to_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputRefused([Problem(f"the folder cannot be made ({exc.strerror})",
                                    file=str(to_dir))]) from None
    _remove_stale_partials(to_dir, folder_name)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    work = to_dir / f".{folder_name}{PARTIAL}{token}"
    zip_work = to_dir / f".{folder_name}.zip{PARTIAL}{token}"
    work.mkdir()
    try:
        yield Progress(0, total, "Checking the supporting documents")
        tasks = _check_documents(db, invoices, work / "_documents", label, should_stop)
        (work / "invoices").mkdir()
        names = UniqueNames()
        for task in tasks:
            name = names.take(task["invoice"]["invoice_number"], ".pdf")
            task["out"] = str(work / "invoices" / name)
        with _PacketMaker(tasks, workers) as maker:
            # Workers start on the packets while this process writes the schedule, which
            # leads the batch packet; then each packet joins it as soon as it and all
            # before it are ready, so joining overlaps drawing.
            base = f"Schedule_of_Accounts_{folder_name}"
            (work / f"{base}.pdf").write_bytes(schedule_pdf(schedule))
            (work / f"{base}.xlsx").write_bytes(schedule_xlsx(schedule))
            (work / f"{base}.csv").write_bytes(schedule_csv(schedule))
            done = 1
            yield Progress(done, total, "Schedule of accounts")
            pages = 0
            ready: dict[int, Path] = {}
            next_index = 0
            with Concatenation(work / f"{folder_name}_packet.pdf", title=f"Batch {label}",
                               created=schedule.submitted_at, producer=PRODUCER) as joined:
                joined.add(work / f"{base}.pdf")
                for index, (invoice_number, packet_pages) in maker.results(should_stop):
                    pages += packet_pages
                    ready[index] = Path(tasks[index]["out"])
                    while next_index in ready:
                        joined.add(ready.pop(next_index))
                        next_index += 1
                    done += 1
                    yield Progress(done, total, f"Invoice {invoice_number}")
                if should_stop():
                    raise ExportCancelled(label)
        shutil.rmtree(work / "_documents", ignore_errors=True)
        files = sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file())
        if make_zip:
            _zip(work, zip_work, folder_name, files, schedule.submitted_at)
        if should_stop():
            raise ExportCancelled(label)

        target = to_dir / folder_name
        _swap_into_place(work, target, token)
        zip_path = None
        if make_zip:
            zip_path = to_dir / f"{folder_name}.zip"
            os.replace(zip_work, zip_path)
        result = ExportResult(batch=label, folder=target, zip_path=zip_path,
                              invoices=len(invoices), pages=pages, files=files)
        yield Progress(total, total, f"Batch {label} saved to {target}", result)
    finally:
        # Cancelled, failed, or the consumer stopped iterating: leave nothing behind.
        shutil.rmtree(work, ignore_errors=True)
        zip_work.unlink(missing_ok=True)


def run_export(db: Database, batch: str, to_dir, **kwargs) -> ExportResult:
    """export_batch without progress, for scripts and tests."""
    return run_to_end(export_batch(db, batch, to_dir, **kwargs))


def _check_documents(db, invoices, scratch: Path, label: str, should_stop) -> list[dict]:
    """Every supporting document, as a file the packet can read; refuses with every
    unreadable one named before anything of the export is written."""
    tasks = []
    problems = []
    order = {k.value: i for i, k in enumerate(DocumentKind)}
    with db.read() as session:
        for inv in invoices:
            if should_stop():
                raise ExportCancelled(label)
            docs = []
            for d in sorted(inv["snapshot"]["documents"],
                            key=lambda d: (order[d["kind"]], d["id"])):
                path = db.store.local_path(session, d["sha256"], scratch)
                doc = SupportingFile(d["kind"], d["file_name"], d["content_type"], path)
                try:
                    check_document(doc)
                except UnreadableDocument as exc:
                    problems.append(Problem(
                        f"Load {inv['snapshot']['load_number']}: {doc.label} cannot be used: "
                        f"{exc}. Attach a readable copy to the load."))
                    continue
                docs.append({"kind": d["kind"], "file_name": d["file_name"],
                             "content_type": d["content_type"], "path": str(path)})
            tasks.append({"invoice": inv, "documents": docs})
    if problems:
        raise InputRefused(problems, summary=f"Batch {label} was not downloaded: "
                                             f"{len(problems)} supporting document(s) cannot "
                                             "be read. Nothing was written.")
    return tasks


class _PacketMaker:
    """Builds every packet: in worker processes for a large batch, else in this one.
    ``results`` yields (task index, (invoice number, pages)) as each packet is written."""

    def __init__(self, tasks: list[dict], workers: int | None):
        self.tasks = tasks
        if workers is None:
            workers = (os.cpu_count() or 1) if len(tasks) >= POOL_THRESHOLD else 1
        self.workers = workers
        self.pool: cf.ProcessPoolExecutor | None = None
        self.pending: dict[cf.Future, int] = {}
        self.queue = iter(enumerate(tasks))

    def __enter__(self) -> _PacketMaker:
        if self.workers > 1:
            # spawn, not fork: the window's process has threads, and fork copies them
            # half-held.
            self.pool = cf.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=lower_priority)
            self._top_up()
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _top_up(self) -> None:
        # A bounded window of tasks in flight keeps memory flat whatever the batch size.
        for index, task in self.queue:
            self.pending[self.pool.submit(write_packet, task)] = index
            if len(self.pending) >= self.workers * 3:
                break

    def results(self, should_stop) -> Iterator[tuple[int, tuple[str, int]]]:
        if self.pool is None:
            for index, task in self.queue:
                if should_stop():
                    return
                yield index, write_packet(task)
            return
        while self.pending:
            finished, _ = cf.wait(self.pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                yield self.pending.pop(future), future.result()
            if should_stop():
                return
            self._top_up()


def _zip(work: Path, zip_path: Path, folder: str, files: list[str],
         created: dt.datetime) -> None:
    stamp = max(created, dt.datetime(1980, 1, 1)).timetuple()[:6]
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in files:
            info = zipfile.ZipInfo(f"{folder}/{rel}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with (work / rel).open("rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def _swap_into_place(work: Path, target: Path, token: str) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{token}")
        os.replace(target, old)
    try:
        os.replace(work, target)
    except OSError:
        if old is not None:  # put the previous export back
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale_partials(to_dir: Path, folder_name: str) -> None:
    """Folders left by an export that was killed (its process is gone)."""
    for path in to_dir.glob(f".{folder_name}*{PARTIAL}*"):
        pid = path.name.rsplit(PARTIAL, 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would end the process there
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
            return True
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
