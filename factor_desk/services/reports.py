"""The factor's reports: the purchase report (invoices become Financed) and the payment
report (invoices become Completed, the payment is applied to the load).

Every upload is previewed row by row first (applies, warning or error, and why). Applying
is one transaction: nothing applies if any row is an error. The same file is never applied
twice, nor the same payment reference; every import is kept with a copy of its file and
can be undone exactly, unless a later import depends on it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from factor_desk.db.database import Database
from factor_desk.db.models import (
    Batch,
    Invoice,
    Load,
    Payment,
    PurchaseRecord,
    ReportImport,
    utcnow,
)
from factor_desk.db.store import sha256_of
from factor_desk.documents.tabular import (
    ColumnSpec,
    Table,
    cell_text,
    header_fits,
    headers_found,
    match_columns,
    read_file_bytes,
    read_table_bytes,
    template_csv,
)
from factor_desk.domain.dates import DateCache
from factor_desk.domain.errors import InputRefused, NotFound, Problem
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import MoneyError, format_money, from_cents, parse_money, to_cents
from factor_desk.domain.text import clip, excerpt
from factor_desk.services.batches import batch_status, find_batch
from factor_desk.services.common import Progress, chunks, current_user, gc_paused
from factor_desk.services.lifecycle import move_loads

PURCHASE, PAYMENTS = "purchase", "payments"
APPLIES, WARNING, ERROR = "applies", "warning", "error"
PROGRESS_EVERY = 2000
WRITE_CHUNK = 5000

_ID_COLUMNS = [
    ColumnSpec("invoice_number", "Invoice Number", ("Invoice", "Inv Number", "Inv",
                                                    "Invoice Num", "Invoice ID")),
    ColumnSpec("load_number", "Load Number", ("Load", "Load ID", "Load Ref")),
]

PURCHASE_COLUMNS: list[ColumnSpec] = [
    *_ID_COLUMNS,
    ColumnSpec("batch_number", "Batch Number", ("Batch", "Schedule", "Schedule Number",
                                                "Batch ID")),
    ColumnSpec("debtor", "Debtor", ("Debtor Name", "Customer", "Customer Name", "Broker")),
    ColumnSpec("invoice_amount", "Invoice Amount", ("Amount", "Invoice Amt", "Face Amount",
                                                    "Face Value", "Invoice Total"),
               required=True),
    ColumnSpec("purchase_date", "Purchase Date", ("Date Purchased", "Funded Date",
                                                  "Funding Date", "Purchased", "Date"),
               required=True),
    ColumnSpec("advance", "Advance Amount", ("Advance", "Advanced", "Advance Amt",
                                             "Funded Amount", "Amount Advanced")),
    ColumnSpec("fee", "Fee Amount", ("Fee", "Fees", "Factoring Fee", "Fee Amt", "Discount")),
    ColumnSpec("reserve", "Reserve Amount", ("Reserve", "Reserve Amt", "Escrow")),
    ColumnSpec("status", "Status", ("Purchase Status", "Result")),
    ColumnSpec("reason", "Reason", ("Hold Reason", "Reject Reason", "Notes", "Note",
                                    "Comment", "Comments")),
]

PAYMENT_COLUMNS: list[ColumnSpec] = [
    *_ID_COLUMNS,
    ColumnSpec("debtor", "Debtor", ("Debtor Name", "Customer", "Customer Name", "Payer",
                                    "Broker")),
    ColumnSpec("payment_date", "Payment Date", ("Date Paid", "Paid Date", "Received Date",
                                                "Date Received", "Date"), required=True),
    ColumnSpec("amount_paid", "Amount Paid", ("Paid Amount", "Payment Amount", "Amount",
                                              "Paid", "Payment"), required=True),
    ColumnSpec("reference_number", "Reference Number", ("Reference", "Ref Number", "Ref",
                                                        "Payment Reference",
                                                        "Transaction ID")),
    ColumnSpec("check_number", "Check Number", ("Check", "Cheque Number", "Check No")),
    ColumnSpec("payment_method", "Payment Method", ("Method", "Pay Method", "Payment Type")),
    ColumnSpec("short_pay_reason", "Short Pay Reason", ("Short Pay", "Shortpay Reason",
                                                        "Short Paid Reason")),
    ColumnSpec("note", "Note", ("Notes", "Memo", "Comment", "Comments")),
]

# The template files carry the columns of the templates, in that order.
PURCHASE_TEMPLATE = [c for c in PURCHASE_COLUMNS if c.field != "reason"]
PAYMENT_TEMPLATE = PAYMENT_COLUMNS

_STATUS_WORDS = {
    "purchased": "purchased", "purchase": "purchased", "funded": "purchased",
    "approved": "purchased", "bought": "purchased", "paid": "purchased",
    "held": "held", "hold": "held", "on hold": "held", "pending": "held",
    "rejected": "rejected", "reject": "rejected", "declined": "rejected",
    "denied": "rejected",
}


def report_template(kind: str) -> str:
    """The CSV template of a purchase or payment report, with one example row."""
    if kind == PURCHASE:
        return template_csv(PURCHASE_TEMPLATE, [{
            "invoice_number": "10001", "load_number": "10001", "batch_number": "BRF-0001",
            "debtor": "Example Logistics", "invoice_amount": "2550.00",
            "purchase_date": "2026-11-28", "advance": "2486.25", "fee": "63.75",
            "reserve": "0.00", "status": "Purchased"}])
    if kind == PAYMENTS:
        return template_csv(PAYMENT_TEMPLATE, [{
            "invoice_number": "10001", "load_number": "10001", "debtor": "Example Logistics",
            "payment_date": "2026-12-28", "amount_paid": "2550.00",
            "reference_number": "ACH-000123", "check_number": "", "payment_method": "ACH",
            "short_pay_reason": "", "note": ""}])
    raise ValueError(f"expected purchase or payments, found {kind!r}")


# ------------------------------------------------------------------ preview data


@dataclass(slots=True)
class RowOutcome:
    row: int
    invoice_number: str
    load_number: str
    outcome: str  # applies | warning | error
    reasons: list[str]
    amount: Decimal | None = None
    # what applying will write (filled for rows that apply)
    invoice_id: int | None = None
    load_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "invoice_number": self.invoice_number,
                "load_number": self.load_number, "outcome": self.outcome,
                "reasons": list(self.reasons),
                "amount": str(self.amount) if self.amount is not None else None}


@dataclass
class Preview:
    kind: str
    file_name: str
    sha256: str
    batch: str | None
    rows: list[RowOutcome]
    totals: dict[str, str]
    missing_invoices: list[str] = field(default_factory=list)
    already_imported: str | None = None  # "import #N on DATE" when the file was applied
    sheet: str | None = None  # the workbook's sheet that was read; None for a CSV

    @property
    def errors(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.outcome == ERROR]

    @property
    def counts(self) -> dict[str, int]:
        c = {APPLIES: 0, WARNING: 0, ERROR: 0}
        for r in self.rows:
            c[r.outcome] += 1
        return c

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "file_name": self.file_name, "sha256": self.sha256,
                "batch": self.batch, "counts": self.counts, "totals": dict(self.totals),
                "missing_invoices": list(self.missing_invoices),
                "already_imported": self.already_imported, "sheet": self.sheet,
                "rows": [r.to_dict() for r in self.rows]}


@dataclass
class ImportResult:
    import_id: int
    kind: str
    file_name: str
    batch: str | None
    rows_applied: int
    preview: Preview

    def to_dict(self) -> dict[str, Any]:
        d = self.preview.to_dict()
        d.update({"ok": True, "import_id": self.import_id, "rows_applied": self.rows_applied})
        return d


# ------------------------------------------------------------------ reading files


def report_fits(kind: str) -> Callable[[list[str]], bool]:
    """Whether a header row has the columns of a ``kind`` report (how a workbook's sheet
    of that report is told from its other sheets)."""
    specs = PURCHASE_COLUMNS if kind == PURCHASE else PAYMENT_COLUMNS
    return header_fits(specs, any_of=("invoice_number", "load_number"))


def _read(path: str | Path, kind: str, sheet: str | None = None
          ) -> tuple[Table, dict[str, int], bytes]:
    path = Path(path)
    data = read_file_bytes(path)
    specs = PURCHASE_COLUMNS if kind == PURCHASE else PAYMENT_COLUMNS
    what = "a purchase report" if kind == PURCHASE else "a payment report"
    table = read_table_bytes(data, path.name, sheet=sheet, fits=report_fits(kind), what=what)
    columns = match_columns(table, specs, what=what)
    if "invoice_number" not in columns and "load_number" not in columns:
        seen = headers_found(table.headers)
        raise InputRefused([Problem(
            f"this does not look like {what}: no column for 'Invoice Number' or "
            f"'Load Number'. Columns found: {seen}.", file=path.name)])
    if not table.rows:
        raise InputRefused([Problem("the file has a header but no rows", file=path.name)])
    return table, columns, data


class _Cells:
    """The cells of one row by field name."""

    __slots__ = ("raw",)

    def __init__(self, cells: list[object], columns: dict[str, int]) -> None:
        n = len(cells)
        self.raw = {f: cells[i] for f, i in columns.items() if i < n}

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        if value is None:
            return ""
        return value.strip() if isinstance(value, str) else cell_text(value)

    def value(self, name: str) -> object:
        value = self.raw.get(name)
        return value.strip() if isinstance(value, str) else value


def _money(cells: _Cells, name: str, title: str, reasons: list[str], *, required: bool,
           negative_ok: bool = False) -> Decimal | None:
    if not cells.text(name):
        if required:
            reasons.append(f"{title}: the amount is empty")
        return None
    try:
        amount = parse_money(cells.value(name))
    except MoneyError as exc:
        reasons.append(f"{title}: {exc}")
        return None
    if amount < 0 and not negative_ok:
        reasons.append(f"{title}: expected zero or more, found {format_money(amount)}")
        return None
    return amount


def _date(cells: _Cells, name: str, title: str, reasons: list[str], *, required: bool,
          cache: DateCache) -> dt.date | None:
    if not cells.text(name):
        if required:
            reasons.append(f"{title}: the date is empty")
        return None
    found = cache.read(cells.value(name))
    if isinstance(found, str):
        reasons.append(f"{title}: {found}")
        return None
    return found


def _checkpoint(n: int, total: int, row_number: int, should_stop: Callable[[], bool]
                ) -> Progress | None:
    """Every PROGRESS_EVERY rows: stop if asked, else a progress item to yield."""
    if n % PROGRESS_EVERY:
        return None
    if should_stop():
        raise _Stopped
    return Progress(n, total, f"Checking row {row_number}")


# ------------------------------------------------------------------ looking invoices up


@dataclass(slots=True)
class _InvoiceFacts:
    invoice_id: int
    invoice_number: str
    load_id: int
    load_number: str
    status: str
    amount_cents: int
    batch_id: int
    batch_label: str


def _invoice_facts(session: Session, table: Table, columns: dict[str, int]
                   ) -> tuple[dict[str, _InvoiceFacts], dict[str, _InvoiceFacts]]:
    """Every invoice the file names, by invoice number and by load number."""
    inv_numbers, load_numbers = set(), set()
    for _, cells in table.rows:
        c = _Cells(cells, columns)
        if c.text("invoice_number"):
            inv_numbers.add(c.text("invoice_number"))
        if c.text("load_number"):
            load_numbers.add(c.text("load_number"))
    base = (select(Invoice.id, Invoice.invoice_number, Load.id, Load.load_number, Load.status,
                   Invoice.amount_cents, Invoice.batch_id, Batch.label)
            .join(Load, Load.id == Invoice.load_id).join(Batch, Batch.id == Invoice.batch_id))
    by_invoice: dict[str, _InvoiceFacts] = {}
    by_load: dict[str, _InvoiceFacts] = {}
    conn = session.connection()
    for column, wanted, target in ((Invoice.invoice_number, inv_numbers, by_invoice),
                                   (Load.load_number, load_numbers, by_load)):
        for part in chunks(sorted(wanted)):
            for row in conn.execute(base.where(column.in_(part))):
                facts = _InvoiceFacts(*row)
                target[facts.invoice_number if target is by_invoice else facts.load_number] \
                    = facts
    return by_invoice, by_load


def _named(by_invoice: dict[str, _InvoiceFacts], by_load: dict[str, _InvoiceFacts]
           ) -> list[_InvoiceFacts]:
    """Each invoice the file names, once."""
    return list({f.invoice_id: f for f in (*by_invoice.values(), *by_load.values())}.values())


def _identify(c: _Cells, by_invoice: dict[str, _InvoiceFacts],
              by_load: dict[str, _InvoiceFacts], session: Session, reasons: list[str]
              ) -> _InvoiceFacts | None:
    inv_no, load_no = c.text("invoice_number"), c.text("load_number")
    if not inv_no and not load_no:
        reasons.append("no invoice number and no load number")
        return None
    if inv_no:
        facts = by_invoice.get(inv_no)
        if facts is None:
            reasons.append(f"unknown invoice {clip(inv_no)}: no batch sent it")
            return None
        if load_no and load_no != facts.load_number:
            reasons.append(f"invoice {clip(inv_no)} is for load {facts.load_number}, but "
                           f"the row says load {clip(load_no)}")
            return None
        return facts
    facts = by_load.get(load_no)
    if facts is None:
        exists = session.execute(
            select(Load.status).where(Load.load_number == load_no)).scalar_one_or_none()
        if exists is None:
            reasons.append(f"unknown load {clip(load_no)}")
        else:
            reasons.append(f"load {clip(load_no)} is {exists} and has no invoice yet: no batch "
                           "sent it")
        return None
    return facts


def _applied_imports_of(session: Session, model: type[PurchaseRecord] | type[Payment],
                        invoice_ids: list[int]
                        ) -> dict[int, ReportImport]:
    """For each invoice, the applied import whose ``model`` rows name it (latest)."""
    found: dict[int, ReportImport] = {}
    for part in chunks(invoice_ids):
        for invoice_id, imp in session.execute(
            select(model.invoice_id, ReportImport)
            .join(ReportImport, ReportImport.id == model.import_id)
            .where(model.invoice_id.in_(part), ReportImport.status == "applied")
            .order_by(ReportImport.id)
        ):
            found[invoice_id] = imp
    return found


def _describe(imp: ReportImport) -> str:
    return f"import #{imp.id} on {imp.imported_at:%m/%d/%Y}"


def _already_imported(session: Session, sha: str, kind: str) -> str | None:
    imp = session.execute(
        select(ReportImport).where(ReportImport.sha256 == sha, ReportImport.kind == kind,
                                   ReportImport.status == "applied")
        .order_by(ReportImport.id)
    ).scalars().first()
    return _describe(imp) if imp else None


# ------------------------------------------------------------------ purchase report


def _analyse_purchase(session: Session, table: Table, columns: dict[str, int], data: bytes,
                      batch_name: str, should_stop: Callable[[], bool]
                      ) -> Iterator[Progress]:
    batch = find_batch(session, batch_name)
    sha = sha256_of(data)
    by_invoice, by_load = _invoice_facts(session, table, columns)
    financed_by = _applied_imports_of(
        session, PurchaseRecord,
        [f.invoice_id for f in _named(by_invoice, by_load)
         if f.status != BillingStatus.INVOICED.value])
    outcomes: list[RowOutcome] = []
    seen: dict[int, int] = {}
    dates = DateCache()
    totals: defaultdict[str, int] = defaultdict(int)
    total_rows = len(table.rows)
    for n, (row_number, cells) in enumerate(table.rows, start=1):
        if step := _checkpoint(n, total_rows, row_number, should_stop):
            yield step
        c = _Cells(cells, columns)
        errors: list[str] = []
        warnings: list[str] = []
        facts = _identify(c, by_invoice, by_load, session, errors)
        status_text = c.text("status")
        status: str | None = "purchased"
        reason = c.text("reason")
        if status_text:
            word = status_text.lower()
            status = _STATUS_WORDS.get(word)
            if status is None:  # "Held - missing POD": the first word, the rest a reason
                head, _, rest = status_text.replace(":", " - ").partition(" - ")
                status = _STATUS_WORDS.get(head.strip().lower())
                if status and rest.strip() and not reason:
                    reason = rest.strip()
            if status is None:
                errors.append(f"Status: expected Purchased, Held or Rejected, found "
                              f"{excerpt(status_text)}")
        amount = _money(c, "invoice_amount", "Invoice Amount", errors, required=True)
        purchased = status == "purchased"
        date = _date(c, "purchase_date", "Purchase Date", errors, required=purchased,
                     cache=dates)
        advance = _money(c, "advance", "Advance Amount", errors, required=False)
        fee = _money(c, "fee", "Fee Amount", errors, required=False)
        reserve = _money(c, "reserve", "Reserve Amount", errors, required=False)
        if facts is not None:
            if facts.batch_id != batch.id:
                errors.append(f"invoice {facts.invoice_number} is in batch "
                              f"{facts.batch_label}, not in batch {batch.label}")
            row_batch = c.text("batch_number")
            if row_batch and row_batch.upper() != batch.label.upper() and not (
                    row_batch.isdigit() and int(row_batch) == batch.number):
                errors.append(f"the row says batch {row_batch}, but this upload is for batch "
                              f"{batch.label}")
            if facts.invoice_id in seen:
                errors.append(f"invoice {facts.invoice_number} is in the file twice (also "
                              f"row {seen[facts.invoice_id]})")
            else:
                seen[facts.invoice_id] = row_number
            if facts.status != BillingStatus.INVOICED.value and status is not None:
                imp = financed_by.get(facts.invoice_id)
                by = f" by {_describe(imp)}" if imp else ""
                errors.append(f"load {facts.load_number} is already {facts.status}{by}; only "
                              "Invoiced loads can be bought")
            if amount is not None:
                ours = from_cents(facts.amount_cents)
                if amount != ours:
                    warnings.append(f"the factor's amount {format_money(amount)} differs "
                                    f"from the invoice amount {format_money(ours)} by "
                                    f"{format_money(amount - ours)}; the reconciliation shows "
                                    "both and the difference")
        if amount is not None and advance is not None and fee is not None:
            parts = advance + fee + (reserve or 0)
            if parts != amount:
                errors.append(f"advance {format_money(advance)} + fee {format_money(fee)} + "
                              f"reserve {format_money(reserve or Decimal(0))} = "
                              f"{format_money(parts)}, not the invoice amount "
                              f"{format_money(amount)}")
        if status in ("held", "rejected"):
            warnings.append(f"{status} by the factor" + (f": {reason}" if reason else "") +
                            "; the load stays Invoiced")
        outcome = ERROR if errors else WARNING if warnings else APPLIES
        row = RowOutcome(
            row=row_number, invoice_number=facts.invoice_number if facts else
            c.text("invoice_number"), load_number=facts.load_number if facts else
            c.text("load_number"), outcome=outcome, reasons=errors + warnings, amount=amount)
        if outcome != ERROR:
            assert facts is not None and amount is not None  # else an error says why
            row.invoice_id, row.load_id = facts.invoice_id, facts.load_id
            row.values = {"status": status, "reason": reason, "purchase_date": date,
                          "invoice_amount_cents": to_cents(amount),
                          "advance_cents": _cents(advance), "fee_cents": _cents(fee),
                          "reserve_cents": _cents(reserve)}
            if purchased:
                # as the reconciliation counts them: our invoice's amount, the factor's apart
                totals["purchased"] += facts.amount_cents
                totals["factor_amount"] += to_cents(amount)
                totals["amount_difference"] += to_cents(amount) - facts.amount_cents
                totals["advance"] += _cents(advance) or 0
                totals["fee"] += _cents(fee) or 0
                totals["reserve"] += _cents(reserve) or 0
        outcomes.append(row)
    in_batch = session.execute(
        select(Invoice.id, Invoice.invoice_number).where(Invoice.batch_id == batch.id)
        .order_by(Invoice.position)).all()
    missing = [number for inv_id, number in in_batch if inv_id not in seen]
    totals_text = {k: str(from_cents(totals[k]))
                   for k in ("purchased", "advance", "fee", "reserve", "factor_amount",
                             "amount_difference")}
    totals_text["rows"] = str(len(outcomes))
    preview = Preview(
        kind=PURCHASE, file_name=table.file_name, sha256=sha, batch=batch.label,
        rows=outcomes, totals=totals_text, missing_invoices=missing,
        already_imported=_already_imported(session, sha, PURCHASE), sheet=table.sheet)
    yield Progress(total_rows, total_rows, "Checked", preview)


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else to_cents(amount)


class _Stopped(Exception):
    pass


# ------------------------------------------------------------------ payment report


def _analyse_payments(session: Session, table: Table, columns: dict[str, int], data: bytes,
                      should_stop: Callable[[], bool]) -> Iterator[Progress]:
    sha = sha256_of(data)
    by_invoice, by_load = _invoice_facts(session, table, columns)
    completed_by = _applied_imports_of(
        session, Payment,
        [f.invoice_id for f in _named(by_invoice, by_load)
         if f.status == BillingStatus.COMPLETED.value])
    refs_in_file = set()
    for _, cells in table.rows:
        ref = _Cells(cells, columns).text("reference_number")
        if ref:
            refs_in_file.add(ref)
    applied_refs: dict[str, ReportImport] = {}
    for part in chunks(sorted(refs_in_file)):
        for ref, imp in session.execute(
            select(Payment.reference_number, ReportImport)
            .join(ReportImport, ReportImport.id == Payment.import_id)
            .where(Payment.reference_number.in_(part), ReportImport.status == "applied")
        ):
            applied_refs.setdefault(ref, imp)
    outcomes: list[RowOutcome] = []
    seen_refs: dict[str, int] = {}
    rows_of_invoice: dict[int, list[RowOutcome]] = defaultdict(list)
    dates = DateCache()
    total_rows = len(table.rows)
    for n, (row_number, cells) in enumerate(table.rows, start=1):
        if step := _checkpoint(n, total_rows, row_number, should_stop):
            yield step
        c = _Cells(cells, columns)
        errors: list[str] = []
        warnings: list[str] = []
        facts = _identify(c, by_invoice, by_load, session, errors)
        date = _date(c, "payment_date", "Payment Date", errors, required=True, cache=dates)
        amount = _money(c, "amount_paid", "Amount Paid", errors, required=True)
        ref = c.text("reference_number")
        if ref:
            if ref in applied_refs:
                errors.append(f"reference number {clip(ref)} already applied by "
                              f"{_describe(applied_refs[ref])}")
            elif ref in seen_refs:
                errors.append(f"reference number {clip(ref)} is in the file twice (also row "
                              f"{seen_refs[ref]})")
            else:
                seen_refs[ref] = row_number
        if facts is not None:
            if facts.status == BillingStatus.INVOICED.value:
                errors.append(f"load {facts.load_number} is Invoiced, not Financed: upload "
                              f"the purchase report of batch {facts.batch_label} first")
            elif facts.status == BillingStatus.COMPLETED.value:
                completer = completed_by.get(facts.invoice_id)
                by = f" by {_describe(completer)}" if completer else ""
                errors.append(f"load {facts.load_number} is already Completed{by}")
        row = RowOutcome(
            row=row_number, invoice_number=facts.invoice_number if facts else
            c.text("invoice_number"), load_number=facts.load_number if facts else
            c.text("load_number"), outcome=ERROR if errors else APPLIES, reasons=errors,
            amount=amount)
        if not errors:
            assert facts is not None and amount is not None  # else an error says why
            row.invoice_id, row.load_id = facts.invoice_id, facts.load_id
            row.values = {
                "payment_date": date, "amount_cents": to_cents(amount),
                "reference_number": ref, "check_number": c.text("check_number"),
                "payment_method": c.text("payment_method"), "payer": c.text("debtor"),
                "short_pay_reason": c.text("short_pay_reason"), "note": c.text("note"),
                "_invoice_cents": facts.amount_cents,
            }
            if not ref:
                warnings.append("no reference number: the same payment in another file "
                                "could not be recognised")
            rows_of_invoice[facts.invoice_id].append(row)
        row.reasons += warnings
        outcomes.append(row)
    # Short and over payments are worked out per invoice, over all its rows in the file.
    totals: defaultdict[str, int] = defaultdict(int)
    for rows in rows_of_invoice.values():
        paid = sum(r.values["amount_cents"] for r in rows)
        invoice_cents = rows[0].values["_invoice_cents"]
        difference = invoice_cents - paid
        if len(rows) > 1:
            for r in rows:
                others = ", ".join(str(o.row) for o in rows if o is not r)
                r.reasons.append(f"invoice {r.invoice_number} is also paid in row {others}; "
                                 "the payments are added together")
        last = rows[-1]
        if difference > 0:
            reason = next((r.values["short_pay_reason"] for r in rows
                           if r.values["short_pay_reason"]), "")
            last.reasons.append(f"short pay of {format_money(from_cents(difference))}" +
                                (f" ({reason})" if reason else ": no reason given"))
            totals["short_pay"] += difference
        elif difference < 0:
            last.reasons.append(f"overpaid by {format_money(from_cents(-difference))}")
            totals["overpay"] += -difference
        totals["paid"] += paid
        totals["invoiced"] += invoice_cents
    for r in outcomes:
        if r.outcome == APPLIES and r.reasons:
            r.outcome = WARNING
    totals_text = {k: str(from_cents(totals[k]))
                   for k in ("paid", "invoiced", "short_pay", "overpay")}
    totals_text["rows"] = str(len(outcomes))
    totals_text["invoices"] = str(len(rows_of_invoice))
    preview = Preview(kind=PAYMENTS, file_name=table.file_name, sha256=sha, batch=None,
                      rows=outcomes, totals=totals_text,
                      already_imported=_already_imported(session, sha, PAYMENTS),
                      sheet=table.sheet)
    yield Progress(total_rows, total_rows, "Checked", preview)


# ------------------------------------------------------------------ preview and apply


def preview_report(db: Database, kind: str, path: str | Path, *, batch: str | None = None,
                   should_stop: Callable[[], bool] | None = None, sheet: str | None = None
                   ) -> Iterator[Progress]:
    """Check every row of a purchase report (for ``batch``) or a payment report and say
    what applying it would do. Changes nothing. The last item carries the Preview.
    A workbook's sheet is ``sheet``, else its only sheet with data, else its only sheet
    with the columns of that report."""
    should_stop = should_stop or (lambda: False)
    table, columns, data = _read(path, kind, sheet)
    with db.read() as session, gc_paused():
        yield from _checked(_analysis(session, kind, table, columns, data, batch, should_stop))


def _analysis(session: Session, kind: str, table: Table, columns: dict[str, int], data: bytes,
              batch: str | None, should_stop: Callable[[], bool]) -> Iterator[Progress]:
    if kind == PURCHASE:
        if not batch:
            raise InputRefused(["Choose the batch this purchase report is for."])
        return _analyse_purchase(session, table, columns, data, batch, should_stop)
    return _analyse_payments(session, table, columns, data, should_stop)


def _checked(steps: Iterator[Progress]) -> Iterator[Progress]:
    try:
        yield from steps
    except _Stopped:
        raise ReportCancelled() from None


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


def apply_report(db: Database, kind: str, path: str | Path, *, batch: str | None = None,
                 allow_missing: bool = False, user: str | None = None,
                 should_stop: Callable[[], bool] | None = None, sheet: str | None = None
                 ) -> Iterator[Progress]:
    """Apply a purchase or payment report, all or nothing. Refused, with every reason and
    nothing changed, when any row is an error, the file was already imported, or (purchase)
    invoices of the batch are missing and ``allow_missing`` is not given. The last item
    carries the ImportResult.

    The checks run inside the write transaction, but on PostgreSQL two clerks applying at
    the same moment both pass them; the database's unique indexes (the same file, a payment
    reference, an invoice bought) then stop the later one. It is checked again against
    what the other clerk committed, and refused with the usual reasons."""
    should_stop = should_stop or (lambda: False)
    user = user or current_user()
    table, columns, data = _read(path, kind, sheet)
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            result = yield from _apply_once(db, kind, table, columns, data, batch,
                                            allow_missing, user, should_stop,
                                            raced=attempt > 1)
        except (IntegrityError, OperationalError, _Overtaken) as exc:
            if attempt == _ATTEMPTS or not _lost_a_race(exc):
                raise (exc.refusal if isinstance(exc, _Overtaken) else exc) from None
            continue
        yield Progress(len(result.preview.rows), len(result.preview.rows),
                       f"Applied as import #{result.import_id}", result)
        return


# A loser is checked again at once: the winner has committed by then, so the second check
# refuses it. More attempts only matter when winners keep being undone in between.
_ATTEMPTS = 3

# The unique indexes that make "applied once" hold (see db/models.py), and how SQLite names
# the columns of each when it refuses a row.
_ONCE_INDEXES = {
    "uq_report_imports_applied_file": "report_imports.kind, report_imports.sha256",
    "uq_payments_reference_number": "payments.reference_number",
    "uq_purchase_records_purchased_invoice": "purchase_records.invoice_id",
}
_RACE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


class _Overtaken(Exception):
    """A load moved under us between the check and the write: another clerk's import."""

    def __init__(self, refusal: InputRefused):
        super().__init__(str(refusal))
        self.refusal = refusal


