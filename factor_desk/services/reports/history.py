"""Every import of the factor's reports, the original file of each, and undoing one
exactly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    CursorResult,
    Row,
    delete,
    select,
    union,
)
from sqlalchemy.orm import InstrumentedAttribute

from factor_desk.db.models import (
    Batch,
    Invoice,
    LedgerEntry,
    Load,
    Payment,
    PurchaseRecord,
    ReportImport,
    StatusHistory,
    utcnow,
)
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.domain.factor_reports import ImportStatus, PurchaseStatus, ReportKind
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.services.common import chunks, current_user
from factor_desk.services.lifecycle import move_loads
from factor_desk.services.reports.reserve import undo_reserve


@dataclass
class ImportInfo:
    id: int
    kind: ReportKind
    file_name: str
    sha256: str
    batch: str | None
    imported_at: dt.datetime  # UTC
    imported_by: str
    rows: int
    rows_applied: int
    status: ImportStatus
    undone_at: dt.datetime | None
    undone_by: str | None


def import_history(work: Work,
                   kinds: tuple[ReportKind, ...] = (ReportKind.PURCHASE, ReportKind.PAYMENTS,
                                                    ReportKind.RESERVE)
                   ) -> list[ImportInfo]:
    """Every upload of the factor's reports (or of ``kinds``), newest first."""
    rows = work.execute(
        select(ReportImport, Batch.label).outerjoin(Batch, Batch.id == ReportImport.batch_id)
        .where(ReportImport.kind.in_([k.value for k in kinds]))
        .order_by(ReportImport.id.desc())).all()
    return [ImportInfo(
        id=i.id, kind=ReportKind(i.kind), file_name=i.file_name, sha256=i.sha256, batch=label,
        imported_at=i.imported_at, imported_by=i.imported_by, rows=i.rows_total,
        rows_applied=i.rows_applied, status=ImportStatus(i.status), undone_at=i.undone_at,
        undone_by=i.undone_by) for i, label in rows]


def import_file(work: Work, import_id: int) -> tuple[str, bytes]:
    """The original file of an import, as it was uploaded."""
    imp = work.get(ReportImport, import_id)
    if imp is None:
        raise NotFound(f"No import #{import_id}.")
    return imp.file_name, work.store.get(work, imp.sha256)


@dataclass
class UndoResult:
    import_id: int
    kind: ReportKind
    loads_moved_back: int
    records_removed: int


def undo_import(work: Work, import_id: int, *, user: str | None = None) -> UndoResult:
    """Reverse exactly what an import did: its records go, its loads move back a step (with
    history rows), and it is marked undone. Refused when a later import depends on it.

    A payment import's records are its payments and the short pays it wrote off; only the
    loads it completed move back to Financed (a partial payment moved none).

    On PostgreSQL the server holds to it too (migration 0016, db/undo_guard.py): an import
    marked undone without its records deleted and each load it moved moved back, with a
    history row naming it, in the same transaction, is refused at commit. The status is
    written last (``_undone``, flushed at commit), after what it stands for."""
    user = user or current_user(work)
    imp = work.get(ReportImport, import_id)
    if imp is None:
        raise NotFound(f"No import #{import_id}.")
    _lock_for_undo(work, imp)
    if imp.status == ImportStatus.UNDONE:
        raise InputRefused([f"Import #{imp.id} was already undone on "
                            f"{imp.undone_at:%m/%d/%Y} by {imp.undone_by}."])
    if imp.kind == ReportKind.RESERVE:
        moved_back, removed = undo_reserve(work, imp, user)
        return _undone(imp, user, moved_back, removed)
    if imp.kind == ReportKind.PURCHASE:
        return _undo_purchase(work, imp, user)
    if imp.kind == ReportKind.PAYMENTS:
        return _undo_payments(work, imp, user)
    raise InputRefused([f"Import #{imp.id} is a loads import; loads are removed from "
                        "Factor Desk one by one, not by undoing their import."])


