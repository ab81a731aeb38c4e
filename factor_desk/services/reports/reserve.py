"""The checks of a reserve report (issue #13): the factor's reserve activity, a row per
release, chargeback, fee or adjustment. What it adds to the one row checker.

Each row becomes a ledger entry of the factor whose reserve it moves: the factor of the
batch of the invoice it names, else the report's factor (``--factor``, or the only
factoring company). A chargeback names a Financed invoice, which becomes Charged back (the
carrier collects it now). A reference is applied once per kind, whichever file brings it:
a later report repeating it (and agreeing) has it already applied."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select

from factor_desk.db.models import (
    Batch,
    FactoringCompany,
    LedgerEntry,
    Load,
    ReportImport,
    utcnow,
)
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import Outcome
from factor_desk.domain.ledger import RESERVE_KINDS, EntryKind, parse_reserve_kind
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import MoneyError, format_money, from_cents, parse_money, to_cents
from factor_desk.domain.text import clip
from factor_desk.services.common import chunks, insert_rows
from factor_desk.services.factors import find_factor
from factor_desk.services.ledger import invoice_money
from factor_desk.services.lifecycle import move_loads
from factor_desk.services.reports.checking import (
    FOOTER_WORDS,
    InvoiceFacts,
    Row,
    Rules,
    already_imported,
    describe,
    text_of,
)
from factor_desk.services.reports.columns import ReportFile
from factor_desk.services.reports.outcomes import Preview, ReserveValues, RowOutcome

# The preview's money totals, by kind, in the order they are shown.
RESERVE_TOTALS = {EntryKind.RELEASE: "released", EntryKind.CHARGEBACK: "charged_back",
                  EntryKind.FEE: "fees", EntryKind.ADJUSTMENT: "adjustments"}
REFERENCE_LIMIT = 100  # ledger_entries.reference


class ReserveRules(Rules):
    AMOUNT = "amount"
    INVOICE_OPTIONAL = True

    def __init__(self, work: Work, upload: ReportFile,
                 by_invoice: dict[str, InvoiceFacts], by_load: dict[str, InvoiceFacts], *,
                 factor: str | None = None) -> None:
        super().__init__(work, upload, by_invoice, by_load)
        factors = dict(work.execute(select(FactoringCompany.id, FactoringCompany.name)
                                    .order_by(FactoringCompany.name)).all())
        self.factor_names: dict[int, str] = factors
        self.factor_id: int | None = find_factor(work, factor).id if factor else None
        named = self.named()
        # the factor of each invoice the file names: its batch's
        batch_ids = sorted({f.batch_id for f in named})
        self.factor_of_batch: dict[int, int] = {}
        for part in chunks(batch_ids):
            self.factor_of_batch.update(work.execute(
                select(Batch.id, Batch.factoring_company_id).where(Batch.id.in_(part))).all())
        if self.factor_id is None:
            self.factor_id = self._only_factor(factors)
        # what an earlier import applied of each reference the file gives, by kind
        refs = {text_of(cells, upload.columns, "reference") for _, cells in upload.table.rows}
        refs.discard("")
        self.applied: dict[tuple[str, str], tuple[ReportImport | None, int, int | None]] = {}
        for refs_part in chunks(sorted(refs)):
            for kind, ref, cents, invoice_id, imp in work.execute(
                select(LedgerEntry.kind, LedgerEntry.reference, LedgerEntry.amount_cents,
                       LedgerEntry.invoice_id, ReportImport)
                .outerjoin(ReportImport, ReportImport.id == LedgerEntry.import_id)
                .where(LedgerEntry.reference.in_(refs_part),
                       LedgerEntry.kind.in_([k.value for k in RESERVE_KINDS]))
            ).all():
                self.applied[(kind, ref)] = (imp, cents, invoice_id)
        # the import that charged back each named invoice that is Charged back
        self.charged_by: dict[int, ReportImport] = {}
        charged = [f.invoice_id for f in named if f.status == BillingStatus.CHARGED_BACK]
        for part in chunks(charged):
            for charged_id, charger in work.execute(
                select(LedgerEntry.invoice_id, ReportImport)
                .join(ReportImport, ReportImport.id == LedgerEntry.import_id)
                .where(LedgerEntry.invoice_id.in_(part),
                       LedgerEntry.kind == EntryKind.CHARGEBACK.value)
                .order_by(LedgerEntry.id)
            ).all():
                if charged_id is not None:
                    self.charged_by[charged_id] = charger
        # the open balance of each named Financed invoice: what a chargeback takes back
        self.balance: dict[int, int] = {}
        financed = [f.invoice_id for f in named if f.status == BillingStatus.FINANCED]
        for part in chunks(financed):
            money = invoice_money(invoice_ids=part)  # only their payments and entries
            self.balance.update((i, int(b)) for i, b in work.execute(
                select(money.c.invoice_id, money.c.balance)).all())
        self.seen_refs: dict[tuple[str, str], int] = {}  # (kind, reference): its first row
        self.seen_chargebacks: dict[int, int] = {}  # invoice id: the row charging it back

    def _only_factor(self, factors: dict[int, str]) -> int | None:
        """The factor of the rows that name no invoice when the clerk named none: the only
        factoring company. Refused, before any row is checked, when there are several."""
        columns = self.upload.columns
        unnamed = [number for number, cells in self.upload.table.rows
                   if not text_of(cells, columns, "invoice_number")
                   and not text_of(cells, columns, "load_number")
                   and text_of(cells, columns, "kind")
                   and text_of(cells, columns, "kind").lower() not in FOOTER_WORDS]
        if len(factors) == 1:
            return next(iter(factors))
        if not unnamed:
            return None  # every row's invoice says whose reserve it moves
        file_name = self.upload.table.file_name
        rows = (f"{len(unnamed)} rows name no invoice (the first: row {unnamed[0]})"
                if len(unnamed) > 1 else f"row {unnamed[0]} names no invoice")
        if not factors:
            raise InputRefused([Problem(f"{rows}, and no factoring company is set up yet: "
                                        "add it in Company profile first.", file=file_name)])
        raise InputRefused([Problem(
            f"{rows}, and there are {len(factors)} factoring companies "
            f"({', '.join(factors.values())}): say whose reserve report this is "
            "(reports reserve FILE --factor NAME; in the window, choose the factor).",
            file=file_name)])

    def check(self, row: Row) -> tuple[Decimal | None, ReserveValues | None]:
        errors, warnings, facts = row.errors, row.warnings, row.facts
        date = row.date("entry_date", "Date", required=True)
        kind: EntryKind | None = None
        kind_text = row.text("kind")
        if not kind_text:
            errors.append("Type: empty; expected release, chargeback, fee or adjustment")
        else:
            try:
                kind = parse_reserve_kind(kind_text)
            except ValueError as exc:
                errors.append(f"Type: {exc}")
        amount = self._amount(row, kind)
        ref = row.text("reference")
        if len(ref) > REFERENCE_LIMIT:
            errors.append(f"Reference: longer than {REFERENCE_LIMIT} characters")
        named = bool(row.text("invoice_number") or row.text("load_number"))
        factor_id = self.factor_id
        if facts is not None:
            factor_id = self.factor_of_batch[facts.batch_id]
            if self.factor_id is not None and factor_id != self.factor_id:
                errors.append(f"invoice {facts.invoice_number} was factored with "
                              f"{self.factor_names[factor_id]} (batch {facts.batch_label}), "
                              f"not with {self.factor_names[self.factor_id]}")
        if kind is not None and ref:
            key = (kind.value, ref)
            earlier = self.applied.get(key)
            if key in self.seen_refs:
                errors.append(f"reference {clip(ref)} is in the file twice as a {kind} (also "
                              f"row {self.seen_refs[key]})")
            else:
                self.seen_refs[key] = row.number
                if earlier is not None and not errors:
                    imp, cents, invoice_id = earlier
                    by = describe(imp) if imp is not None else "a clerk"
                    same_invoice = invoice_id == (facts.invoice_id if facts else None)
                    if amount is not None and to_cents(amount) == cents and same_invoice:
                        row.already = (f"{kind} {clip(ref)} of {format_money(amount)} was "
                                       f"applied by {by}; already applied, no change")
                    else:
                        errors.append(f"reference {clip(ref)} was applied as a {kind} of "
                                      f"{format_money(from_cents(cents))} by {by}; this row "
                                      "says otherwise")
        if kind == EntryKind.CHARGEBACK and not row.already:
            if not named:
                errors.append("a chargeback names the invoice it takes back: the Invoice "
                              "Number is empty")
            elif facts is not None:
                self._check_chargeback(row, facts, amount)
        if errors or row.already:
            return amount, None
        assert kind is not None and date is not None and amount is not None  # else errors
        if factor_id is None:  # several factors, every row named an invoice but this one
            errors.append("no invoice and no factor: say whose reserve report this is")
            return amount, None
        if not ref:
            warnings.append("no reference: the same movement in another file could not be "
                            "recognised")
        return amount, ReserveValues(
            kind=kind, entry_date=date, amount_cents=to_cents(amount), reference=ref,
            reason=row.text("note"), factoring_company_id=factor_id)

    def _amount(self, row: Row, kind: EntryKind | None) -> Decimal | None:
        """The row's amount: more than zero, but an adjustment's (signed, not zero)."""
        if not row.text("amount"):
            row.errors.append("Amount: the amount is empty")
            return None
        try:
            amount = parse_money(row.cells.value("amount"))
        except MoneyError as exc:
            row.errors.append(f"Amount: {exc}")
            return None
        if kind == EntryKind.ADJUSTMENT:
            if amount == 0:
                row.errors.append("Amount: an adjustment of $0.00 changes nothing")
                return None
        elif kind is not None and amount <= 0:
            row.errors.append(f"Amount: a {kind} is more than zero, found "
                              f"{format_money(amount)} (an adjustment may be negative)")
            return None
        return amount

    def _check_chargeback(self, row: Row, facts: InvoiceFacts, amount: Decimal | None
                          ) -> None:
        if facts.status == BillingStatus.CHARGED_BACK:
            imp = self.charged_by.get(facts.invoice_id)
            by = f" by {describe(imp)}" if imp else ""
            row.errors.append(f"load {facts.load_number} is already Charged back{by}")
            return
        if facts.status != BillingStatus.FINANCED:
            row.errors.append(f"load {facts.load_number} is {facts.status}, not Financed: "
                              "only an invoice the factor bought and has not been paid can "
                              "be charged back")
            return
        first = self.seen_chargebacks.setdefault(facts.invoice_id, row.number)
        if first != row.number:
            row.errors.append(f"invoice {facts.invoice_number} is charged back twice in the "
                              f"file (also row {first})")
            return
        balance = self.balance.get(facts.invoice_id)
        if amount is not None and balance is not None and to_cents(amount) != balance:
            row.warnings.append(f"the chargeback of {format_money(amount)} is not the "
                                f"invoice's open balance {format_money(from_cents(balance))}")

    def finish(self, outcomes: list[RowOutcome]) -> Preview:
        totals: defaultdict[str, int] = defaultdict(int)
        for r in outcomes:
            if r.outcome != Outcome.ERROR and isinstance(r.values, ReserveValues):
                totals[RESERVE_TOTALS[r.values.kind]] += r.values.amount_cents
        shown: dict[str, Decimal | int] = {k: from_cents(totals[k])
                                           for k in RESERVE_TOTALS.values()}
        shown["rows"] = len(outcomes)
        shown["chargebacks"] = sum(1 for r in outcomes if r.outcome != Outcome.ERROR and
                                   isinstance(r.values, ReserveValues) and
                                   r.values.kind == EntryKind.CHARGEBACK)
        already = sum(1 for r in outcomes if r.outcome == Outcome.ALREADY_APPLIED)
        if already:
            shown["already_applied"] = already
        upload = self.upload
        return Preview(kind=upload.kind, file_name=upload.table.file_name,
                       sha256=upload.sha256, batch=None, rows=outcomes, totals=shown,
                       already_imported=already_imported(self.work, upload),
                       sheet=upload.table.sheet)


# ------------------------------------------------------------------ writing and undoing

WRITE_CHUNK = 5000


def write_reserve(work: Work, imp: ReportImport, rows: list[RowOutcome], user: str) -> None:
    """Write a ledger entry for each row that applies; a chargeback's load goes from
    Financed to Charged back (a history row each)."""
    # In the order of the unique key, so that two clerks racing take its entries in the
    # same order: the later one waits and is refused instead of deadlocking.
    rows = sorted(rows, key=lambda r: (_values(r).kind.value, _values(r).reference, r.row))
    keys = ("import_id", "invoice_id", "load_id", "row_number", "at", "by",
            *ReserveValues.KEYS)
    now = utcnow()
    for part in chunks(rows, WRITE_CHUNK):  # bounded parameter lists keep memory flat
        insert_rows(work, LedgerEntry.__table__, keys, [
            (imp.id, r.invoice_id, r.load_id, r.row, now, user, *_values(r).row())
            for r in part])
    charged = [(r.load_id, r.load_number) for r in rows
               if _values(r).kind == EntryKind.CHARGEBACK and r.load_id is not None]
    move_loads(work, charged, BillingStatus.FINANCED, BillingStatus.CHARGED_BACK, by=user,
               reason=f"Charged back by the factor: reserve report {imp.file_name} "
                      f"(import #{imp.id})", import_id=imp.id, exception=True)


def undo_reserve(work: Work, imp: ReportImport, user: str) -> tuple[int, int]:
    """Delete the entries of reserve import ``imp``; its charged-back loads go back to
    Financed (a history row each). Refused, naming the load, when one has moved on since
    (e.g. the debtor paid it directly). Gives (loads moved back, entries removed)."""
    charged = work.execute(
        select(Load.id, Load.load_number, Load.status)
        .join(LedgerEntry, LedgerEntry.load_id == Load.id)
        .where(LedgerEntry.import_id == imp.id,
               LedgerEntry.kind == EntryKind.CHARGEBACK.value)
        .order_by(Load.load_number)).all()
    moved_on = [(number, status) for _, number, status in charged
                if status != BillingStatus.CHARGED_BACK]
    if moved_on:
        shown = ", ".join(f"load {number} is {status}" for number, status in moved_on[:10])
        more = len(moved_on) - 10
        raise InputRefused([
            f"Import #{imp.id} cannot be undone: it charged back loads that have moved on "
            f"since ({shown}" + (f" and {more} more" if more > 0 else "") + "): a direct "
            "payment or a close with a short pay completed them. Take that back first "
            "(loads take-back; in the window, Take back… on the load page); nothing was "
            "changed."])
    # a direct payment short of the balance leaves a load Charged back: it holds the
    # chargeback too (the factor would get back a load the debtor partly paid the carrier)
    last = select(func.max(LedgerEntry.id)).where(
        LedgerEntry.import_id == imp.id).scalar_subquery()
    paid = [row for part in chunks([lid for lid, _, _ in charged]) for row in work.execute(
        select(LedgerEntry.id, Load.load_number, LedgerEntry.by, LedgerEntry.at)
        .join(Load, Load.id == LedgerEntry.load_id)
        .where(LedgerEntry.kind == EntryKind.DIRECT_PAYMENT.value,
               LedgerEntry.load_id.in_(part), LedgerEntry.id > last)
        .order_by(LedgerEntry.id).limit(1)).all()]
    if paid:
        _, number, by, at = min(paid)
        raise InputRefused([
            f"Import #{imp.id} cannot be undone: {by} recorded a direct payment for load "
            f"{number} on {at:%m/%d/%Y} after it charged the load back; the chargeback "
            "stands while the carrier holds that payment. Take the payment back first "
            "(loads take-back) if it was a slip; nothing was changed."])
    removed = cast(CursorResult[Any], work.execute(
        delete(LedgerEntry).where(LedgerEntry.import_id == imp.id)
        .execution_options(synchronize_session=False))).rowcount
    move_loads(work, [(lid, number) for lid, number, _ in charged],
               BillingStatus.CHARGED_BACK, BillingStatus.FINANCED, by=user,
               reason=f"Undo of import #{imp.id} ({imp.file_name}): given back to the factor",
               import_id=imp.id, exception=True)
    return len(charged), removed


def _values(r: RowOutcome) -> ReserveValues:
    assert isinstance(r.values, ReserveValues)
    return r.values