def _lost_a_race(exc: Exception) -> bool:
    """Whether ``exc`` says another transaction applied the same thing first."""
    if isinstance(exc, _Overtaken):
        return True
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    if isinstance(exc, OperationalError):
        return getattr(orig, "sqlstate", None) in _RACE_SQLSTATES
    if diag is not None:  # PostgreSQL names the index
        return getattr(diag, "constraint_name", None) in _ONCE_INDEXES
    return any(str(orig) == f"UNIQUE constraint failed: {cols}"
               for cols in _ONCE_INDEXES.values())


def _apply_once(db: Database, kind: str, table: Table, columns: dict[str, int], data: bytes,
                batch: str | None, allow_missing: bool, user: str,
                should_stop: Callable[[], bool], *, raced: bool
                ) -> Generator[Progress, None, ImportResult]:
    with db.write() as session, gc_paused():
        preview: Preview | None = None
        for step in _checked(_analysis(session, kind, table, columns, data, batch,
                                       should_stop)):
            if step.result is None:
                yield step
            preview = step.result
        assert preview is not None  # the last step carries it
        problems = refusals(preview, allow_missing)
        if problems:
            raise InputRefused(problems, summary=_refusal_summary(preview, problems, raced))
        if should_stop():
            raise ReportCancelled()
        applying = [r for r in preview.rows if r.outcome != ERROR]
        imp = ReportImport(
            kind=kind, file_name=preview.file_name, sha256=preview.sha256,
            batch_id=find_batch(session, preview.batch).id if preview.batch else None,
            imported_at=utcnow(), imported_by=user, rows_total=len(preview.rows),
            rows_applied=len(applying), rows_skipped=0, status="applied")
        session.add(imp)
        session.flush()
        db.store.put(session, data)  # the original file, kept with the import
        try:
            if kind == PURCHASE:
                _write_purchase(session, imp, applying, user)
            else:
                _write_payments(session, imp, applying, user)
        except ReportCancelled:
            raise
        except InputRefused as exc:  # move_loads: a load moved since the check
            raise _Overtaken(exc) from exc
        if should_stop():
            raise ReportCancelled()
        return ImportResult(import_id=imp.id, kind=kind, file_name=preview.file_name,
                            batch=preview.batch, rows_applied=len(applying), preview=preview)


