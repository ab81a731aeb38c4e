"""Download a submitted batch to a folder: the NOA-stamped invoice packets, the schedule
of accounts (XLSX, PDF, CSV), the whole batch in one PDF, and optionally a zip.

Made only from what the batch froze at submission, so exporting again next month gives
the same files, on any system. Written into a hidden folder beside the target and renamed
into place at the end: a cancelled, failed or killed export leaves no half folder.

A download never destroys what it did not make. ``manifest.json`` lists every file with
its size and SHA-256; downloading again replaces the old folder (and zip) only when every
file in it is one an export made, unchanged (or the very file this download writes), and
otherwise refuses, naming the path. The old folder is set aside as '<batch> (old, being
replaced)' while the new one goes in; whatever fails, the path holds the old download or
the new one, and the next download removes what is left. A destination in use (a packet
open in Acrobat, the schedule in Excel), read-only or full is a clerk's message.

Two steps: ``plan_export(work, batch)`` reads the batch in a unit of work, then
``export_batch(plan, ...)`` writes the files, a generator that yields one progress item per
invoice and checks ``should_stop`` between items. Its parts: export_packets.py (drawing the
packets, in worker processes for a large batch), export_manifest.py (the zip, the manifest,
what in the way is ours), export_place.py (putting the download in place; the clerk's
words for a destination in use, read-only or full)."""


from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from factor_desk.db.models import Batch, Invoice
from factor_desk.db.work import Work
from factor_desk.documents.concat import Concatenation
from factor_desk.documents.files import UniqueNames, safe_file_name
from factor_desk.documents.packet import SupportingFile, UnreadableDocument, check_document
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
from factor_desk.services.common import Progress
from factor_desk.services.export_manifest import (
    MANIFEST,
    foreign_files,
    refuse_if_in_the_way,
    write_manifest,
    zip_folder,
)
from factor_desk.services.export_packets import PacketMaker
from factor_desk.services.export_place import (
    PARTIAL,
    clerks_words,
    leftovers,
    refusal,
    remove_stale_partials,
    retrying,
    swap_into_place,
)
from factor_desk.services.schedule_layouts import layout_of

# Room kept after a batch's folder name for the longest name made from it
# ('Schedule_of_Accounts_<batch>.xlsx', '.<batch>.zip.partial-<pid>-<hex>'...).
FOLDER_ROOM = " " * 40

# Opens a read transaction (the desk passes ``Database.read``): the supporting documents are
# read in one of their own, once the destination has been checked.
Reader = Callable[[], AbstractContextManager[Work]]


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

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "folder": str(self.folder),
                "zip": str(self.zip_path) if self.zip_path else None,
                "invoices": self.invoices, "pages": self.pages, "files": self.files}


def batch_carrier(batch: Batch, first_snapshot: dict[str, Any] | None) -> dict[str, Any]:
    """The carrier a batch names (legal name, MC): as its first invoice froze it at
    submission, else the subsidiary's."""
    if first_snapshot is not None:
        return dict(first_snapshot["carrier"])
    return {"legal_name": batch.subsidiary.name, "mc_number": batch.subsidiary.mc_number}


def _plain_invoices(session: Session, batch: Batch) -> tuple[list[dict[str, Any]], Schedule]:
    rows = session.execute(
        select(Invoice).where(Invoice.batch_id == batch.id).order_by(Invoice.position)
    ).scalars().all()
    created = batch.submitted_at
    invoices = [{
        "invoice_number": inv.invoice_number,
        "invoice_date": inv.invoice_date,
        "due_date": inv.due_date,
        "terms_days": inv.terms_days,
        "amount": str(from_cents(inv.amount_cents)),
        "noa_text": inv.noa_text,
        "remit_to": inv.remit_to,
        "batch": batch.label,
        "created": created,
        "snapshot": inv.snapshot,
    } for inv in rows]
    carrier = batch_carrier(batch, rows[0].snapshot if rows else None)
    schedule = Schedule(
        batch=batch.label, carrier=carrier["legal_name"], carrier_mc=carrier["mc_number"],
        factor=batch.factoring_company.name, submitted_at=batch.submitted_at,
        submitted_by=batch.submitted_by,
        rows=[ScheduleRow(
            invoice_date=inv.invoice_date, debtor=inv.snapshot["bill_to"]["name"],
            debtor_mc=inv.snapshot["bill_to"]["mc_number"],
            invoice_number=inv.invoice_number, load_number=inv.snapshot["load_number"],
            po_number=inv.snapshot["po_number"], amount=from_cents(inv.amount_cents),
            due_date=inv.due_date, terms_days=inv.terms_days) for inv in rows],
        reversed_note=(f"{batch.reversed_at:%m/%d/%Y}: {batch.reverse_reason}"
                       if batch.reversed_at else ""),
        # The layout the batch's factor wants now (issue #14): its profile, not a copy
        # frozen at submission, so a factor that changes its schedule gets the new one.
        layout=layout_of(batch.factoring_company),
    )
    return invoices, schedule


@dataclass
class ExportPlan:
    """What a download is made of, read from the batch as it was frozen at submission."""

    label: str
    invoices: list[dict[str, Any]]
    schedule: Schedule


def plan_export(work: Work, batch: str) -> ExportPlan:
    """Read the batch's invoices and schedule of accounts (NotFound for an unknown batch)."""
    b = find_batch(work, batch)
    invoices, schedule = _plain_invoices(work, b)
    return ExportPlan(b.label, invoices, schedule)


