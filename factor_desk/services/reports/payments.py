"""The checks of a payment report (the debtors paid the factor): what it adds to the one
row checker. Short and over payments are worked out per invoice, over all its rows."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from factor_desk.db.models import Payment, ReportImport
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ImportStatus, Outcome
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import format_money, from_cents, to_cents
from factor_desk.domain.text import clip
from factor_desk.services.common import chunks
from factor_desk.services.reports.checking import (
    InvoiceFacts,
    Row,
    Rules,
    already_imported,
    applied_imports_of,
    describe,
    text_of,
)
from factor_desk.services.reports.columns import ReportFile
from factor_desk.services.reports.outcomes import PaymentValues, Preview, RowOutcome

PAYMENT_TOTALS = ("paid", "invoiced", "short_pay", "overpay")


class PaymentRules(Rules):
    AMOUNT = "amount_paid"

    def __init__(self, work: Work, upload: ReportFile,
                 by_invoice: dict[str, InvoiceFacts], by_load: dict[str, InvoiceFacts]
                 ) -> None:
        super().__init__(work, upload, by_invoice, by_load)
        self.completed_by = applied_imports_of(
            work, Payment,
            [f.invoice_id for f in self.named() if f.status == BillingStatus.COMPLETED])
        refs_in_file = set()
        columns = upload.columns
        for _, cells in upload.table.rows:
            if ref := text_of(cells, columns, "reference_number"):
                refs_in_file.add(ref)
        self.applied_refs: dict[str, ReportImport] = {}
        for part in chunks(sorted(refs_in_file)):
            for ref, imp in work.execute(
                select(Payment.reference_number, ReportImport)
                .join(ReportImport, ReportImport.id == Payment.import_id)
                .where(Payment.reference_number.in_(part),
                       ReportImport.status == ImportStatus.APPLIED)
            ).all():
                self.applied_refs.setdefault(ref, imp)
        self.seen_refs: dict[str, int] = {}  # reference: the row that named it first

    def check(self, row: Row) -> tuple[Decimal | None, PaymentValues | None]:
        errors, facts = row.errors, row.facts
        date = row.date("payment_date", "Payment Date", required=True)
        amount = row.money("amount_paid", "Amount Paid", required=True)
        ref = row.text("reference_number")
        if ref:
            if ref in self.applied_refs:
                errors.append(f"reference number {clip(ref)} already applied by "
                              f"{describe(self.applied_refs[ref])}")
            elif ref in self.seen_refs:
                errors.append(f"reference number {clip(ref)} is in the file twice (also row "
                              f"{self.seen_refs[ref]})")
            else:
                self.seen_refs[ref] = row.number
        if facts is not None:
            if facts.status == BillingStatus.INVOICED:
                errors.append(f"load {facts.load_number} is Invoiced, not Financed: upload "
                              f"the purchase report of batch {facts.batch_label} first")
            elif facts.status == BillingStatus.COMPLETED:
                completer = self.completed_by.get(facts.invoice_id)
                by = f" by {describe(completer)}" if completer else ""
                errors.append(f"load {facts.load_number} is already Completed{by}")
        if errors:
            return amount, None
        assert date is not None and amount is not None  # else an error says why
        if not ref:
            row.warnings.append("no reference number: the same payment in another file "
                                "could not be recognised")
        return amount, PaymentValues(
            payment_date=date, amount_cents=to_cents(amount), reference_number=ref,
            check_number=row.text("check_number"), payment_method=row.text("payment_method"),
            payer=row.text("debtor"), short_pay_reason=row.text("short_pay_reason"),
            note=row.text("note"))

    def finish(self, outcomes: list[RowOutcome]) -> Preview:
        rows_of_invoice: dict[int, list[RowOutcome]] = defaultdict(list)
        for r in outcomes:
            if r.outcome != Outcome.ERROR and r.invoice_id is not None:
                rows_of_invoice[r.invoice_id].append(r)
        totals: defaultdict[str, int] = defaultdict(int)
        for rows in rows_of_invoice.values():
            values = [_values(r) for r in rows]
            paid = sum(v.amount_cents for v in values)
            invoice_cents = rows[0].invoice_cents
            assert invoice_cents is not None
            difference = invoice_cents - paid
            if len(rows) > 1:
                for r in rows:
                    others = ", ".join(str(o.row) for o in rows if o is not r)
                    r.reasons.append(f"invoice {r.invoice_number} is also paid in row "
                                     f"{others}; the payments are added together")
            last = rows[-1]
            if difference > 0:
                reason = next((v.short_pay_reason for v in values if v.short_pay_reason), "")
                last.reasons.append(f"short pay of {format_money(from_cents(difference))}" +
                                    (f" ({reason})" if reason else ": no reason given"))
                totals["short_pay"] += difference
            elif difference < 0:
                last.reasons.append(f"overpaid by {format_money(from_cents(-difference))}")
                totals["overpay"] += -difference
            totals["paid"] += paid
            totals["invoiced"] += invoice_cents
        for r in outcomes:
            if r.outcome == Outcome.APPLIES and r.reasons:
                r.outcome = Outcome.WARNING
        shown: dict[str, Decimal | int] = {k: from_cents(totals[k]) for k in PAYMENT_TOTALS}
        shown["rows"] = len(outcomes)
        shown["invoices"] = len(rows_of_invoice)
        upload = self.upload
        return Preview(kind=upload.kind, file_name=upload.table.file_name,
                       sha256=upload.sha256, batch=None, rows=outcomes, totals=shown,
                       already_imported=already_imported(self.work, upload),
                       sheet=upload.table.sheet)


def _values(r: RowOutcome) -> PaymentValues:
    assert isinstance(r.values, PaymentValues)
    return r.values