def _refusal_summary(preview: Preview, problems: list[Problem], raced: bool) -> str:
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


def _write_purchase(session: Session, imp: ReportImport, rows: list[RowOutcome],
                    user: str) -> None:
    # In the order of the unique key, so that two clerks racing take its entries in the
    # same order: the later one waits and is refused instead of deadlocking.
    rows = sorted(rows, key=lambda r: r.invoice_id or 0)
    for part in chunks(rows, WRITE_CHUNK):  # bounded parameter lists keep memory flat
        session.execute(PurchaseRecord.__table__.insert(), [
            {"import_id": imp.id, "invoice_id": r.invoice_id, "row_number": r.row,
             "status": r.values["status"], "reason": r.values["reason"],
             "purchase_date": r.values["purchase_date"],
             "invoice_amount_cents": r.values["invoice_amount_cents"],
             "advance_cents": r.values["advance_cents"], "fee_cents": r.values["fee_cents"],
             "reserve_cents": r.values["reserve_cents"]}
            for r in part
        ])
    bought = [_load_of(r) for r in rows if r.values["status"] == "purchased"]
    move_loads(session, bought, BillingStatus.INVOICED, BillingStatus.FINANCED, by=user,
               reason=f"Purchase report {imp.file_name} (import #{imp.id})", import_id=imp.id)


