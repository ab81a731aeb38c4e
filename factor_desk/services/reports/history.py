"""Every import of the factor's reports, the original file of each, and undoing one
exactly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from factor_desk.db.models import (
    Batch,
    Invoice,
    LedgerEntry,
    Load,
    Payment,
    PurchaseRecord,
    ReportImport,
    utcnow,
)
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.domain.factor_reports import ImportStatus, PurchaseStatus, ReportKind
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.services.common import current_user
from factor_desk.services.lifecycle import move_loads
from factor_desk.services.reports.reserve import reserve_entries_naming, undo_reserve


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
    history rows), and it is marked undone. Refused when a later import depends on it."""
    user = user or current_user()
    imp = work.get(ReportImport, import_id)
    if imp is None:
        raise NotFound(f"No import #{import_id}.")
    if imp.status == ImportStatus.UNDONE:
        raise InputRefused([f"Import #{imp.id} was already undone on "
                            f"{imp.undone_at:%m/%d/%Y} by {imp.undone_by}."])
    if imp.kind == ReportKind.RESERVE:
        moved_back, removed = undo_reserve(work, imp, user)
        _mark_undone(imp, user)
        return UndoResult(import_id=imp.id, kind=ReportKind.RESERVE,
                          loads_moved_back=moved_back, records_removed=removed)
    model: type[PurchaseRecord] | type[Payment]
    if imp.kind == ReportKind.PURCHASE:
        model, frm, to = PurchaseRecord, BillingStatus.FINANCED, BillingStatus.INVOICED
        moved_stmt = (select(Load.id, Load.load_number, Load.status)
                      .join(Invoice, Invoice.load_id == Load.id)
                      .join(PurchaseRecord, PurchaseRecord.invoice_id == Invoice.id)
                      .where(PurchaseRecord.import_id == imp.id,
                             PurchaseRecord.status == PurchaseStatus.PURCHASED))
    elif imp.kind == ReportKind.PAYMENTS:
        model, frm, to = Payment, BillingStatus.COMPLETED, BillingStatus.FINANCED
        moved_stmt = (select(Load.id, Load.load_number, Load.status)
                      .join(Invoice, Invoice.load_id == Load.id)
                      .join(Payment, Payment.invoice_id == Invoice.id)
                      .where(Payment.import_id == imp.id).distinct())
    else:
        raise InputRefused([f"Import #{imp.id} is a loads import; loads are removed from "
                            "Factor Desk one by one, not by undoing their import."])
    moved = work.execute(moved_stmt).all()
    if imp.kind == ReportKind.PURCHASE:
        later = work.execute(
            select(ReportImport.id, ReportImport.imported_at, Load.load_number)
            .join(Payment, Payment.import_id == ReportImport.id)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .join(Load, Load.id == Invoice.load_id)
            .where(Load.id.in_([m[0] for m in moved] or [-1]),
                   ReportImport.status == ImportStatus.APPLIED)
            .order_by(ReportImport.id)).all()
        if later:
            first_id, when, load_number = later[0]
            ids = sorted({r[0] for r in later})
            raise InputRefused([
                f"Import #{imp.id} cannot be undone: payment import "
                f"{', '.join(f'#{i}' for i in ids)} (first on {when:%m/%d/%Y}) completed "
                f"load {load_number}, which this purchase report financed. Undo "
                f"{'that import' if len(ids) == 1 else 'those imports'} first."])
        bought = [i for (i,) in work.execute(
            select(PurchaseRecord.invoice_id).where(
                PurchaseRecord.import_id == imp.id,
                PurchaseRecord.status == PurchaseStatus.PURCHASED)).all()]
        reserve = reserve_entries_naming(work, bought)
        if reserve:
            ids = sorted({r[0] for r in reserve})
            raise InputRefused([
                f"Import #{imp.id} cannot be undone: reserve import "
                f"{', '.join(f'#{i}' for i in ids)} has a {reserve[0][1]} of load "
                f"{reserve[0][2]}, which this purchase report financed. Undo "
                f"{'that import' if len(ids) == 1 else 'those imports'} first."])
    records = cast(CursorResult[Any], work.execute(
        delete(model).where(model.import_id == imp.id)
        .execution_options(synchronize_session=False))).rowcount
    work.execute(delete(LedgerEntry).where(LedgerEntry.import_id == imp.id)  # its short pays
                 .execution_options(synchronize_session=False))
    move_loads(work, [(lid, number) for lid, number, _ in moved], frm, to, by=user,
               reason=f"Undo of import #{imp.id} ({imp.file_name})", import_id=imp.id,
               undo=True)
    _mark_undone(imp, user)
    return UndoResult(import_id=imp.id, kind=ReportKind(imp.kind), loads_moved_back=len(moved),
                      records_removed=records)


def _mark_undone(imp: ReportImport, user: str) -> None:
    imp.status = ImportStatus.UNDONE.value
    imp.undone_at = utcnow()
    imp.undone_by = user
