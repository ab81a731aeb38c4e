"""The audit (issue #15): who did what, when, to which loads and batches, from which file,
read from what the history already holds.

One UNION of the sources, grouped and ordered in SQL, newest first and cut at the window:
- ``status_history``: every move or change of a load, one entry per action (the rows one
  action wrote share its moment, clerk, statuses, reason and batch), not per load; the
  rows of an import belong to the import's entry (or its undo's).
- ``report_imports``: each upload (loads, purchase, payment, reserve report) and each undo.
- ``supporting_documents``: documents attached (those of one moment together).
- ``batch_sends``: a batch emailed (its parts together).
- ``column_mappings``, ``important_info``: the last save of each.

Not read, because each of their rows is told already: ``ledger_entries`` (a clerk's close,
direct payment or take-back writes a history row in the same transaction; an import's
entries are the import's), ``invoices.recalled_*`` and ``batches`` (a submit, recall or
reverse moves the batch's loads, a history row each; ``batches`` only for a reverse of a
batch with nothing left in it to move). Then, for the entries of the window only
(services/audit_entries.py): the batches' labels, the imports' rows, and the first few load
numbers of each entry (read by history id from where the entry's rows begin)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union,
    union_all,
)

from factor_desk.db.models import (
    Batch,
    BatchSend,
    ColumnMapping,
    FactoringCompany,
    ImportantInfo,
    ReportImport,
    StatusHistory,
    Subsidiary,
    SupportingDocument,
)
from factor_desk.db.work import Work
from factor_desk.domain.lifecycle import HistoryAction
from factor_desk.services.audit_entries import (
    FEW,
    UNDO_MOVES,
    AuditAction,
    AuditEntry,
    entries_of,
)

__all__ = ["FEW", "LIMIT", "AuditAction", "AuditEntry", "AuditLog", "audit", "audit_users"]

LIMIT = 500  # entries per window, by default


@dataclass
class AuditLog:
    """The entries of the window, newest first; ``more``: older ones were left out (ask for
    a larger ``limit`` or a later ``since``)."""

    entries: list[AuditEntry]
    more: bool
    limit: int
    user: str | None = None
    since: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "since": self.since, "limit": self.limit,
                "more": self.more, "entries": self.entries}


def _text(value: str | None = None) -> ColumnElement[Any]:
    return cast(null(), String) if value is None else literal(value, String)


def _int() -> ColumnElement[Any]:
    return cast(null(), Integer)


def _undo_row(was: Any, to: Any) -> ColumnElement[bool]:
    return or_(*(and_(was == a.value, to == b.value) for a, b in UNDO_MOVES))


# What each source gives: ``n`` the loads of the entry, ``items`` the documents attached
# or the parts of an email, ``first_id`` the first of its history rows.
_COLUMNS = ("at", "by", "source", "was", "what", "reason", "batch_id", "import_id",
            "file_name", "n", "first_id", "items", "action")


def _row(*values: Any) -> list[Any]:
    """The columns of one source; one that names no history action gets none."""
    if len(values) == len(_COLUMNS) - 1:
        values = (*values, _text())
    return [v.label(name) for v, name in zip(values, _COLUMNS, strict=True)]


def _sources(user: str | None, since: dt.date | None) -> list[Select[Any]]:
    start = None if since is None else dt.datetime.combine(since, dt.time())

    def chosen(at: Any, by: Any) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if user is not None:  # folded alike on both sides (SQLite's lower(): ASCII only)
            where.append(func.lower(by) == func.lower(literal(user, String)))
        if start is not None:
            where.append(at >= start)
        return where

    sh = StatusHistory
    moves = (select(*_row(sh.at, sh.by, _text("move"), sh.from_status, sh.to_status,
                          sh.reason, sh.batch_id, _int(), _text(), func.count(),
                          func.min(sh.id), _int(), sh.action))
             .where(sh.import_id.is_(None), *chosen(sh.at, sh.by))
             .group_by(sh.at, sh.by, sh.from_status, sh.to_status, sh.reason, sh.batch_id,
                       sh.action))
    undo = _undo_row(sh.from_status, sh.to_status)
    per_import = (select(sh.import_id,
                         func.count(case((undo, None), else_=1)).label("n_done"),
                         func.min(case((undo, None), else_=sh.id)).label("first_done"),
                         func.count(case((undo, 1))).label("n_undone"),
                         func.min(case((undo, sh.id))).label("first_undone"))
                  .where(sh.import_id.is_not(None)).group_by(sh.import_id)
                  .cte("import_moves"))
    ri = ReportImport
    imports = (select(*_row(ri.imported_at, ri.imported_by, _text("import"), _text(), ri.kind,
                            _text(), ri.batch_id, ri.id, ri.file_name,
                            func.coalesce(per_import.c.n_done, 0), per_import.c.first_done,
                            _int()))
               .outerjoin(per_import, per_import.c.import_id == ri.id)
               .where(*chosen(ri.imported_at, ri.imported_by)))
    undos = (select(*_row(ri.undone_at, ri.undone_by, _text("undo"), _text(), ri.kind,
                          _text(), ri.batch_id, ri.id, ri.file_name,
                          func.coalesce(per_import.c.n_undone, 0),
                          per_import.c.first_undone, _int()))
             .outerjoin(per_import, per_import.c.import_id == ri.id)
             .where(ri.undone_at.is_not(None), *chosen(ri.undone_at, ri.undone_by)))
    sd = SupportingDocument
    attached = (select(*_row(sd.added_at, sd.added_by, _text("attach"), func.min(sd.kind),
                             _text(), _text(), _int(), _int(), func.min(sd.file_name),
                             func.count(sd.load_id.distinct()), _int(), func.count()))
                .where(*chosen(sd.added_at, sd.added_by))
                .group_by(sd.added_at, sd.added_by))
    bs = BatchSend
    sent = (select(*_row(bs.sent_at, bs.sent_by, _text("send"), bs.via, _text(),
                         bs.to_address, bs.batch_id, _int(), _text(), literal(0), _int(),
                         func.count()))
            .where(*chosen(bs.sent_at, bs.sent_by))
            .group_by(bs.sent_at, bs.sent_by, bs.via, bs.to_address, bs.batch_id))
    cm = ColumnMapping
    mappings = (select(*_row(cm.saved_at, cm.saved_by, _text("mapping"), cm.kind, _text(),
                             FactoringCompany.name, _int(), _int(), _text(), literal(0),
                             _int(), _int()))
                .join(FactoringCompany, FactoringCompany.id == cm.factoring_company_id)
                .where(*chosen(cm.saved_at, cm.saved_by)))
    ii = ImportantInfo
    infos = (select(*_row(ii.updated_at, ii.updated_by, _text("info"), ii.kind, _text(),
                          Subsidiary.name, _int(), _int(), _text(), literal(0), _int(),
                          _int()))
             .join(Subsidiary, Subsidiary.id == ii.subsidiary_id)
             .where(*chosen(ii.updated_at, ii.updated_by)))
    # A batch reversed when every invoice in it was recalled already moved no load, so no
    # history row of the reversal (action 'reversed', migration 0012) tells it.
    b = Batch
    reversed_alone = (
        select(*_row(b.reversed_at, b.reversed_by, _text("reverse"), _text(), _text(),
                     b.reverse_reason, b.id, _int(), _text(), literal(0), _int(), _int()))
        .where(b.reversed_at.is_not(None), *chosen(b.reversed_at, b.reversed_by),
               ~select(sh.id).where(sh.batch_id == b.id,
                                    sh.action == HistoryAction.REVERSED.value).exists()))
    return [moves, imports, undos, attached, sent, mappings, infos, reversed_alone]


def audit(work: Work, *, user: str | None = None, since: dt.date | None = None,
          limit: int = LIMIT) -> AuditLog:
    """The audit's entries, newest first: ``user`` (a login, any case) did them, on or
    after the day ``since`` (UTC); at most ``limit``, with ``more`` when older ones
    were left out."""
    if limit < 1:
        raise ValueError("the limit of an audit is at least 1")
    user = (user or "").strip() or None
    if user is not None and "\x00" in user:  # no login has one (PostgreSQL refuses it)
        return AuditLog([], False, limit, user, since)
    everything = union_all(*_sources(user, since)).subquery("audit")
    rows: list[Any] = list(work.execute(
        select(everything).order_by(everything.c.at.desc(),
                                    everything.c.first_id.desc().nulls_last(),
                                    everything.c.source)
        .limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditLog(entries_of(work, rows), more, limit, user, since)


def audit_users(work: Work) -> list[str]:
    """Every login the history names, in order (the audit's choice of clerk)."""
    found = work.execute(union(
        select(StatusHistory.by), select(ReportImport.imported_by),
        select(ReportImport.undone_by), select(SupportingDocument.added_by),
        select(BatchSend.sent_by), select(ColumnMapping.saved_by),
        select(ImportantInfo.updated_by))).scalars()
    return sorted({u for u in found if u}, key=str.casefold)