def _load_of(r: RowOutcome) -> tuple[int, str]:
    """The load a row that applies moves (its ids are filled when the row is checked)."""
    assert r.load_id is not None
    return r.load_id, r.load_number


def _write_payments(session: Session, imp: ReportImport, rows: list[RowOutcome],
                    user: str) -> None:
    rows = sorted(rows, key=lambda r: r.values["reference_number"])  # see _write_purchase
    for part in chunks(rows, WRITE_CHUNK):
        session.execute(Payment.__table__.insert(), [
            {"import_id": imp.id, "invoice_id": r.invoice_id, "row_number": r.row,
             **{k: v for k, v in r.values.items() if not k.startswith("_")}}
            for r in part
        ])
    loads = list({r.load_id: _load_of(r) for r in rows}.values())
    move_loads(session, loads, BillingStatus.FINANCED, BillingStatus.COMPLETED, by=user,
               reason=f"Payment report {imp.file_name} (import #{imp.id})", import_id=imp.id)


# ------------------------------------------------------------------ history and undo


@dataclass
class ImportInfo:
    id: int
    kind: str
    file_name: str
    sha256: str
    batch: str | None
    imported_at: str
    imported_by: str
    rows: int
    rows_applied: int
    status: str
    undone_at: str | None
    undone_by: str | None


