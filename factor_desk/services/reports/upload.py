"""The steps of an upload of the factor's reports: check it (the preview) and apply it.

Each step runs in the unit of work it is given: the Desk reads the file first (outside any
transaction), opens the work, and runs the retry after a lost race (see ``apply_report``).

Applying is one transaction: nothing applies if any row is an error. The same file is
never applied twice, nor the same payment reference, nor an invoice bought twice: the
checks say so, and the database's unique indexes hold it when two clerks apply at once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

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
from factor_desk.domain.errors import EnvironmentRefused, InputRefused
from factor_desk.domain.factor_reports import ImportStatus, Outcome, PurchaseStatus, ReportKind
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.services.batches import find_batch
from factor_desk.services.common import Progress, chunks, current_user, gc_paused
from factor_desk.services.reports.bulk import move_loads, named_in, write_rows
from factor_desk.services.reports.checking import check_rows, text_of
from factor_desk.services.reports.columns import ReportFile
from factor_desk.services.reports.outcomes import (
    ImportResult,
    PaymentValues,
    Preview,
    PurchaseValues,
    ReportCancelled,
    RowOutcome,
    refusal_summary,
    refusals,
)
from factor_desk.services.reports.payments import PaymentRules
from factor_desk.services.reports.purchase import PurchaseRules
from factor_desk.services.reports.reserve import ReserveRules, write_reserve

WRITE_CHUNK = 5000


def preview_report(work: Work, upload: ReportFile, *, batch: str | None = None,
                   should_stop: Callable[[], bool] | None = None, factor: str | None = None
                   ) -> Iterator[Progress]:
    """Check every row of a purchase report (for ``batch``), a payment report or a reserve
    report (of ``factor``, for its rows that name no invoice) and say what applying it
    would do. Changes nothing. The last item carries the Preview."""
    with gc_paused():
        yield from _check(work, upload, batch, should_stop or (lambda: False), factor)


def _check(work: Work, upload: ReportFile, batch: str | None,
           should_stop: Callable[[], bool], factor: str | None = None
           ) -> Iterator[Progress]:
    if upload.kind == ReportKind.RESERVE:
        return check_rows(work, upload, functools.partial(ReserveRules, factor=factor),
                          should_stop)
    if upload.kind == ReportKind.PURCHASE:
        if not batch:
            raise InputRefused(["Choose the batch this purchase report is for."])
        return check_rows(work, upload, functools.partial(PurchaseRules, batch_name=batch),
                          should_stop)
    return check_rows(work, upload, PaymentRules, should_stop)


# ------------------------------------------------------------------ apply


def apply_report(work: Work, upload: ReportFile, *, batch: str | None = None,
                 allow_missing: bool = False, user: str | None = None,
                 should_stop: Callable[[], bool] | None = None, raced: bool = False,
                 factor: str | None = None) -> Generator[Progress, None, ImportResult]:
    """Check ``upload`` again in this write and apply it, all or nothing. Refused, with
    every reason and nothing changed, when any row is an error, the file was already
    imported, or (purchase) invoices of the batch are missing and ``allow_missing`` is not
    given. Yields the checking's progress; returns the ImportResult (the caller yields
    ``applied(result)`` once the work is committed).

    On PostgreSQL two clerks applying at the same moment both pass the checks; the
    database's unique indexes (the same file, a payment reference, an invoice bought) then
    stop the later one, whose work raises. The caller asks ``lost_a_race`` and, if so, runs
    this again in a new work with ``raced=True`` (at most ``ATTEMPTS`` times in all): it is
    checked against what the other clerk committed, and refused with the usual reasons."""
    should_stop = should_stop or (lambda: False)
    user = user or current_user(work)
    if upload.kind == ReportKind.PURCHASE and batch:
        _share_batch(work, batch)
    if upload.kind == ReportKind.PAYMENTS:
        _lock_paid_loads(work, upload)
    with gc_paused():
        preview: Preview | None = None
        for step in _check(work, upload, batch, should_stop, factor):
            if step.result is None:
                yield step
            preview = step.result
        assert preview is not None  # the last step carries it
        problems = refusals(preview, allow_missing)
        if problems:
            raise InputRefused(problems, summary=refusal_summary(preview, problems, raced))
        if should_stop():
            raise ReportCancelled()
        # not the rows an earlier import applied already, nor a portal's footer
        applying = [r for r in preview.rows
                    if r.outcome != Outcome.ERROR and r.values is not None]
        imp = ReportImport(
            kind=upload.kind.value, file_name=preview.file_name, sha256=preview.sha256,
            batch_id=find_batch(work, preview.batch).id if preview.batch else None,
            imported_at=utcnow(), imported_by=user, rows_total=len(preview.rows),
            rows_applied=len(applying),
            rows_skipped=len(preview.rows) - len(applying), status=ImportStatus.APPLIED.value)
        work.add(imp)
        work.flush()
        work.store.put(work, upload.data)  # the original file, kept with the import
        try:
            if upload.kind == ReportKind.PURCHASE:
                _write_purchase(work, imp, applying, user)
            elif upload.kind == ReportKind.RESERVE:
                write_reserve(work, imp, applying, user)
            else:
                _write_payments(work, imp, applying, user)
        except (ReportCancelled, EnvironmentRefused):  # the server lost: not a race
            raise
        except InputRefused as exc:  # move_loads: a load moved since the check
            raise Overtaken(exc) from exc
        if should_stop():
            raise ReportCancelled()
        return ImportResult(import_id=imp.id, kind=upload.kind, file_name=preview.file_name,
                            batch=preview.batch, rows_applied=len(applying), preview=preview)


def _share_batch(work: Work, batch: str) -> None:
    """Lock the batch's row (shared) until commit, before the checks read its invoices: a
    recall or a reverse of it (which lock it for update, services/recall.py) is then either
    committed before this upload is checked (and the check sees the invoices recalled) or
    waits for it (and sees what it applied). Without it, a report whose rows move no load
    (every invoice Held or Rejected) was applied to a batch reversed at that moment."""
    found = find_batch(work, batch)
    work.execute(select(Batch.id).where(Batch.id == found.id).with_for_update(read=True))
    work.refresh(found)
    if found.reversed_at is not None:
        raise InputRefused([
            f"Batch {found.label} was reversed on {found.reversed_at:%m/%d/%Y} by "
            f"{found.reversed_by} ({found.reverse_reason}); a purchase report cannot be "
            "applied to it. Its loads went back to Queued: batch them again."])


def _lock_paid_loads(work: Work, upload: ReportFile) -> None:
    """Lock the loads a payment report names (for update, until commit, in the order of
    their ids) before its rows are checked: another payment report, a close or a direct
    payment of the same load at that moment then takes turns with this one, and the later
    checks the balance the earlier left. Without it two partial payments applied at once
    could both pass and leave a load paid in full Financed. (SQLite runs one writer at a
    time: nothing to lock.)"""
    if work.connection().dialect.name == "sqlite":
        return
    columns = upload.columns
    wanted: dict[str, set[str]] = {"invoice_number": set(), "load_number": set()}
    for _, cells in upload.table.rows:
        for name, found in wanted.items():
            if text := text_of(cells, columns, name):
                found.add(text)
    ids: set[int] = set()
    for named in named_in(work, Invoice.invoice_number, wanted["invoice_number"]):
        ids.update(work.execute(select(Invoice.load_id).where(
            named, Invoice.recalled_at.is_(None))).scalars())
    for named in named_in(work, Load.load_number, wanted["load_number"]):
        ids.update(work.execute(select(Load.id).where(named)).scalars())
    for named in named_in(work, Load.id, ids):
        work.execute(select(Load.id).where(named).order_by(Load.id).with_for_update()).all()


def applied(result: ImportResult) -> Progress:
    """The last item of an applied upload's progress: it carries the ImportResult."""
    n = len(result.preview.rows)
    return Progress(n, n, f"Applied as import #{result.import_id}", result)


