"""The checks of a payment report (the debtors paid the factor): what it adds to the one
row checker. Payments come over time (#13): the rows of an invoice are added, in the file's
order, to what it was paid before; a payment below the open balance leaves the load
Financed with the rest open, one that reaches the balance completes it, and a row marked
Final (or with a short pay reason) completes it whatever is left, which it writes off as a
short pay."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import Subquery, select

from factor_desk.db.models import Payment, ReportImport
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ImportStatus, Outcome
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import format_money, from_cents, to_cents
from factor_desk.domain.text import clip, excerpt
from factor_desk.services.common import CHUNK, chunks
from factor_desk.services.ledger import invoice_money
from factor_desk.services.reports.bulk import named_in, on_server
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

# stays_open: what the invoices of the file still owe after it (partial payments)
PAYMENT_TOTALS = ("paid", "invoiced", "short_pay", "overpay", "stays_open")

# The text columns the payments table keeps in a bounded column, and their limit.
_TEXT_LIMITS = (("reference_number", "Reference Number", 100),
                ("check_number", "Check Number", 100),
                ("payment_method", "Payment Method", 50), ("debtor", "Debtor", 200))

_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


def parse_final(value: str) -> bool:
    """The Final column's word: yes/no, y/n, true/false, 1/0, or x for yes; empty is no.
    ValueError says what was expected."""
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(f"expected yes or no, found {excerpt(value)}")


def _money(cents: int) -> str:
    return format_money(from_cents(cents))


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
        for named in named_in(work, Payment.reference_number, refs_in_file):
            for ref, imp in work.execute(
                select(Payment.reference_number, ReportImport)
                .join(ReportImport, ReportImport.id == Payment.import_id)
                .where(named,
                       ReportImport.status == ImportStatus.APPLIED)
            ).all():
                self.applied_refs.setdefault(ref, imp)
        self.seen_refs: dict[str, int] = {}  # reference: the row that named it first
        # what each Financed invoice named still owes, and was paid, before this file
        self.open_before: dict[int, tuple[int, int]] = {}
        owing = [f for f in self.named() if f.status == BillingStatus.FINANCED]
        financed = [f.invoice_id for f in owing]
        picks: list[Subquery] = []
        if on_server(work):
            # One statement per batch the file names at least CHUNK invoices of (its
            # figures, the named ones kept), one for the rest: its ids are written into the
            # statement, three times, which cost 0.15-0.3 s for 50,000 ids.
            of_batch: defaultdict[int, list[int]] = defaultdict(list)
            for f in owing:
                of_batch[f.batch_id].append(f.invoice_id)
            rest = [i for ids in of_batch.values() if len(ids) < CHUNK for i in ids]
            picks = [invoice_money(batch_id=b) for b, ids in of_batch.items()
                     if len(ids) >= CHUNK]
            if rest:
                picks.append(invoice_money(invoice_ids=rest))
        else:
            picks = [invoice_money(invoice_ids=ids) for ids in chunks(financed)]
        wanted = set(financed)
        for money in picks:  # only their payments and entries
            for invoice_id, balance, paid in work.execute(
                    select(money.c.invoice_id, money.c.balance, money.c.paid)).all():
                if invoice_id in wanted:
                    self.open_before[invoice_id] = (int(balance), int(paid))

    def check(self, row: Row) -> tuple[Decimal | None, PaymentValues | None]:
        errors, facts = row.errors, row.facts
        date = row.date("payment_date", "Payment Date", required=True)
        amount = row.money("amount_paid", "Amount Paid", required=True)
        ref = row.text("reference_number")
        for name, title, limit in _TEXT_LIMITS:
            if len(row.text(name)) > limit:
                errors.append(f"{title}: longer than {limit} characters")
        final = False
        try:
            final = parse_final(row.text("final"))
        except ValueError as exc:
            errors.append(f"Final: {exc}")
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
            elif facts.status == BillingStatus.CHARGED_BACK:
                errors.append(f"load {facts.load_number} is Charged back: the factor gave "
                              "the invoice back and the carrier collects it now; record the "
                              f"debtor's payment with loads pay {facts.load_number} (in the "
                              "window: Record direct payment…)")
            elif facts.status != BillingStatus.FINANCED:
                errors.append(f"load {facts.load_number} is {facts.status}, not Financed")
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
            note=row.text("note"), final=final)

    def finish(self, outcomes: list[RowOutcome]) -> Preview:
        rows_of_invoice: dict[int, list[RowOutcome]] = defaultdict(list)
        for r in outcomes:
            if r.outcome != Outcome.ERROR and r.invoice_id is not None:
                rows_of_invoice[r.invoice_id].append(r)
        totals: defaultdict[str, int] = defaultdict(int)
        warned: set[int] = set()  # rows whose reasons are warnings, not notes
        for invoice_id, rows in rows_of_invoice.items():
            invoice_cents = rows[0].invoice_cents
            assert invoice_cents is not None
            open_cents, paid_before = self.open_before.get(invoice_id,
                                                           (invoice_cents, 0))
            if len(rows) > 1:
                for r in rows:
                    others = ", ".join(str(o.row) for o in rows if o is not r)
                    r.reasons.append(f"invoice {r.invoice_number} is also paid in row "
                                     f"{others}; the payments are added in the file's order")
                    warned.add(r.row)
            closed_by: RowOutcome | None = None  # the row that completed it
            paid = paid_before
            good = []
            for r in rows:
                v = _values(r)
                if closed_by is not None and _values(closed_by).closes:
                    r.outcome = Outcome.ERROR
                    r.reasons.insert(0, f"invoice {r.invoice_number} is closed by row "
                                        f"{closed_by.row} above (final or short paid): a "
                                        "payment after its last one cannot be applied; mark "
                                        "the invoice's last row Final instead")
                    continue
                good.append(v)
                paid += v.amount_cents
                after = open_cents - v.amount_cents
                v.open_after_cents = after
                if closed_by is not None:  # paid in full above: this one pays more
                    r.reasons.append(f"pays {_money(v.amount_cents)} more after row "
                                     f"{closed_by.row} paid the invoice in full; overpaid "
                                     f"by {_money(-after)}")
                    warned.add(r.row)
                elif v.closes or after <= 0:
                    closed_by = r
                    v.completes = True
                    if after > 0:
                        v.short_pay_cents = after
                        why = (f" ({v.short_pay_reason})" if v.short_pay_reason
                               else " (marked final, no reason given)")
                        r.reasons.append(
                            f"final payment: {_money(v.amount_cents)} of "
                            f"{_money(open_cents)} open; short pay of {_money(after)}{why} "
                            f"written off; load {r.load_number} becomes Completed")
                        warned.add(r.row)
                    elif after < 0:
                        r.reasons.append(f"overpaid by {_money(-after)}: load "
                                         f"{r.load_number} becomes Completed")
                        warned.add(r.row)
                    elif paid != v.amount_cents:
                        r.reasons.append(f"completes invoice {r.invoice_number}: "
                                         f"{_money(paid)} paid in all of "
                                         f"{_money(invoice_cents)}")
                else:
                    r.reasons.append(f"partial payment: {_money(v.amount_cents)} of "
                                     f"{_money(open_cents)}, {_money(after)} stays open; "
                                     f"load {r.load_number} stays Financed")
                    warned.add(r.row)
                open_cents = after
            totals["paid"] += sum(v.amount_cents for v in good)
            totals["short_pay"] += sum(v.short_pay_cents for v in good)
            totals["invoiced"] += invoice_cents
            if open_cents < 0:
                totals["overpay"] += -open_cents
            elif closed_by is None:
                totals["stays_open"] += open_cents
        for r in outcomes:
            if r.outcome == Outcome.APPLIES and r.row in warned:
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