def import_history(session: Session, kinds: tuple[str, ...] = (PURCHASE, PAYMENTS)
                   ) -> list[ImportInfo]:
    """Every upload of the factor's reports (or of ``kinds``), newest first."""
    rows = session.execute(
        select(ReportImport, Batch.label).outerjoin(Batch, Batch.id == ReportImport.batch_id)
        .where(ReportImport.kind.in_(kinds))
        .order_by(ReportImport.id.desc())).all()
    return [ImportInfo(
        id=i.id, kind=i.kind, file_name=i.file_name, sha256=i.sha256, batch=label,
        imported_at=i.imported_at.isoformat(timespec="seconds"), imported_by=i.imported_by,
        rows=i.rows_total, rows_applied=i.rows_applied, status=i.status,
        undone_at=i.undone_at.isoformat(timespec="seconds") if i.undone_at else None,
        undone_by=i.undone_by) for i, label in rows]


def import_file(db: Database, import_id: int) -> tuple[str, bytes]:
    """The original file of an import, as it was uploaded."""
    with db.read() as session:
        imp = session.get(ReportImport, import_id)
        if imp is None:
            raise NotFound(f"No import #{import_id}.")
        return imp.file_name, db.store.get(session, imp.sha256)


@dataclass
class UndoResult:
    import_id: int
    kind: str
    loads_moved_back: int
    records_removed: int


