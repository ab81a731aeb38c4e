"""The checks of a purchase report (the factor bought, held or rejected each invoice of a
batch): what it adds to the one row checker."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from factor_desk.db.models import Invoice, Load, Payment, PurchaseRecord, ReportImport
from factor_desk.db.work import Work
from factor_desk.domain.factor_reports import ImportStatus, Outcome, PurchaseStatus
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import format_money, from_cents, to_cents
from factor_desk.domain.text import excerpt
from factor_desk.services.batches import find_batch
from factor_desk.services.factors import factor_terms_by_id, terms_expected
from factor_desk.services.reports.bulk import named_in
from factor_desk.services.reports.checking import (
    InvoiceFacts,
    Row,
    Rules,
    already_imported,
    applied_imports_of,
    describe,
)
from factor_desk.services.reports.columns import ReportFile
from factor_desk.services.reports.outcomes import Preview, PurchaseValues, RowOutcome

PURCHASE_TOTALS = ("purchased", "advance", "fee", "reserve", "factor_amount",
                   "amount_difference")


class PurchaseRules(Rules):
    AMOUNT = "invoice_amount"

    def __init__(self, work: Work, upload: ReportFile,
                 by_invoice: dict[str, InvoiceFacts], by_load: dict[str, InvoiceFacts], *,
                 batch_name: str) -> None:
        super().__init__(work, upload, by_invoice, by_load)
        self.batch = find_batch(work, batch_name)
        # the import that moved each named invoice past Invoiced: a purchase report made it
        # Financed, a payment report Completed (not the purchase report before it)
        named = [f for f in self.named() if f.status != BillingStatus.INVOICED]
        self.moved_by = applied_imports_of(
            work, PurchaseRecord,
            [f.invoice_id for f in named if f.status != BillingStatus.COMPLETED])
        self.moved_by.update(applied_imports_of(
            work, Payment, [f.invoice_id for f in named if f.status == BillingStatus.COMPLETED]))
        # what an earlier import bought each of them for: a later report that agrees with it
        # is already applied
        self.bought_by = _bought_by(work, [f.invoice_id for f in named])
        self.seen: dict[int, int] = {}  # invoice id: the row that named it first
        # the terms of the batch's factor: a purchase whose figures disagree is a warning
        self.terms = factor_terms_by_id(work, self.batch.factoring_company_id)

    def check(self, row: Row) -> tuple[Decimal | None, PurchaseValues | None]:
        errors, warnings, facts, batch = row.errors, row.warnings, row.facts, self.batch
        status_text = row.text("status")
        status: PurchaseStatus | None = PurchaseStatus.PURCHASED
        reason = row.text("reason")
        if status_text:
            status = PurchaseStatus.parse(status_text)
            if status is None:  # "Held - missing POD": the first word, the rest a reason
                head, _, rest = status_text.replace(":", " - ").partition(" - ")
                status = PurchaseStatus.parse(head)
                if status and rest.strip() and not reason:
                    reason = rest.strip()
            if status is None:
                errors.append(f"Status: expected Purchased, Held or Rejected, found "
                              f"{excerpt(status_text)}")
        amount = row.money("invoice_amount", "Invoice Amount", required=True)
        purchased = status == PurchaseStatus.PURCHASED
        date = row.date("purchase_date", "Purchase Date", required=purchased)
        advance = row.money("advance", "Advance Amount", required=False)
        fee = row.money("fee", "Fee Amount", required=False)
        reserve = row.money("reserve", "Reserve Amount", required=False)
        if facts is not None:
            if facts.batch_id != batch.id:
                errors.append(f"invoice {facts.invoice_number} is in batch "
                              f"{facts.batch_label}, not in batch {batch.label}")
            row_batch = row.text("batch_number")
            if row_batch and row_batch.upper() != batch.label.upper() and not (
                    row_batch.isdigit() and int(row_batch) == batch.number):
                errors.append(f"the row says batch {row_batch}, but this upload is for batch "
                              f"{batch.label}")
            if facts.invoice_id in self.seen:
                errors.append(f"invoice {facts.invoice_number} is in the file twice (also "
                              f"row {self.seen[facts.invoice_id]})")
            else:
                self.seen[facts.invoice_id] = row.number
            bought = self.bought_by.get(facts.invoice_id)
            if facts.status != BillingStatus.INVOICED and status is not None and bought:
                buyer, cents = bought
                if status == PurchaseStatus.PURCHASED and amount is not None \
                        and to_cents(amount) == cents:
                    row.already = (f"invoice {facts.invoice_number} was bought for "
                                   f"{format_money(from_cents(cents))} by {describe(buyer)}; "
                                   "already applied, no change")
                elif amount is not None:
                    says = (f"{status} for {format_money(amount)}"
                            if status == PurchaseStatus.PURCHASED else str(status))
                    moved = self.moved_by.get(facts.invoice_id)
                    by = f" by {describe(moved)}" if moved else ""
                    errors.append(f"invoice {facts.invoice_number} was bought for "
                                  f"{format_money(from_cents(cents))} by {describe(buyer)}, "
                                  f"but this row says {says}; load {facts.load_number} "
                                  f"is already {facts.status}{by}")
            elif facts.status != BillingStatus.INVOICED and status is not None:
                imp = self.moved_by.get(facts.invoice_id)
                by = f" by {describe(imp)}" if imp else ""
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
        if status == PurchaseStatus.PURCHASED and amount is not None and not errors:
            warnings.extend(terms_expected(self.terms, amount, {
                "advance": advance, "fee": fee, "reserve": reserve}))
        if status in (PurchaseStatus.HELD, PurchaseStatus.REJECTED):
            warnings.append(f"{status} by the factor" + (f": {reason}" if reason else "") +
                            "; the load stays Invoiced")
        if errors:
            return amount, None
        assert status is not None and amount is not None  # else an error says why
        return amount, PurchaseValues(
            status=status, reason=reason, purchase_date=date,
            invoice_amount_cents=to_cents(amount), advance_cents=_cents(advance),
            fee_cents=_cents(fee), reserve_cents=_cents(reserve))

    def finish(self, outcomes: list[RowOutcome]) -> Preview:
        totals: defaultdict[str, int] = defaultdict(int)
        for r in outcomes:
            v = r.values
            if r.outcome == Outcome.ERROR or not isinstance(v, PurchaseValues) or \
                    v.status != PurchaseStatus.PURCHASED:
                continue
            # as the reconciliation counts them: our invoice's amount, the factor's apart
            assert r.invoice_cents is not None
            totals["purchased"] += r.invoice_cents
            totals["factor_amount"] += v.invoice_amount_cents
            totals["amount_difference"] += v.invoice_amount_cents - r.invoice_cents
            totals["advance"] += v.advance_cents or 0
            totals["fee"] += v.fee_cents or 0
            totals["reserve"] += v.reserve_cents or 0
        # only the invoices still open in the batch: those an earlier import bought are not
        # missing from a later report
        in_batch = self.work.execute(
            select(Invoice.id, Invoice.invoice_number)
            .join(Load, Load.id == Invoice.load_id)
            .where(Invoice.batch_id == self.batch.id, Invoice.recalled_at.is_(None),
                   Load.status == BillingStatus.INVOICED)
            .order_by(Invoice.position)).all()
        missing = [number for inv_id, number in in_batch if inv_id not in self.seen]
        shown: dict[str, Decimal | int] = {k: from_cents(totals[k]) for k in PURCHASE_TOTALS}
        shown["rows"] = len(outcomes)
        already = sum(1 for r in outcomes if r.outcome == Outcome.ALREADY_APPLIED)
        if already:
            shown["already_applied"] = already
        upload = self.upload
        return Preview(
            kind=upload.kind, file_name=upload.table.file_name, sha256=upload.sha256,
            batch=self.batch.label, rows=outcomes, totals=shown, missing_invoices=missing,
            already_imported=already_imported(self.work, upload), sheet=upload.table.sheet)


def _bought_by(work: Work, invoice_ids: list[int]) -> dict[int, tuple[ReportImport, int]]:
    """For each invoice an applied import bought: that import and the invoice amount its
    report gave."""
    found: dict[int, tuple[ReportImport, int]] = {}
    for named in named_in(work, PurchaseRecord.invoice_id, set(invoice_ids)):
        for invoice_id, cents, imp in work.execute(
            select(PurchaseRecord.invoice_id, PurchaseRecord.invoice_amount_cents, ReportImport)
            .join(ReportImport, ReportImport.id == PurchaseRecord.import_id)
            .where(named,
                   PurchaseRecord.status == PurchaseStatus.PURCHASED,
                   ReportImport.status == ImportStatus.APPLIED)
        ).all():
            found[invoice_id] = (imp, cents)
    return found


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else to_cents(amount)
