"""The audit's entries (issue #15), what each is called in a clerk's words, and how the rows
of the window that services/audit.py reads become entries: the batches' labels, the
imports' rows, and the first few load numbers of each entry, read for the entries of the
window only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from factor_desk.db.models import Batch, Load, ReportImport, StatusHistory, SupportingDocument
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ReportKind
from factor_desk.domain.lifecycle import BillingStatus as S
from factor_desk.domain.lifecycle import HistoryAction
from factor_desk.domain.money import format_money, from_cents
from factor_desk.domain.trade import DocumentKind, InfoKind
from factor_desk.services.common import chunks

FEW = 5  # load numbers named per entry; the count says how many there were


class AuditAction(StrEnum):
    """What an entry of the audit is; ``label`` says it in a clerk's words."""

    IMPORTED_LOADS = "imported_loads"
    PURCHASE_REPORT = "purchase_report"
    PAYMENT_REPORT = "payment_report"
    RESERVE_REPORT = "reserve_report"
    UNDID_IMPORT = "undid_import"
    ADDED_LOADS = "added_loads"
    CREATED_INVOICES = "created_invoices"
    BACK_TO_RELEASED = "back_to_released"
    VOIDED = "voided"
    EDITED = "edited"
    SUBMITTED_BATCH = "submitted_batch"
    RECALLED = "recalled"
    REVERSED_BATCH = "reversed_batch"
    EMAILED_BATCH = "emailed_batch"
    CLOSED_SHORT_PAY = "closed_short_pay"
    DIRECT_PAYMENT = "direct_payment"
    TOOK_BACK = "took_back"
    ATTACHED = "attached"
    REMOVED_DOCUMENT = "removed_document"
    SAVED_MAPPING = "saved_mapping"
    SAVED_INFO = "saved_info"
    CHANGED = "changed"  # a history row of no kind above (an older version's wording)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    AuditAction.IMPORTED_LOADS: "Imported loads",
    AuditAction.PURCHASE_REPORT: "Uploaded purchase report",
    AuditAction.PAYMENT_REPORT: "Uploaded payment report",
    AuditAction.RESERVE_REPORT: "Uploaded reserve report",
    AuditAction.UNDID_IMPORT: "Undid an upload",
    AuditAction.ADDED_LOADS: "Added loads",
    AuditAction.CREATED_INVOICES: "Created invoices",
    AuditAction.BACK_TO_RELEASED: "Took loads back to Released",
    AuditAction.VOIDED: "Voided loads",
    AuditAction.EDITED: "Edited a load",
    AuditAction.SUBMITTED_BATCH: "Submitted a batch",
    AuditAction.RECALLED: "Recalled invoices",
    AuditAction.REVERSED_BATCH: "Reversed a batch",
    AuditAction.EMAILED_BATCH: "Emailed a batch",
    AuditAction.CLOSED_SHORT_PAY: "Closed with a short pay",
    AuditAction.DIRECT_PAYMENT: "Recorded a direct payment",
    AuditAction.TOOK_BACK: "Took back a close or payment",
    AuditAction.ATTACHED: "Attached documents",
    AuditAction.REMOVED_DOCUMENT: "Removed a document",
    AuditAction.SAVED_MAPPING: "Saved a column mapping",
    AuditAction.SAVED_INFO: "Saved important info",
    AuditAction.CHANGED: "Changed loads",
}
# What an entry of one load is called, where it differs.
_ONE_LOAD = {
    AuditAction.ADDED_LOADS: "Added a load",
    AuditAction.CREATED_INVOICES: "Created an invoice",
    AuditAction.BACK_TO_RELEASED: "Took a load back to Released",
    AuditAction.VOIDED: "Voided a load",
    AuditAction.RECALLED: "Recalled an invoice",
    AuditAction.ATTACHED: "Attached a document",
    AuditAction.CHANGED: "Changed a load",
}
_UPLOADS = {ReportKind.LOADS: AuditAction.IMPORTED_LOADS,
            ReportKind.PURCHASE: AuditAction.PURCHASE_REPORT,
            ReportKind.PAYMENTS: AuditAction.PAYMENT_REPORT,
            ReportKind.RESERVE: AuditAction.RESERVE_REPORT}
_REPORT_WORDS = {ReportKind.LOADS: "loads file", ReportKind.PURCHASE: "purchase report",
                 ReportKind.PAYMENTS: "payment report", ReportKind.RESERVE: "reserve report"}

# How the writers of a history row that leaves the status as it is begin its reason
# (services/loads/moves.py edit_load, loads/documents.py remove_document,
# load_payments.py): the audit's tests hold each of them.
# What the history's own action (status_history.action, migration 0012) is in the audit.
_BY_HISTORY_ACTION = {
    HistoryAction.EDITED: AuditAction.EDITED,
    HistoryAction.REMOVED_DOCUMENT: AuditAction.REMOVED_DOCUMENT,
    HistoryAction.DIRECT_PAYMENT: AuditAction.DIRECT_PAYMENT,
    HistoryAction.SHORT_PAY_CLOSE: AuditAction.CLOSED_SHORT_PAY,
    HistoryAction.TOOK_BACK: AuditAction.TOOK_BACK,
    HistoryAction.RECALLED: AuditAction.RECALLED,
    HistoryAction.REVERSED: AuditAction.REVERSED_BATCH,
}