def undo_import(db: Database, import_id: int, *, user: str | None = None) -> UndoResult:
    """Reverse exactly what an import did: its records go, its loads move back a step (with
    history rows), and it is marked undone. Refused when a later import depends on it."""
    user = user or current_user()
    with db.write() as session:
        imp = session.get(ReportImport, import_id)
        if imp is None:
            raise NotFound(f"No import #{import_id}.")
        if imp.status == "undone":
            raise InputRefused([f"Import #{imp.id} was already undone on "
                                f"{imp.undone_at:%m/%d/%Y} by {imp.undone_by}."])
        model: type[PurchaseRecord] | type[Payment]
        if imp.kind == PURCHASE:
            model, frm, to = PurchaseRecord, BillingStatus.FINANCED, BillingStatus.INVOICED
            moved_stmt = (select(Load.id, Load.load_number, Load.status)
                          .join(Invoice, Invoice.load_id == Load.id)
                          .join(PurchaseRecord, PurchaseRecord.invoice_id == Invoice.id)
                          .where(PurchaseRecord.import_id == imp.id,
                                 PurchaseRecord.status == "purchased"))
        elif imp.kind == PAYMENTS:
            model, frm, to = Payment, BillingStatus.COMPLETED, BillingStatus.FINANCED
            moved_stmt = (select(Load.id, Load.load_number, Load.status)
                          .join(Invoice, Invoice.load_id == Load.id)
                          .join(Payment, Payment.invoice_id == Invoice.id)
                          .where(Payment.import_id == imp.id).distinct())
        else:
            raise InputRefused([f"Import #{imp.id} is a loads import; loads are removed from "
                                "Factor Desk one by one, not by undoing their import."])
        moved = session.execute(moved_stmt).all()
        if imp.kind == PURCHASE:
            later = session.execute(
                select(ReportImport.id, ReportImport.imported_at, Load.load_number)
                .join(Payment, Payment.import_id == ReportImport.id)
                .join(Invoice, Invoice.id == Payment.invoice_id)
                .join(Load, Load.id == Invoice.load_id)
                .where(Load.id.in_([m[0] for m in moved] or [-1]),
                       ReportImport.status == "applied")
                .order_by(ReportImport.id)).all()
            if later:
                first_id, when, load_number = later[0]
                ids = sorted({r[0] for r in later})
                raise InputRefused([
                    f"Import #{imp.id} cannot be undone: payment import "
                    f"{', '.join(f'#{i}' for i in ids)} (first on {when:%m/%d/%Y}) completed "
                    f"load {load_number}, which this purchase report financed. Undo "
                    f"{'that import' if len(ids) == 1 else 'those imports'} first."])
        records = cast(CursorResult[Any], session.execute(
            delete(model).where(model.import_id == imp.id)
            .execution_options(synchronize_session=False))).rowcount
        move_loads(session, [(lid, number) for lid, number, _ in moved], frm, to, by=user,
                   reason=f"Undo of import #{imp.id} ({imp.file_name})", import_id=imp.id,
                   undo=True)
        imp.status = "undone"
        imp.undone_at = utcnow()
        imp.undone_by = user
        return UndoResult(import_id=imp.id, kind=imp.kind, loads_moved_back=len(moved),
                          records_removed=records)