def _lock_for_undo(work: Work, imp: ReportImport) -> None:
    """Lock the import's row, then the loads it touched (for update, in the order of their
    ids, until commit) before the undo's checks (PostgreSQL; SQLite runs one writer at a
    time). A close, a direct payment or a payment report of one of those loads at that
    moment (which lock the load too) then takes turns with the undo: either it is committed
    first and the undo sees it (and is refused), or it waits and sees what the undo left.
    Without it, an undo and a close at once left a Completed load with a balance nobody
    owed, and a chargeback's undo a Financed load with a direct payment."""
    work.execute(select(ReportImport.id).where(ReportImport.id == imp.id).with_for_update())
    work.refresh(imp)
    touched: CompoundSelect[tuple[int | None]] = union(
        select(Invoice.load_id).join(Payment, Payment.invoice_id == Invoice.id)
        .where(Payment.import_id == imp.id),
        select(Invoice.load_id).join(PurchaseRecord, PurchaseRecord.invoice_id == Invoice.id)
        .where(PurchaseRecord.import_id == imp.id),
        select(LedgerEntry.load_id).where(LedgerEntry.import_id == imp.id,
                                          LedgerEntry.load_id.is_not(None)))
    load_ids = sorted(i for i in work.execute(touched).scalars() if i is not None)
    for part in chunks(load_ids):
        work.execute(select(Load.id).where(Load.id.in_(part)).order_by(Load.id)
                     .with_for_update()).all()


def _undo_purchase(work: Work, imp: ReportImport, user: str) -> UndoResult:
    moved = work.execute(
        select(Load.id, Load.load_number)
        .join(Invoice, Invoice.load_id == Load.id)
        .join(PurchaseRecord, PurchaseRecord.invoice_id == Invoice.id)
        .where(PurchaseRecord.import_id == imp.id,
               PurchaseRecord.status == PurchaseStatus.PURCHASED)).all()
    load_ids = [m[0] for m in moved]
    later: list[Row[int, dt.datetime, str]] = []
    for part in chunks(load_ids):
        later += work.execute(
            select(ReportImport.id, ReportImport.imported_at, Load.load_number)
            .join(Payment, Payment.import_id == ReportImport.id)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .join(Load, Load.id == Invoice.load_id)
            .where(Load.id.in_(part), ReportImport.status == ImportStatus.APPLIED)).all()
    if later:
        later.sort()
        first_id, when, load_number = later[0]
        ids = sorted({r[0] for r in later})
        raise InputRefused([
            f"Import #{imp.id} cannot be undone: payment import "
            f"{', '.join(f'#{i}' for i in ids)} (first on {when:%m/%d/%Y}) paid "
            f"load {load_number}, which this purchase report financed. Undo "
            f"{'that import' if len(ids) == 1 else 'those imports'} first."])
    entry = _first_entry(work, LedgerEntry.load_id, load_ids)
    if entry is not None:
        raise InputRefused([
            f"Import #{imp.id} cannot be undone: {entry} after this purchase report "
            "financed it."])
    records = _delete(work, PurchaseRecord, imp.id)
    move_loads(work, [(lid, number) for lid, number in moved], BillingStatus.FINANCED,
               BillingStatus.INVOICED, by=user,
               reason=f"Undo of import #{imp.id} ({imp.file_name})", import_id=imp.id,
               undo=True)
    return _undone(imp, user, len(moved), records)