# A loser is checked again at once: the winner has committed by then, so the second check
# refuses it. More attempts only matter when winners keep being undone in between.
ATTEMPTS = 3

# The unique indexes that make "applied once" hold (see db/models.py), and how SQLite names
# the columns of each when it refuses a row.
_ONCE_INDEXES = {
    "uq_report_imports_applied_file": "report_imports.kind, report_imports.sha256",
    "uq_payments_reference_number": "payments.reference_number",
    "uq_purchase_records_purchased_invoice": "purchase_records.invoice_id",
    "uq_ledger_entries_kind_reference": "ledger_entries.kind, ledger_entries.reference",
}
_RACE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


class Overtaken(Exception):
    """A load moved under us between the check and the write: another clerk's import."""

    def __init__(self, refusal: InputRefused):
        super().__init__(str(refusal))
        self.refusal = refusal


# What an apply's work may raise when another clerk applied the same thing first.
RACE_ERRORS = (IntegrityError, OperationalError, Overtaken)


def lost_a_race(exc: Exception) -> bool:
    """Whether ``exc`` (one of RACE_ERRORS) says another transaction applied the same thing
    first."""
    if isinstance(exc, Overtaken):
        return True
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    if isinstance(exc, OperationalError):
        return getattr(orig, "sqlstate", None) in _RACE_SQLSTATES
    if diag is not None:  # PostgreSQL names the index
        return getattr(diag, "constraint_name", None) in _ONCE_INDEXES
    return any(str(orig) == f"UNIQUE constraint failed: {cols}"
               for cols in _ONCE_INDEXES.values())


