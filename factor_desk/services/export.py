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

The work is a generator that yields one progress item per invoice and checks
``should_stop`` between items."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import errno
import glob
import hashlib
import json
import multiprocessing
import os
import re
import secrets
import shutil
import stat
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from factor_desk.db.database import Database
from factor_desk.db.models import Batch, Invoice
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
    FILE_ATTRIBUTES,
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
MANIFEST = "manifest.json"
MADE_BY = "Factor Desk"
# An old download moved aside while the new one goes in; a name a clerk can read. A
# download that could not finish leaves it, and the next download removes it.
LEFTOVER = " (old, being replaced)"
# Room kept after a batch's folder name for the longest name made from it
# ('Schedule_of_Accounts_<batch>.xlsx', '.<batch>.zip.partial-<pid>-<hex>'...).
FOLDER_ROOM = " " * 40
# Below this many invoices, starting worker processes costs more than it saves; above it,
# one worker per INVOICES_PER_WORKER invoices, at most MAX_WORKERS: the machine stays
# usable, and Windows allows no more than 61 in a pool.
POOL_THRESHOLD = 24
INVOICES_PER_WORKER = 25
MAX_WORKERS = 4
POOL_LIMIT = 61
# Seconds between tries of a rename that failed because a file was in use.
RETRY_DELAYS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8)
_SYSTEM_FILES = {".DS_Store", "Thumbs.db", "desktop.ini", "thumbs.db", ".localized"}


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


def _plain_invoices(session: Session, batch: Batch) -> tuple[list[dict[str, Any]], Schedule]:
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
    to_dir: str | os.PathLike[str],
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
    with db.read() as session:
        b = find_batch(session, batch)
        label = b.label
        invoices, schedule = _plain_invoices(session, b)
    total = len(invoices) + 2
    folder_name = safe_file_name(label, FOLDER_ROOM)
    to_dir = Path(to_dir)
    target = to_dir / folder_name
    zip_target = to_dir / f"{folder_name}.zip" if make_zip else None
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    work = to_dir / f".{folder_name}{PARTIAL}{token}"
    zip_work = to_dir / f".{folder_name}.zip{PARTIAL}{token}"
    shown = {work: target, zip_work: zip_target or target}
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
            raise _refusal(exc, to_dir, shown, to_dir) or InputRefused([Problem(
                f"the folder cannot be made ({exc.strerror})", file=str(to_dir))]) from exc
        _remove_stale_partials(to_dir, folder_name)
        # Something in the way is refused now, before a minute of drawing; what it holds
        # is compared byte for byte once the new files exist.
        _refuse_if_in_the_way(target, zip_target, folder_name, planned, None)
        work.mkdir()
        made = True
        yield Progress(0, total, "Checking the supporting documents")
        tasks = _check_documents(db, invoices, work / "_documents", label, should_stop)
        (work / "invoices").mkdir()
        for task, rel in zip(tasks, invoice_files, strict=True):
            task["out"] = str(work / rel)
        with _PacketMaker(tasks, workers) as maker:
            # Workers start on the packets while this process writes the schedule, which
            # leads the batch packet; then each packet joins it as soon as it and all
            # before it are ready, so joining overlaps drawing.
            (work / f"{base}.pdf").write_bytes(schedule_pdf(schedule))
            (work / f"{base}.xlsx").write_bytes(schedule_xlsx(schedule))
            (work / f"{base}.csv").write_bytes(schedule_csv(schedule))
            done = 1
            yield Progress(done, total, "Schedule of accounts")
            pages = 0
            ready: dict[int, Path] = {}
            next_index = 0
            with Concatenation(work / packet_name, title=f"Batch {label}",
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
        digests = _write_manifest(work, label)
        files = sorted(digests)
        if make_zip:
            _zip(work, zip_work, folder_name, files, schedule.submitted_at)
        if should_stop():
            raise ExportCancelled(label)

        _refuse_if_in_the_way(target, zip_target, folder_name, planned, digests)
        set_aside = _swap_into_place(work, target, folder_name)
        for leftover in _leftovers(to_dir, folder_name):
            # One this download set aside was checked a moment ago; an earlier one is
            # removed only if it still holds nothing but what an export made.
            if leftover == set_aside or not _foreign_files(leftover, digests):
                shutil.rmtree(leftover, ignore_errors=True)
        if zip_target is not None:
            try:
                _retrying(os.replace, zip_work, zip_target)
            except OSError as exc:
                words = _clerks_words(exc, zip_target, shown, to_dir)
                if words is None:
                    raise
                raise InputRefused([Problem(
                    f"the folder {target.name} was saved, but this zip was not replaced: "
                    f"{words[1]}", file=str(zip_target))]) from exc
        result = ExportResult(batch=label, folder=target, zip_path=zip_target,
                              invoices=len(invoices), pages=pages, files=files)
        yield Progress(total, total, f"Batch {label} saved to {target}", result)
    except OSError as exc:
        refused = _refusal(exc, target, shown, to_dir)
        if refused is None:
            raise
        raise refused from exc
    finally:
        # Cancelled, failed, or the consumer stopped iterating: leave nothing behind.
        if made:
            shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):
            zip_work.unlink(missing_ok=True)