# The moves an undo makes (one step back): an import's history rows so moved are its undo's.
UNDO_MOVES = ((S.FINANCED, S.INVOICED), (S.COMPLETED, S.FINANCED),
               (S.CHARGED_BACK, S.FINANCED))


@dataclass
class AuditEntry:
    """One action: when (UTC), who, what, the loads it touched (``loads``: the first few
    load numbers of ``load_count``), the batch, the file, and what else it said."""

    when: dt.datetime
    user: str
    action: AuditAction
    loads: list[str] = field(default_factory=list)
    load_count: int = 0
    batch: str | None = None
    file_name: str | None = None
    detail: str = ""
    import_id: int | None = None

    @property
    def what(self) -> str:
        """The action in a clerk's words: "Voided loads", "Voided a load"."""
        if self.load_count == 1:
            return _ONE_LOAD.get(self.action, self.action.label)
        return self.action.label

    def loads_text(self, few: int = FEW) -> str:
        """``1001`` for one load; ``5,000 loads: 1001, 1002, 1003, 1004, 1005…`` (the
        first ``few`` named)."""
        if self.load_count == 1 and self.loads:
            return self.loads[0]
        if not self.load_count:
            return ""
        named = self.loads[:few]
        more = "…" if self.load_count > len(named) else ""
        return f"{self.load_count:,} loads" + (f": {', '.join(named)}{more}" if named else "")

    def to_dict(self) -> dict[str, Any]:
        return {"when": self.when, "user": self.user, "action": self.action.value,
                "what": self.what, "loads": self.loads, "load_count": self.load_count,
                "batch": self.batch, "file": self.file_name, "detail": self.detail,
                "import_id": self.import_id}


def entries_of(work: Work, rows: list[Any]) -> list[AuditEntry]:
    """The entries of ``rows``, the window of services/audit.py's UNION (its columns)."""
    batches = _batches(work, {r.batch_id for r in rows if r.batch_id is not None})
    imports = _imports(work, {r.import_id for r in rows if r.import_id is not None})
    few = _first_loads(work, [r for r in rows if r.first_id is not None])
    docs = _document_loads(work, [r for r in rows if r.source == "attach"])
    entries = []
    for r in rows:
        batch = batches.get(r.batch_id) if r.batch_id is not None else None
        label = batch.label if batch is not None else None
        entry = AuditEntry(when=r.at, user=r.by, action=AuditAction.CHANGED, batch=label,
                           file_name=r.file_name, load_count=r.n, import_id=r.import_id)
        if r.first_id is not None:
            entry.loads = few.get(_key(r), [])
        if r.source == "move":
            _move(entry, r, batch)
        elif r.source in ("import", "undo"):
            _upload(entry, r, imports.get(r.import_id))
        elif r.source == "attach":
            entry.action = AuditAction.ATTACHED
            entry.loads = docs.get((r.at, r.by), [])
            if r.items > 1:
                entry.detail = f"{r.items:,} documents"
                entry.file_name = None
            else:
                entry.detail = _doc_kind(r.was)
        elif r.source == "send":
            entry.action = AuditAction.EMAILED_BATCH
            how = "written as an .eml draft" if r.was == "eml" else "emailed"
            entry.detail = f"{how} to {r.reason}" + (
                f" in {r.items} parts" if r.items > 1 else "")
        elif r.source == "mapping":
            entry.action = AuditAction.SAVED_MAPPING
            kind = _kind(r.was)
            words = _REPORT_WORDS[kind] if kind else r.was
            entry.detail = f"{words} columns of {r.reason}"
        elif r.source == "reverse":
            entry.action = AuditAction.REVERSED_BATCH
            entry.detail = r.reason or ""
        elif r.source == "info":
            entry.action = AuditAction.SAVED_INFO
            entry.detail = f"{_info_kind(r.was)} of {r.reason}"
        entries.append(entry)
    return entries


def _move(entry: AuditEntry, r: Any, batch: Any) -> None:
    was, to = (S(r.was) if r.was else None), S(r.what)
    entry.detail = r.reason
    if r.action is not None:  # the statuses alone do not say it: the row does
        entry.action = _BY_HISTORY_ACTION[HistoryAction(r.action)]
        if entry.action == AuditAction.REVERSED_BATCH and batch is not None:
            entry.detail = batch.reverse_reason or r.reason
        elif entry.action == AuditAction.RECALLED and batch is not None:
            entry.detail = r.reason
        return
    action = AuditAction.CHANGED
    if was is None:
        action = AuditAction.ADDED_LOADS
    elif to == S.VOID:
        action = AuditAction.VOIDED
    elif (was, to) == (S.RELEASED, S.QUEUED):
        action = AuditAction.CREATED_INVOICES
    elif (was, to) == (S.QUEUED, S.RELEASED):
        action = AuditAction.BACK_TO_RELEASED
    elif (was, to) == (S.QUEUED, S.INVOICED) and batch is not None:
        action = AuditAction.SUBMITTED_BATCH
        entry.detail = (f"{batch.invoice_count:,} invoices, "
                        f"{format_money(from_cents(batch.total_cents))}")
    if action == AuditAction.CHANGED and was is not None and was != to:
        entry.detail = f"{was} → {to}: {r.reason}"
    entry.action = action