def raise_unless_retried(exc: Exception, attempt: int) -> None:
    """After ``attempt`` failed with ``exc`` (one of RACE_ERRORS): return when it is worth
    another attempt (it lost a race, and attempts are left), else raise what the clerk
    should see (the refusal of an overtaken upload, or the error itself)."""
    if attempt < ATTEMPTS and lost_a_race(exc):
        return
    raise (exc.refusal if isinstance(exc, Overtaken) else exc) from None


# ------------------------------------------------------------------ writing


def _write_purchase(work: Work, imp: ReportImport, rows: list[RowOutcome],
                    user: str) -> None:
    # In the order of the unique key, so that two clerks racing take its entries in the
    # same order: the later one waits and is refused instead of deadlocking.
    rows = sorted(rows, key=lambda r: r.invoice_id or 0)
    keys = ("import_id", "invoice_id", "row_number", *PurchaseValues.KEYS)
    for part in chunks(rows, WRITE_CHUNK):  # bounded parameter lists keep memory flat
        # Tuples through write_rows: Core executemany built and processed a dict per row.
        write_rows(work, PurchaseRecord.__table__, keys, [
            (imp.id, r.invoice_id, r.row, *_purchase(r).row()) for r in part])
    bought = [_load_of(r) for r in rows if _purchase(r).status == PurchaseStatus.PURCHASED]
    move_loads(work, bought, BillingStatus.INVOICED, BillingStatus.FINANCED, by=user,
               reason=f"Purchase report {imp.file_name} (import #{imp.id})", import_id=imp.id)


def _write_payments(work: Work, imp: ReportImport, rows: list[RowOutcome],
                    user: str) -> None:
    """The payments; a short pay entry for each row that closes its invoice with a rest
    open; the loads whose invoices the file completes move to Completed. A partial payment
    leaves its load Financed (#13)."""
    rows = sorted(rows, key=lambda r: _payment(r).reference_number)  # see _write_purchase
    keys = ("import_id", "invoice_id", "row_number", *PaymentValues.KEYS)
    for part in chunks(rows, WRITE_CHUNK):
        write_rows(work, Payment.__table__, keys, [  # see _write_purchase
            (imp.id, r.invoice_id, r.row, *_payment(r).row()) for r in part])
    short = sorted((r for r in rows if _payment(r).short_pay_cents > 0),
                   key=lambda r: r.row)
    if short:
        factor_of = factors_of(work, [r.invoice_id for r in short if r.invoice_id])
        now = utcnow()
        entry_keys = ("kind", "invoice_id", "load_id", "factoring_company_id", "import_id",
                      "row_number", "entry_date", "amount_cents", "reference", "reason",
                      "at", "by")
        for part in chunks(short, WRITE_CHUNK):
            write_rows(work, LedgerEntry.__table__, entry_keys, [
                (EntryKind.SHORT_PAY.value, r.invoice_id, r.load_id,
                 factor_of.get(r.invoice_id or 0), imp.id, r.row, v.payment_date,
                 v.short_pay_cents, v.reference_number,
                 v.short_pay_reason or FINAL_WITHOUT_REASON, now, user)
                for r in part for v in (_payment(r),)])
    loads = list({r.load_id: _load_of(r) for r in rows if _payment(r).completes}.values())
    move_loads(work, loads, BillingStatus.FINANCED, BillingStatus.COMPLETED, by=user,
               reason=f"Payment report {imp.file_name} (import #{imp.id})", import_id=imp.id)


# The reason a short pay entry keeps when the row that wrote it was marked Final only.
FINAL_WITHOUT_REASON = "marked final, no reason given"


def factors_of(work: Work, invoice_ids: list[int]) -> dict[int, int]:
    """The factoring company of each invoice (its batch's)."""
    found: dict[int, int] = {}
    for named in named_in(work, Invoice.id, set(invoice_ids)):
        found.update((i, f) for i, f in work.execute(
            select(Invoice.id, Batch.factoring_company_id)
            .join(Batch, Batch.id == Invoice.batch_id).where(named)).all())
    return found


def _load_of(r: RowOutcome) -> tuple[int, str]:
    """The load a row that applies moves (its ids are filled when the row is checked)."""
    assert r.load_id is not None
    return r.load_id, r.load_number


def _purchase(r: RowOutcome) -> PurchaseValues:
    assert isinstance(r.values, PurchaseValues)
    return r.values


def _payment(r: RowOutcome) -> PaymentValues:
    assert isinstance(r.values, PaymentValues)
    return r.values