# ------------------------------------------------------------------ flags and reconciliation


def factor_flags(session: Session, load_ids: list[int] | None = None) -> dict[int, str]:
    """Loads the factor held or rejected and has not bought since: {load id: 'Held: why'}."""
    stmt = (select(Invoice.load_id, PurchaseRecord.status, PurchaseRecord.reason)
            .join(PurchaseRecord, PurchaseRecord.invoice_id == Invoice.id)
            .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
            .join(Load, Load.id == Invoice.load_id)
            .where(ReportImport.status == "applied",
                   Load.status == BillingStatus.INVOICED.value)
            .order_by(PurchaseRecord.id))
    flags: dict[int, str] = {}
    for load_id, status, reason in session.execute(stmt):
        if load_ids is not None and load_id not in load_ids:
            continue
        if status in ("held", "rejected"):
            flags[load_id] = status.title() + (f": {reason}" if reason else "")
    return flags


# purchased (our invoice amounts) + amount_difference = factor_amount (what the factor's
# report says it bought) = advance + fee + reserve + not_itemised (the part the report did
# not split, when it leaves advance or fee out).
RECON_FIELDS = ("invoiced", "purchased", "not_purchased", "factor_amount", "amount_difference",
                "advance", "fee", "reserve", "not_itemised", "paid", "short_pay", "overpay",
                "open_balance")