def _undo_payments(work: Work, imp: ReportImport, user: str) -> UndoResult:
    invoice_ids = sorted(set(work.execute(
        select(Payment.invoice_id).where(Payment.import_id == imp.id)).scalars().all()))
    later: list[Row[int, dt.datetime, str]] = []
    for part in chunks(invoice_ids):
        later += work.execute(
            select(ReportImport.id, ReportImport.imported_at, Invoice.invoice_number)
            .join(Payment, Payment.import_id == ReportImport.id)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(Payment.invoice_id.in_(part), ReportImport.id > imp.id,
                   ReportImport.status == ImportStatus.APPLIED)).all()
    if later:
        later.sort()
        first_id, when, invoice_number = later[0]
        ids = sorted({r[0] for r in later})
        raise InputRefused([
            f"Import #{imp.id} cannot be undone: payment import #{first_id} (on "
            f"{when:%m/%d/%Y}) also paid invoice {invoice_number} after it. Undo import "
            + " and ".join(f"#{i}" for i in reversed(ids)) + " first."])
    # what was recorded on its balance or its status since: a close, a direct payment, a
    # chargeback (a reserve release or fee does not depend on what was paid)
    entry = _first_entry(work, LedgerEntry.invoice_id, invoice_ids,
                         LedgerEntry.import_id.is_(None) | (LedgerEntry.import_id > imp.id),
                         LedgerEntry.kind.in_([k.value for k in _ON_THE_BALANCE]))
    if entry is not None:
        raise InputRefused([f"Import #{imp.id} cannot be undone: {entry} after it."])
    # the loads this import completed: its own history rows say which
    completed = work.execute(
        select(Load.id, Load.load_number)
        .join(StatusHistory, StatusHistory.load_id == Load.id)
        .where(StatusHistory.import_id == imp.id,
               StatusHistory.from_status == BillingStatus.FINANCED.value,
               StatusHistory.to_status == BillingStatus.COMPLETED.value)
        .distinct()).all()
    records = _delete(work, Payment, imp.id) + _delete(work, LedgerEntry, imp.id)
    move_loads(work, [(lid, number) for lid, number in completed], BillingStatus.COMPLETED,
               BillingStatus.FINANCED, by=user,
               reason=f"Undo of import #{imp.id} ({imp.file_name})", import_id=imp.id,
               undo=True)
    return _undone(imp, user, len(completed), records)


_ON_THE_BALANCE = (EntryKind.SHORT_PAY, EntryKind.DIRECT_PAYMENT, EntryKind.CHARGEBACK)
_ENTRY_WORDS = {EntryKind.SHORT_PAY: "a short pay", EntryKind.DIRECT_PAYMENT:
                "a direct payment", EntryKind.CHARGEBACK: "a chargeback",
                EntryKind.RELEASE: "a reserve release", EntryKind.FEE: "a reserve fee",
                EntryKind.ADJUSTMENT: "a reserve adjustment"}


def _first_entry(work: Work, column: InstrumentedAttribute[int | None], ids: list[int],
                 *where: ColumnElement[bool]) -> str | None:
    """The first ledger entry (of an applied import, or a clerk's) whose ``column`` is one
    of ``ids``, in words: who recorded what on which load; None when there is none."""
    found: list[Row[int, str, int | None, dt.datetime, str, str]] = []
    for part in chunks(ids):
        found += work.execute(
            select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.import_id, LedgerEntry.at,
                   LedgerEntry.by, Load.load_number)
            .join(Load, Load.id == LedgerEntry.load_id)
            .outerjoin(ReportImport, ReportImport.id == LedgerEntry.import_id)
            .where(column.in_(part), *where,
                   LedgerEntry.import_id.is_(None)
                   | (ReportImport.status == ImportStatus.APPLIED))).all()
    if not found:
        return None
    _, kind, import_id, at, by, load_number = min(found)
    what = _ENTRY_WORDS.get(EntryKind(kind), kind)
    if import_id is not None:
        return (f"import #{import_id} recorded {what} for load {load_number} (undo import "
                f"#{import_id} first)")
    return f"{by} recorded {what} for load {load_number} on {at:%m/%d/%Y}"


def _delete(work: Work, model: type[PurchaseRecord] | type[Payment] | type[LedgerEntry],
            import_id: int) -> int:
    return cast(CursorResult[Any], work.execute(
        delete(model).where(model.import_id == import_id)
        .execution_options(synchronize_session=False))).rowcount


def _undone(imp: ReportImport, user: str, moved: int, records: int) -> UndoResult:
    imp.status = ImportStatus.UNDONE.value
    imp.undone_at = utcnow()
    imp.undone_by = user
    return UndoResult(import_id=imp.id, kind=ReportKind(imp.kind), loads_moved_back=moved,
                      records_removed=records)