def run_export(db: Database, batch: str, to_dir: str | os.PathLike[str],
               **kwargs: Any) -> ExportResult:
    """export_batch without progress, for scripts and tests."""
    result: ExportResult = run_to_end(export_batch(db, batch, to_dir, **kwargs))
    return result


def _check_documents(db: Database, invoices: list[dict[str, Any]], scratch: Path, label: str,
                     should_stop: Callable[[], bool]) -> list[dict[str, Any]]:
    """Every supporting document, as a file the packet can read; refuses with every
    unreadable one named before anything of the export is written."""
    tasks = []
    problems = []
    with db.read() as session:
        for inv in invoices:
            if should_stop():
                raise ExportCancelled(label)
            docs = []
            for d in sorted(inv["snapshot"]["documents"],
                            key=lambda d: (DocumentKind.packet_position(d["kind"]), d["id"])):
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


def pool_size(invoices: int, requested: int | None = None) -> int:
    """How many processes draw the packets: ``requested`` if given, else one per
    INVOICES_PER_WORKER invoices up to MAX_WORKERS and the machine's cores, and one (this
    process) for a small batch; never more than there are invoices, nor than Windows
    allows."""
    if requested is None:
        if invoices < POOL_THRESHOLD:
            return 1
        requested = min(MAX_WORKERS, os.cpu_count() or 1,
                        -(-invoices // INVOICES_PER_WORKER))
    return max(1, min(requested, invoices, POOL_LIMIT))


class _PacketMaker:
    """Builds every packet: in worker processes for a large batch, else in this one.
    ``results`` yields (task index, (invoice number, pages)) as each packet is written."""

    def __init__(self, tasks: list[dict[str, Any]], workers: int | None):
        self.tasks = tasks
        self.workers = pool_size(len(tasks), workers)
        self.pool: cf.ProcessPoolExecutor | None = None
        self.pending: dict[cf.Future[tuple[str, int]], int] = {}
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

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _top_up(self) -> None:
        # A bounded window of tasks in flight keeps memory flat whatever the batch size.
        for index, task in self.queue:
            assert self.pool is not None
            self.pending[self.pool.submit(write_packet, task)] = index
            if len(self.pending) >= self.workers * 3:
                break

    def results(self, should_stop: Callable[[], bool]
                ) -> Iterator[tuple[int, tuple[str, int]]]:
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
            # The same bytes on every system: zipfile records the host (0 on Windows, 3
            # elsewhere) and Unix permissions unless told otherwise.
            info.create_system = 0
            info.external_attr = FILE_ATTRIBUTES
            with (work / rel).open("rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


# ------------------------------------------------------------------ the manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_bytes(label: str, digests: dict[str, tuple[int, str]]) -> bytes:
    """JSON, one line per file, so that it reads in a text editor too."""
    head = {"made_by": MADE_BY,
            "what": f"Batch {label} as downloaded: every file, its size in bytes and SHA-256",
            "batch": label}
    lines = [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    entries = [json.dumps({"path": rel, "bytes": size, "sha256": sha}, ensure_ascii=False)
               for rel, (size, sha) in sorted(digests.items())]
    text = "{\n" + "\n".join(lines) + '\n "files": [\n  ' + ",\n  ".join(entries) + "\n ]\n}\n"
    return text.encode("utf-8")


def _write_manifest(work: Path, label: str) -> dict[str, tuple[int, str]]:
    """Write ``manifest.json`` (every file with its size and SHA-256: the factor can check
    what it received, and the next download knows the folder is ours and unchanged).
    Returns every file of the download, the manifest included, with its size and hash."""
    digests = {}
    for path in work.rglob("*"):
        if path.is_file():
            digests[path.relative_to(work).as_posix()] = (path.stat().st_size, _sha256(path))
    data = _manifest_bytes(label, digests)
    (work / MANIFEST).write_bytes(data)
    digests[MANIFEST] = (len(data), hashlib.sha256(data).hexdigest())
    return digests


def _parse_manifest(data: bytes) -> dict[str, tuple[int, str]] | None:
    """The files a manifest lists, or None unless it is one this program wrote, unedited."""
    try:
        doc = json.loads(data)
        if doc.get("made_by") != MADE_BY or not isinstance(doc.get("batch"), str):
            return None
        listed = {f["path"]: (f["bytes"], f["sha256"]) for f in doc["files"]}
        if not all(isinstance(p, str) and type(n) is int and isinstance(h, str)
                   for p, (n, h) in listed.items()):
            return None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return listed if _manifest_bytes(doc["batch"], listed) == data else None


# ------------------------------------------------------------------ never destroy a user's file


def _made_by_the_system(name: str) -> bool:
    """Files Finder, Explorer, Excel or LibreOffice put in a folder the clerk opened."""
    return (name in _SYSTEM_FILES or name.startswith(("._", "~$", ".~lock."))
            or name.casefold() in _SYSTEM_FILES)


def _foreign_files(folder: Path, new: dict[str, tuple[int, str]] | None,
                   planned: Set[str] = frozenset()) -> list[str]:
    """What in ``folder`` an export did not make, or what changed since: every file that
    matches neither the folder's own manifest nor the file this download writes at the
    same place (``new``; before it is written, any ``planned`` path passes unread)."""
    try:
        own = _parse_manifest((folder / MANIFEST).read_bytes()) \
            if (folder / MANIFEST).is_file() else None
    except OSError:
        own = None
    foreign = []
    for root, dirs, file_names in os.walk(folder):
        for d in list(dirs):
            if os.path.islink(os.path.join(root, d)):  # a shortcut to elsewhere: not ours
                foreign.append(Path(root, d).relative_to(folder).as_posix())
                dirs.remove(d)
        for name in file_names:
            path = Path(root, name)
            rel = path.relative_to(folder).as_posix()
            if _made_by_the_system(name) or (rel == MANIFEST and own is not None):
                continue
            if not _is_ours(path, rel, own, new, planned):
                foreign.append(rel)
    return sorted(foreign)


def _is_ours(path: Path, rel: str, own: dict[str, tuple[int, str]] | None,
             new: dict[str, tuple[int, str]] | None, planned: Set[str]) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    if new is None and rel in planned:
        return True
    expected = {x for x in ((own or {}).get(rel), (new or {}).get(rel)) if x}
    if not any(size == info.st_size for size, _ in expected):
        return False
    try:
        sha = _sha256(path)
    except OSError:
        return False
    return (info.st_size, sha) in expected


def _foreign_entries(zip_path: Path, folder: str, new: dict[str, tuple[int, str]] | None,
                     planned: Set[str]) -> list[str] | None:
    """Like ``_foreign_files`` for a zip; None when it is no zip at all."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            prefix = folder + "/"
            try:
                own = _parse_manifest(zf.read(prefix + MANIFEST))
            except (KeyError, zipfile.BadZipFile, OSError, ValueError):
                own = None
            foreign = []
            for info in zf.infolist():
                if info.is_dir() and info.filename.startswith(prefix):
                    continue
                rel = info.filename[len(prefix):] if info.filename.startswith(prefix) \
                    else None
                if rel is None:
                    foreign.append(info.filename)
                elif rel == MANIFEST and own is not None:
                    continue
                elif new is None:
                    if rel not in planned:
                        foreign.append(info.filename)
                else:
                    expected = {x for x in ((own or {}).get(rel), new.get(rel)) if x}
                    if not any(size == info.file_size for size, _ in expected):
                        foreign.append(info.filename)
                        continue
                    digest = hashlib.sha256()
                    with zf.open(info) as fh:
                        for chunk in iter(lambda: fh.read(1 << 20), b""):
                            digest.update(chunk)
                    if (info.file_size, digest.hexdigest()) not in expected:
                        foreign.append(info.filename)
            return foreign
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError,
            RuntimeError):
        return None


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _refuse_if_in_the_way(target: Path, zip_target: Path | None, folder: str,
                          planned: Set[str], new: dict[str, tuple[int, str]] | None) -> None:
    """Refuse, naming the path, unless what is at ``target`` (and ``zip_target``) is an
    earlier download of this batch that nobody changed or added to: a download never
    deletes or hides a file it did not make."""
    problems = []
    if os.path.islink(target) or (os.path.lexists(target) and not target.is_dir()):
        problems.append(Problem(
            "this is a file or a shortcut, not a download of this batch; Factor Desk "
            "will not replace it. Rename or move it, or choose another folder, and "
            "download again.", file=str(target)))
    elif target.is_dir():
        foreign = _foreign_files(target, new, planned)
        if foreign:
            problems.append(Problem(
                "this folder holds files Factor Desk did not make, or that were changed "
                f"since it made them: {_listing(foreign)}. Nothing was replaced: move "
                "them out of the folder (or rename the folder) and download again.",
                file=str(target)))
    if zip_target is not None and os.path.lexists(zip_target):
        if os.path.islink(zip_target) or not zip_target.is_file():
            problems.append(Problem(
                "this is a folder or a shortcut, not the batch's zip; Factor Desk will "
                "not replace it. Rename or move it, or choose another folder, and "
                "download again.", file=str(zip_target)))
        else:
            entries = _foreign_entries(zip_target, folder, new, planned)
            if entries is None or entries:
                problems.append(Problem(
                    "this is not a zip Factor Desk made for this batch, or it was "
                    "changed since"
                    + (f" ({_listing(entries)})" if entries else "")
                    + ". Nothing was replaced: rename or move it and download again.",
                    file=str(zip_target)))
    if problems:
        raise InputRefused(problems, summary=(
            f"Batch {folder} was not downloaded: nothing was replaced."
            if len(problems) > 1 else None))


# ------------------------------------------------------------------ putting it in place


def _retrying(op: Callable[..., Any], *args: Any) -> Any:
    """``op(*args)``, tried again for a moment when the file is in use: on Windows an
    antivirus, the search indexer or OneDrive opens a new file for a few hundred
    milliseconds, and a rename then fails."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return op(*args)
        except OSError as exc:
            if delay is None or not _in_use(exc):
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _leftover_name(folder: str, n: int) -> str:
    return f"{folder}{LEFTOVER}" if n == 1 else f"{folder}{LEFTOVER[:-1]} {n})"


def _leftovers(to_dir: Path, folder: str) -> list[Path]:
    """The old downloads of this batch set aside by a download that could not finish."""
    pattern = re.compile(re.escape(folder + LEFTOVER[:-1]) + r"(?: \d+)?\)")
    try:
        entries = list(os.scandir(to_dir))
    except OSError:
        return []
    return sorted(Path(e.path) for e in entries
                  if pattern.fullmatch(e.name) and e.is_dir(follow_symlinks=False))


def _swap_into_place(work: Path, target: Path, folder: str) -> Path | None:
    """Put the new download at ``target``; an old one (already checked to be ours) is set
    aside as '<batch> (old, being replaced)' first. Whatever fails, ``target`` ends up
    holding the old download or the new one; returns where the old one was set aside."""
    if not os.path.lexists(target):
        _retrying(os.replace, work, target)
        return None
    n = 1
    while os.path.lexists(target.with_name(_leftover_name(folder, n))):
        n += 1
    aside = target.with_name(_leftover_name(folder, n))
    _retrying(os.replace, target, aside)  # refused: the old download stays where it was
    try:
        _retrying(os.replace, work, target)
        return aside
    except OSError as exc:
        failure = exc
    try:
        _retrying(os.replace, aside, target)  # the old download goes back
    except OSError:
        pass
    else:
        raise failure
    # Neither rename is allowed: a copy of the new download takes the path instead.
    if not os.path.lexists(target):
        try:
            shutil.copytree(work, target)
            return aside
        except OSError:
            shutil.rmtree(target, ignore_errors=True)
    raise _SetAside(failure, aside)


class _SetAside(OSError):
    """The old download could neither stay nor go back: it is kept under ``aside``."""

    def __init__(self, cause: OSError, aside: Path):
        super().__init__(cause.errno, cause.strerror, cause.filename)
        self.cause = cause
        self.aside = aside


# ------------------------------------------------------------------ errors a clerk can fix

_IN_USE_WINERRORS = {5, 32, 33}  # access denied, sharing violation, lock violation


def _in_use(exc: OSError) -> bool:
    return (isinstance(exc, PermissionError)
            or exc.errno in (errno.EBUSY, getattr(errno, "ETXTBSY", errno.EBUSY))
            or getattr(exc, "winerror", None) in _IN_USE_WINERRORS)


def _what_to_close(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "Close it in Acrobat (or the PDF viewer showing it)"
    if suffix in (".xlsx", ".csv"):
        return "Close it in Excel"
    if suffix == ".zip":
        return "Close the window or program showing it"
    return ("Close the packets in Acrobat, the schedule in Excel and any window showing "
            "the folder")


def _clerks_words(exc: OSError, default: Path, shown: dict[Path, Path],
                  to_dir: Path) -> tuple[Path, str] | None:
    """Which file or folder, and what the clerk can do about it, for a destination in
    use, read-only, full or changed under us; None for an error that is a bug."""
    raw = exc.filename or default
    path = Path(os.fsdecode(raw)) if isinstance(raw, str | bytes | os.PathLike) else default
    for hidden, visible in shown.items():  # name what the clerk sees, not our temp folder
        if path == hidden or hidden in path.parents:
            path = visible / path.relative_to(hidden)
            break
    if _in_use(exc):
        return path, (f"it is open in another program, or Factor Desk may not write there. "
                      f"{_what_to_close(path)}, then download again; if nothing has it open, "
                      "choose a folder you may write to.")
    if exc.errno == errno.EROFS:
        return path, "the disk is read-only: choose another folder and download again."
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return path, ("the disk is full: free some space or choose another folder, and "
                      "download again.")
    if exc.errno == errno.ENAMETOOLONG:
        return path, ("the path is too long: choose a folder nearer the top of the drive "
                      "and download again.")
    if exc.errno == errno.EIO:
        return path, ("the disk could not be written (a disconnected drive?): download "
                      "again.")
    inside = path == to_dir or to_dir in path.parents
    if inside and exc.errno in (errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
        return path, ("it was changed by another program while the batch was being saved "
                      "(a sync or backup program?): download again.")
    return None


def _refusal(exc: OSError, default: Path, shown: dict[Path, Path],
             to_dir: Path) -> InputRefused | None:
    """The clerk's message for ``exc``, naming the path; None for an error that is a bug."""
    if isinstance(exc, _SetAside):
        words = _clerks_words(exc.cause, default, shown, to_dir)
        path, sentence = words or (default, f"it could not be replaced ({exc.strerror}).")
        return InputRefused([Problem(
            f"{sentence} The new download could not be put in its place, nor the earlier "
            f"one back: the earlier download is kept, whole, in '{exc.aside.name}' beside "
            "it.", file=str(path))])
    words = _clerks_words(exc, default, shown, to_dir)
    if words is None:
        return None
    path, sentence = words
    return InputRefused([Problem(f"{sentence} Nothing was replaced.", file=str(path))])


def _remove_stale_partials(to_dir: Path, folder_name: str) -> None:
    """Folders left by an export that was killed (its process is gone)."""
    for path in to_dir.glob(f".{glob.escape(folder_name)}*{PARTIAL}*"):
        pid = path.name.rsplit(PARTIAL, 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) would end the process there
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