def export_batch(
    plan: ExportPlan,
    to_dir: str | os.PathLike[str],
    read: Reader,
    *,
    make_zip: bool = False,
    workers: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[Progress]:
    """Write ``to_dir/<batch>/`` (and ``<batch>.zip`` with ``make_zip``). Yields progress;
    the last item carries the ExportResult. Refuses, writing nothing, when a supporting
    document is missing or unreadable, or when a file or folder of that name holds
    anything this program did not make; raises ExportCancelled when ``should_stop()``.
    A folder that is in use, read-only or full is refused with what to do about it."""
    should_stop = should_stop or (lambda: False)
    label, invoices, schedule = plan.label, plan.invoices, plan.schedule
    total = len(invoices) + 2
    folder_name = safe_file_name(label, FOLDER_ROOM)
    to_dir = Path(to_dir)
    target = to_dir / folder_name
    zip_target = to_dir / f"{folder_name}.zip" if make_zip else None
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    partial = to_dir / f".{folder_name}{PARTIAL}{token}"
    zip_work = to_dir / f".{folder_name}.zip{PARTIAL}{token}"
    shown = {partial: target, zip_work: zip_target or target}
    base = f"Schedule_of_Accounts_{folder_name}"
    packet_name = f"{folder_name}_packet.pdf"
    names = UniqueNames()
    invoice_files = [f"invoices/{names.take(inv['invoice_number'], '.pdf')}"
                     for inv in invoices]
    planned = {MANIFEST, f"{base}.pdf", f"{base}.xlsx", f"{base}.csv", packet_name,
               *invoice_files}
    made = False
    try:
        try:
            to_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise refusal(exc, to_dir, shown, to_dir) or InputRefused([Problem(
                f"the folder cannot be made ({exc.strerror})", file=str(to_dir))]) from exc
        remove_stale_partials(to_dir, folder_name)
        # Something in the way is refused now, before a minute of drawing; what it holds
        # is compared byte for byte once the new files exist.
        refuse_if_in_the_way(target, zip_target, folder_name, planned, None)
        partial.mkdir()
        made = True
        yield Progress(0, total, "Checking the supporting documents")
        tasks = _check_documents(read, invoices, partial / "_documents", label,
                                 should_stop)
        (partial / "invoices").mkdir()
        for task, rel in zip(tasks, invoice_files, strict=True):
            task["out"] = str(partial / rel)
        with PacketMaker(tasks, workers) as maker:
            # Workers start on the packets while this process writes the schedule, which
            # leads the batch packet; then each packet joins it as soon as it and all
            # before it are ready, so joining overlaps drawing.
            (partial / f"{base}.pdf").write_bytes(schedule_pdf(schedule))
            (partial / f"{base}.xlsx").write_bytes(schedule_xlsx(schedule))
            (partial / f"{base}.csv").write_bytes(schedule_csv(schedule))
            done = 1
            yield Progress(done, total, "Schedule of accounts")
            pages = 0
            ready: dict[int, Path] = {}
            next_index = 0
            with Concatenation(partial / packet_name, title=f"Batch {label}",
                               created=schedule.submitted_at, producer=PRODUCER) as joined:
                joined.add(partial / f"{base}.pdf")
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
        shutil.rmtree(partial / "_documents", ignore_errors=True)
        digests = write_manifest(partial, label)
        files = sorted(digests)
        if make_zip:
            zip_folder(partial, zip_work, folder_name, files, schedule.submitted_at)
        if should_stop():
            raise ExportCancelled(label)

        refuse_if_in_the_way(target, zip_target, folder_name, planned, digests)
        set_aside = swap_into_place(partial, target, folder_name)
        for leftover in leftovers(to_dir, folder_name):
            # One this download set aside was checked a moment ago; an earlier one is
            # removed only if it still holds nothing but what an export made.
            if leftover == set_aside or not foreign_files(leftover, digests):
                shutil.rmtree(leftover, ignore_errors=True)
        if zip_target is not None:
            try:
                retrying(os.replace, zip_work, zip_target)
            except OSError as exc:
                words = clerks_words(exc, zip_target, shown, to_dir)
                if words is None:
                    raise
                raise InputRefused([Problem(
                    f"the folder {target.name} was saved, but this zip was not replaced: "
                    f"{words[1]}", file=str(zip_target))]) from exc
        result = ExportResult(batch=label, folder=target, zip_path=zip_target,
                              invoices=len(invoices), pages=pages, files=files)
        yield Progress(total, total, f"Batch {label} saved to {target}", result)
    except OSError as exc:
        refused = refusal(exc, target, shown, to_dir)
        if refused is None:
            raise
        raise refused from exc
    finally:
        # Cancelled, failed, or the consumer stopped iterating: leave nothing behind.
        if made:
            shutil.rmtree(partial, ignore_errors=True)
        with contextlib.suppress(OSError):
            zip_work.unlink(missing_ok=True)


def _check_documents(read: Reader, invoices: list[dict[str, Any]], scratch: Path, label: str,
                     should_stop: Callable[[], bool]) -> list[dict[str, Any]]:
    """Every supporting document, as a file the packet can read; refuses with every
    unreadable one named before anything of the export is written."""
    tasks = []
    problems = []
    with read() as work:
        for inv in invoices:
            if should_stop():
                raise ExportCancelled(label)
            docs = []
            for d in sorted(inv["snapshot"]["documents"],
                            key=lambda d: (DocumentKind.packet_position(d["kind"]), d["id"])):
                path = work.store.local_path(work, d["sha256"], scratch)
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
