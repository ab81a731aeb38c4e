"""What checking an upload finds: every row's outcome and why, the totals, what applying
it would write; and why a checked upload cannot be applied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import Outcome, PurchaseStatus, ReportKind
from factor_desk.domain.ledger import EntryKind


@dataclass(slots=True)
class PurchaseValues:
    """What applying writes for a row of a purchase report (a ``purchase_records`` row)."""

    status: PurchaseStatus
    reason: str
    purchase_date: dt.date | None
    invoice_amount_cents: int
    advance_cents: int | None
    fee_cents: int | None
    reserve_cents: int | None

    # The ``purchase_records`` columns ``row`` gives, in its order.
    KEYS: ClassVar[tuple[str, ...]] = (
        "status", "reason", "purchase_date", "invoice_amount_cents", "advance_cents",
        "fee_cents", "reserve_cents")

    def row(self) -> tuple[object, ...]:
        """The values of ``KEYS``, as written (one tuple, no dict: 50,000 rows a report)."""
        return (self.status.value, self.reason, self.purchase_date,
                self.invoice_amount_cents, self.advance_cents, self.fee_cents,
                self.reserve_cents)


@dataclass(slots=True)
class PaymentValues:
    """What applying writes for a row of a payment report (a ``payments`` row)."""

    payment_date: dt.date
    amount_cents: int
    reference_number: str
    check_number: str
    payment_method: str
    payer: str
    short_pay_reason: str
    note: str
    final: bool = False  # the report's Final column said yes
    # What applying the row does to its invoice, worked out over the invoice's rows in the
    # file's order (not written to ``payments``): whether it completes the load, the short
    # pay it writes off (a final row or one with a reason), and what stays open after it
    # (negative: overpaid).
    completes: bool = False
    short_pay_cents: int = 0
    open_after_cents: int = 0

    # The ``payments`` columns ``row`` gives, in its order.
    KEYS: ClassVar[tuple[str, ...]] = (
        "payment_date", "amount_cents", "reference_number", "check_number",
        "payment_method", "payer", "short_pay_reason", "note", "final")

    def row(self) -> tuple[object, ...]:
        """The values of ``KEYS``, as written (one tuple, no dict: 50,000 rows a report)."""
        return (self.payment_date, self.amount_cents, self.reference_number,
                self.check_number, self.payment_method, self.payer, self.short_pay_reason,
                self.note, self.final)

    @property
    def closes(self) -> bool:
        """The row closes its invoice whatever is left (kept as a short pay)."""
        return self.final or bool(self.short_pay_reason)


@dataclass(slots=True)
class ReserveValues:
    """What applying writes for a row of a reserve report (a ``ledger_entries`` row)."""

    kind: EntryKind
    entry_date: dt.date
    amount_cents: int  # positive; an adjustment signed (+ adds to the reserve held)
    reference: str
    reason: str
    factoring_company_id: int

    # The ``ledger_entries`` columns ``row`` gives, in its order.
    KEYS: ClassVar[tuple[str, ...]] = (
        "kind", "entry_date", "amount_cents", "reference", "reason", "factoring_company_id")

    def row(self) -> tuple[object, ...]:
        return (self.kind.value, self.entry_date, self.amount_cents, self.reference,
                self.reason, self.factoring_company_id)


RowValues = PurchaseValues | PaymentValues | ReserveValues


@dataclass(slots=True)
class RowOutcome:
    row: int
    invoice_number: str
    load_number: str
    outcome: Outcome
    reasons: list[str]
    amount: Decimal | None = None
    # what applying will write (filled for rows that apply)
    invoice_id: int | None = None
    load_id: int | None = None
    invoice_cents: int | None = None  # our invoice's amount
    values: RowValues | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "invoice_number": self.invoice_number,
                "load_number": self.load_number, "outcome": self.outcome.value,
                "reasons": list(self.reasons),
                "amount": str(self.amount) if self.amount is not None else None}


@dataclass
class Preview:
    kind: ReportKind
    file_name: str
    sha256: str
    batch: str | None
    rows: list[RowOutcome]
    # money as Decimal (purchase: purchased, advance, fee, reserve, factor_amount,
    # amount_difference; payments: paid, invoiced, short_pay, overpay), then the counts of
    # rows (and, payments, of invoices) as int, in the order they are shown
    totals: dict[str, Decimal | int]
    missing_invoices: list[str] = field(default_factory=list)
    already_imported: str | None = None  # "import #N on DATE" when the file was applied
    sheet: str | None = None  # the workbook's sheet that was read; None for a CSV
    # "using the mapping saved for RTS on 11/28/2026" when a factor's saved column mapping
    # placed the file's columns (issue #14), else ""; and, when a mapping was given and its
    # factor is known, that applying saves it (after applying: that it was saved)
    mapping_note: str = ""
    mapping_saved: str = ""

    @property
    def errors(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.outcome == Outcome.ERROR]

    @property
    def counts(self) -> dict[str, int]:
        c = {o.value: 0 for o in Outcome}
        for r in self.rows:
            c[r.outcome.value] += 1
        return c

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "file_name": self.file_name, "sha256": self.sha256,
                "batch": self.batch, "counts": self.counts,
                "totals": {k: str(v) for k, v in self.totals.items()},
                "missing_invoices": list(self.missing_invoices),
                "already_imported": self.already_imported, "sheet": self.sheet,
                "mapping_note": self.mapping_note, "mapping_saved": self.mapping_saved,
                "rows": [r.to_dict() for r in self.rows]}


@dataclass
class ImportResult:
    import_id: int
    kind: ReportKind
    file_name: str
    batch: str | None
    rows_applied: int
    preview: Preview

    def to_dict(self) -> dict[str, Any]:
        d = self.preview.to_dict()
        d.update({"ok": True, "import_id": self.import_id, "rows_applied": self.rows_applied})
        return d


class ReportCancelled(InputRefused):
    def __init__(self) -> None:
        super().__init__(["The upload was cancelled; nothing was changed."])


def refusals(preview: Preview, allow_missing: bool) -> list[Problem]:
    """Why a preview cannot be applied; empty when it can."""
    if preview.already_imported:  # the rows' own errors would only repeat this
        return [Problem(f"this file was already imported as {preview.already_imported}",
                        file=preview.file_name)]
    problems: list[Problem] = []
    for r in preview.errors:
        problems.extend(Problem(reason, file=preview.file_name, row=r.row)
                        for reason in r.reasons)
    if preview.missing_invoices and not allow_missing:
        shown = ", ".join(preview.missing_invoices[:20])
        more = len(preview.missing_invoices) - 20
        problems.append(Problem(
            f"{len(preview.missing_invoices)} invoice(s) of batch {preview.batch} are not in "
            f"the report: {shown}" + (f" and {more} more" if more > 0 else "") +
            ". Apply with --allow-missing (in the window: confirm) to leave them Invoiced.",
            file=preview.file_name))
    return problems


def refusal_summary(preview: Preview, problems: list[Problem], raced: bool) -> str:
    if raced and preview.already_imported:
        return (f"{preview.file_name} was applied at the same moment by another clerk, as "
                f"{preview.already_imported}; nothing was changed.")
    if preview.already_imported:
        return (f"{preview.file_name} was already imported as {preview.already_imported}; "
                "nothing was changed.")
    if raced:
        return (f"{preview.file_name} was not applied: another clerk applied some of the "
                f"same invoices or payment references at the same moment ({len(problems)} "
                "problem(s)); nothing was changed.")
    return (f"{preview.file_name} was not applied: {len(problems)} problem(s); nothing was "
            "changed.")