@dataclass
class ReconRow:
    invoice_number: str
    load_number: str
    status: str
    flag: str
    cents: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"invoice_number": self.invoice_number, "load_number": self.load_number,
                "status": self.status, "flag": self.flag,
                **{k: str(from_cents(v)) for k, v in self.cents.items()}}


@dataclass
class BatchReconciliation:
    batch: str
    status: str
    rows: list[ReconRow]
    totals: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "status": self.status,
                "totals": {k: str(from_cents(v)) for k, v in self.totals.items()},
                "rows": [r.to_dict() for r in self.rows]}


@dataclass
class Reconciliation:
    batches: list[BatchReconciliation]
    totals: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"totals": {k: str(from_cents(v)) for k, v in self.totals.items()},
                "batches": [b.to_dict() for b in self.batches]}


def reconcile(session: Session, batch: str | None = None) -> Reconciliation:
    """Per invoice, per batch and overall: invoiced, purchased (our amount of what the
    factor bought), not yet purchased, the factor's amount of what it bought and the
    difference, advances, fees, reserve, the part not itemised, paid, short pays, overpays
    and the open balance. invoiced = purchased + not purchased = paid + short pay -
    overpay + open balance; purchased + amount difference = factor's amount = advance +
    fee + reserve + not itemised; every total is the sum of its rows."""
    stmt = (select(Batch.id, Batch.label, Invoice.id, Invoice.invoice_number,
                   Load.load_number, Load.status, Invoice.amount_cents)
            .join(Invoice, Invoice.batch_id == Batch.id)
            .join(Load, Load.id == Invoice.load_id)
            .order_by(Batch.submitted_at, Batch.id, Invoice.position))
    if batch:
        stmt = stmt.where(Batch.id == find_batch(session, batch).id)
    rows = session.execute(stmt).all()
    invoice_ids = [r[2] for r in rows]
    bought: dict[int, tuple[int, int, int, int]] = {}
    held: dict[int, str] = {}
    paid: dict[int, int] = defaultdict(int)
    for part in chunks(invoice_ids):
        for inv_id, status, reason, adv, fee, res, factor in session.execute(
            select(PurchaseRecord.invoice_id, PurchaseRecord.status, PurchaseRecord.reason,
                   PurchaseRecord.advance_cents, PurchaseRecord.fee_cents,
                   PurchaseRecord.reserve_cents, PurchaseRecord.invoice_amount_cents)
            .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
            .where(PurchaseRecord.invoice_id.in_(part), ReportImport.status == "applied")
            .order_by(PurchaseRecord.id)
        ):
            if status == "purchased":
                bought[inv_id] = (adv or 0, fee or 0, res or 0, factor)
            else:
                held[inv_id] = status.title() + (f": {reason}" if reason else "")
        for inv_id, amount in session.execute(
            select(Payment.invoice_id, func.sum(Payment.amount_cents))
            .join(ReportImport, ReportImport.id == Payment.import_id)
            .where(Payment.invoice_id.in_(part), ReportImport.status == "applied")
            .group_by(Payment.invoice_id)
        ):
            paid[inv_id] = int(amount)
    per_batch: dict[int, BatchReconciliation] = {}
    statuses: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for batch_id, label, inv_id, inv_no, load_no, status, amount in rows:
        completed = status == BillingStatus.COMPLETED.value
        is_bought = inv_id in bought
        adv, fee, res, factor = bought.get(inv_id, (0, 0, 0, 0))
        p = paid.get(inv_id, 0)
        cents = {
            "invoiced": amount,
            "purchased": amount if is_bought else 0,
            "not_purchased": 0 if is_bought else amount,
            "factor_amount": factor,
            "amount_difference": factor - amount if is_bought else 0,
            "advance": adv, "fee": fee, "reserve": res,
            "not_itemised": factor - adv - fee - res,
            "paid": p,
            "short_pay": max(0, amount - p) if completed else 0,
            "overpay": max(0, p - amount) if completed else 0,
            "open_balance": 0 if completed else amount,
        }
        flag = held.get(inv_id, "") if not is_bought else ""
        rec = per_batch.setdefault(batch_id, BatchReconciliation(label, "", [], {}))
        rec.rows.append(ReconRow(inv_no, load_no, status, flag, cents))
        statuses[batch_id][status] += 1
    overall = dict.fromkeys(RECON_FIELDS, 0)
    for batch_id, rec in per_batch.items():
        rec.totals = {k: sum(r.cents[k] for r in rec.rows) for k in RECON_FIELDS}
        rec.status = batch_status(statuses[batch_id])
        for k in RECON_FIELDS:
            overall[k] += rec.totals[k]
    return Reconciliation(batches=list(per_batch.values()), totals=overall)