def _upload(entry: AuditEntry, r: Any, imp: Any) -> None:
    kind = _kind(r.what)
    words = _REPORT_WORDS.get(kind, r.what) if kind else r.what
    if r.source == "undo":
        entry.action = AuditAction.UNDID_IMPORT
        entry.detail = (f"import #{r.import_id}, the {words}"
                        + (f"; {r.n:,} loads moved back" if r.n else ""))
        return
    entry.action = _UPLOADS.get(kind, AuditAction.CHANGED) if kind else AuditAction.CHANGED
    if imp is None:
        return
    rows = f"{imp.rows_total:,} row{'s' if imp.rows_total != 1 else ''}"
    if kind == ReportKind.LOADS:
        entry.detail = f"import #{imp.id}: {rows}" + (
            f", {imp.rows_skipped:,} skipped" if imp.rows_skipped else "")
    else:
        entry.detail = f"import #{imp.id}: {rows}, {imp.rows_applied:,} applied" + (
            f", {imp.rows_skipped:,} skipped" if imp.rows_skipped else "")
    if imp.status == "undone":
        entry.detail += f" (undone {imp.undone_at:%m/%d/%Y} by {imp.undone_by})"


def _kind(value: str | None) -> ReportKind | None:
    try:
        return ReportKind(value or "")
    except ValueError:
        return None


def _doc_kind(value: str | None) -> str:
    try:
        return DocumentKind(value or "").label
    except ValueError:
        return value or ""


def _info_kind(value: str | None) -> str:
    try:
        return InfoKind(value or "").label
    except ValueError:
        return value or ""


def _batches(work: Work, ids: set[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for part in chunks(sorted(ids)):
        for b in work.execute(
                select(Batch.id, Batch.label, Batch.invoice_count, Batch.total_cents,
                       Batch.reversed_at, Batch.reverse_reason).where(Batch.id.in_(part))):
            found[b.id] = b
    return found


def _imports(work: Work, ids: set[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for part in chunks(sorted(ids)):
        for i in work.execute(
                select(ReportImport.id, ReportImport.rows_total, ReportImport.rows_applied,
                       ReportImport.rows_skipped, ReportImport.status,
                       ReportImport.undone_at, ReportImport.undone_by)
                .where(ReportImport.id.in_(part))):
            found[i.id] = i
    return found


def _key(r: Any) -> tuple[Any, ...]:
    """What the history rows of an entry share (see ``_history_key``)."""
    if r.source == "move":
        return ("move", r.at, r.by, r.was, r.what, r.reason, r.batch_id)
    return (r.source, r.import_id)


def _history_key(h: Any) -> tuple[Any, ...]:
    if h.import_id is None:
        return ("move", h.at, h.by, h.from_status, h.to_status, h.reason, h.batch_id)
    undo = any(h.from_status == a.value and h.to_status == b.value for a, b in UNDO_MOVES)
    return ("undo" if undo else "import", h.import_id)


_SPAN = FEW * 4  # history ids read from a large entry's first: room for another clerk's


def _first_loads(work: Work, rows: list[Any]) -> dict[tuple[Any, ...], list[str]]:
    """The first few load numbers of each entry: its history rows from its first id on
    (one action's rows are written together, so they follow one another)."""
    wanted = {_key(r) for r in rows}
    found: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    ids = sorted({i for r in rows
                  for i in range(r.first_id, r.first_id + (r.n if r.n <= FEW else _SPAN))})
    sh = StatusHistory
    for part in chunks(ids):
        for h in work.execute(
                select(sh.id, sh.at, sh.by, sh.from_status, sh.to_status, sh.reason,
                       sh.batch_id, sh.import_id, Load.load_number)
                .join(Load, Load.id == sh.load_id).where(sh.id.in_(part)).order_by(sh.id)):
            key = _history_key(h)
            loads = found[key]
            if key in wanted and len(loads) < FEW and h.load_number not in loads:
                loads.append(h.load_number)
    return found


def _document_loads(work: Work, rows: list[Any]) -> dict[tuple[dt.datetime, str], list[str]]:
    """The first few loads of each moment documents were attached at."""
    found: dict[tuple[dt.datetime, str], list[str]] = defaultdict(list)
    moments = sorted({r.at for r in rows})
    sd = SupportingDocument
    for part in chunks(moments):
        for d in work.execute(
                select(sd.added_at, sd.added_by, Load.load_number)
                .join(Load, Load.id == sd.load_id)
                .where(sd.added_at.in_(part))
                .order_by(sd.id)):
            loads = found[(d.added_at, d.added_by)]
            if len(loads) < FEW and d.load_number not in loads:
                loads.append(d.load_number)
    return found
