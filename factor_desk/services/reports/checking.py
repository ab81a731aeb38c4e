"""The one row checker of the factor's reports. Each row: its cells, the invoice it names,
its amounts and dates read, the checks of its kind of report (``purchase``, ``payments``),
and its outcome (applies, warning or error) with every reason. A kind of report gives only
what differs: a ``Rules`` subclass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from factor_desk.db.models import Batch, Invoice, Load, Payment, PurchaseRecord, ReportImport
from factor_desk.db.work import Work
from factor_desk.documents.tabular import cell_text
from factor_desk.domain.dates import DateCache
from factor_desk.domain.factor_reports import ImportStatus, Outcome
from factor_desk.domain.money import MoneyError, format_money, parse_money
from factor_desk.domain.text import clip
from factor_desk.services.common import Progress
from factor_desk.services.reports.bulk import named_in
from factor_desk.services.reports.columns import ReportFile
from factor_desk.services.reports.outcomes import (
    Preview,
    ReportCancelled,
    RowOutcome,
    RowValues,
)

PROGRESS_EVERY = 2000


class Cells:
    """The cells of one row by field name."""

    __slots__ = ("raw",)

    def __init__(self, cells: list[object], columns: dict[str, int]) -> None:
        n = len(cells)
        # Text cells stripped once here: each is read several times per row (profiled:
        # 14 reads a row, a fifth of a payment report's check).
        self.raw = {f: (v.strip() if isinstance(v, str) else v)
                    for f, i in columns.items() if i < n for v in (cells[i],)}

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        if value is None:
            return ""
        return value if isinstance(value, str) else cell_text(value)

    def value(self, name: str) -> object:
        return self.raw.get(name)


def text_of(cells: list[object], columns: dict[str, int], name: str) -> str:
    """``Cells(cells, columns).text(name)`` for a pass that reads one or two cells of each
    row: a Cells of the whole row would read them all."""
    index = columns.get(name)
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else cell_text(value)


@dataclass(slots=True)
class InvoiceFacts:
    """What the database knows of an invoice a row names."""

    invoice_id: int
    invoice_number: str
    load_id: int
    load_number: str
    status: str
    amount_cents: int
    batch_id: int
    batch_label: str


class Row:
    """One row being checked: its cells, the invoice it names (None when it names none we
    know), its errors and warnings so far, and the parsing every kind of report needs."""

    __slots__ = ("number", "cells", "facts", "errors", "warnings", "already", "_dates")

    def __init__(self, number: int, cells: Cells, dates: DateCache) -> None:
        self.number = number
        self.cells = cells
        self.facts: InvoiceFacts | None = None
        self.errors: list[str] = []
        self.warnings: list[str] = []
        # why the row changes nothing: an earlier import applied it already (and agrees)
        self.already: str | None = None
        self._dates = dates

    def text(self, name: str) -> str:
        return self.cells.text(name)

    def money(self, name: str, title: str, *, required: bool) -> Decimal | None:
        """The amount in column ``name``; None, with an error, when it is not one."""
        if not self.cells.text(name):
            if required:
                self.errors.append(f"{title}: the amount is empty")
            return None
        try:
            amount = parse_money(self.cells.value(name))
        except MoneyError as exc:
            self.errors.append(f"{title}: {exc}")
            return None
        if amount < 0:
            self.errors.append(f"{title}: expected zero or more, found {format_money(amount)}")
            return None
        return amount

    def date(self, name: str, title: str, *, required: bool) -> dt.date | None:
        """The date in column ``name``; None, with an error, when it is not one."""
        if not self.cells.text(name):
            if required:
                self.errors.append(f"{title}: the date is empty")
            return None
        found = self._dates.read(self.cells.value(name))
        if isinstance(found, str):
            self.errors.append(f"{title}: {found}")
            return None
        return found


class Rules:
    """What a kind of report checks beyond what every row gets. ``check`` reads a row and
    gives its amount and, when it has no error, what applying writes; ``finish`` gives the
    preview of the whole file. ``AMOUNT``: the field of the row's amount (a footer row's
    total is that of the rows above)."""

    AMOUNT = ""
    # Whether a row may name no invoice (a reserve report's release of the whole reserve):
    # such a row is not looked up, and only a row that says Total is a footer.
    INVOICE_OPTIONAL = False

    def __init__(self, work: Work, upload: ReportFile,
                 by_invoice: dict[str, InvoiceFacts], by_load: dict[str, InvoiceFacts]
                 ) -> None:
        self.work = work
        self.upload = upload
        self.by_invoice = by_invoice
        self.by_load = by_load

    def named(self) -> list[InvoiceFacts]:
        """Each invoice the file names, once."""
        return list({f.invoice_id: f for f in (*self.by_invoice.values(),
                                               *self.by_load.values())}.values())

    def check(self, row: Row) -> tuple[Decimal | None, RowValues | None]:
        raise NotImplementedError

    def finish(self, outcomes: list[RowOutcome]) -> Preview:
        raise NotImplementedError


class Stopped(Exception):
    """The clerk asked to stop while the rows were being checked."""


def check_rows(work: Work, upload: ReportFile,
               rules: Callable[[Work, ReportFile, dict[str, InvoiceFacts],
                                dict[str, InvoiceFacts]], Rules],
               should_stop: Callable[[], bool]) -> Iterator[Progress]:
    """Check every row of ``upload`` by ``rules``; the last item carries the Preview."""
    by_invoice, by_load = _invoice_facts(work, upload)
    kind = rules(work, upload, by_invoice, by_load)
    table, columns = upload.table, upload.columns
    dates = DateCache()
    outcomes: list[RowOutcome] = []
    total_rows = len(table.rows)
    above = Decimal(0)  # the sum of the amounts of the rows above (footers apart)
    try:
        for n, (row_number, cells) in enumerate(table.rows, start=1):
            if not n % PROGRESS_EVERY:
                if should_stop():
                    raise Stopped
                yield Progress(n, total_rows, f"Checking row {row_number}")
            row = Row(row_number, Cells(cells, columns), dates)
            footer = footer_row(row, kind.AMOUNT, above, words_only=kind.INVOICE_OPTIONAL)
            if footer:
                outcomes.append(RowOutcome(
                    row=row_number, invoice_number=row.text("invoice_number"),
                    load_number=row.text("load_number"), outcome=Outcome.WARNING,
                    reasons=[footer]))
                continue
            row.facts = facts = _identify(row, by_invoice, by_load, work) if (
                not kind.INVOICE_OPTIONAL or row.text("invoice_number")
                or row.text("load_number")) else None
            amount, values = kind.check(row)
            if amount is not None:
                above += amount
            errors = row.errors
            out = RowOutcome(
                row=row_number,
                invoice_number=facts.invoice_number if facts else row.text("invoice_number"),
                load_number=facts.load_number if facts else row.text("load_number"),
                outcome=Outcome.ERROR if errors else Outcome.ALREADY_APPLIED if row.already
                else Outcome.WARNING if row.warnings else Outcome.APPLIES,
                reasons=errors + ([row.already] if row.already else row.warnings),
                amount=amount)
            if not errors and not row.already:
                assert values is not None  # else an error says why
                assert facts is not None or kind.INVOICE_OPTIONAL
                if facts is not None:
                    out.invoice_id, out.load_id = facts.invoice_id, facts.load_id
                    out.invoice_cents = facts.amount_cents
                out.values = values
            outcomes.append(out)
    except Stopped:
        raise ReportCancelled() from None
    yield Progress(total_rows, total_rows, "Checked", kind.finish(outcomes))


FOOTER_WORDS = {"total", "totals", "grand total", "total:", "totals:", "grand total:"}


def footer_row(row: Row, amount_field: str, above: Decimal, *, words_only: bool = False
               ) -> str | None:
    """Why ``row`` is a portal's footer, to be skipped (its warning); None when it is not
    one. A footer says ``Total``, ``Totals`` or ``Grand total`` in a cell, or (unless
    ``words_only``) leaves the invoice and load cells empty; either way its amount, when it
    has one, is the sum of the rows above (a row whose amount is not that is checked as any
    other row)."""
    named = [t for t in (row.text("invoice_number"), row.text("load_number")) if t]
    if any(t.lower() not in FOOTER_WORDS for t in named):
        return None  # it names an invoice or a load: most rows, told apart at once
    words = next((v for v in row.cells.raw.values()
                  if isinstance(v, str) and v.lower() in FOOTER_WORDS), None)
    if words is None and words_only:
        return None
    text = row.text(amount_field)
    if not text:
        if words is None:
            return None  # an empty row's own errors say what it lacks
        return f"a footer row ({words}): skipped"
    try:
        amount = parse_money(row.cells.value(amount_field))
    except MoneyError:
        return None
    if amount != above:
        return None
    what = f"({words})" if words else "(no invoice, the amount of the rows above)"
    return f"a footer row {what} of {format_money(amount)}: skipped"


def _invoice_facts(work: Work, upload: ReportFile
                   ) -> tuple[dict[str, InvoiceFacts], dict[str, InvoiceFacts]]:
    """Every invoice the file names, by invoice number and by load number."""
    inv_numbers, load_numbers = set(), set()
    columns = upload.columns
    for _, cells in upload.table.rows:
        if inv_no := text_of(cells, columns, "invoice_number"):
            inv_numbers.add(inv_no)
        if load_no := text_of(cells, columns, "load_number"):
            load_numbers.add(load_no)
    base = (select(Invoice.id, Invoice.invoice_number, Load.id, Load.load_number, Load.status,
                   Invoice.amount_cents, Invoice.batch_id, Batch.label)
            .join(Load, Load.id == Invoice.load_id).join(Batch, Batch.id == Invoice.batch_id)
            .where(Invoice.recalled_at.is_(None)))  # a recalled invoice's number may be reused
    by_invoice: dict[str, InvoiceFacts] = {}
    by_load: dict[str, InvoiceFacts] = {}
    conn = work.connection()
    for column, wanted, target in ((Invoice.invoice_number, inv_numbers, by_invoice),
                                   (Load.load_number, load_numbers, by_load)):
        for named in named_in(work, column, wanted):
            for found in conn.execute(base.where(named)).all():  # one fetchall
                facts = InvoiceFacts(*found)
                target[facts.invoice_number if target is by_invoice else facts.load_number] \
                    = facts
    return by_invoice, by_load


def _identify(row: Row, by_invoice: dict[str, InvoiceFacts],
              by_load: dict[str, InvoiceFacts], work: Work) -> InvoiceFacts | None:
    inv_no, load_no = row.text("invoice_number"), row.text("load_number")
    reasons = row.errors
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
        exists = work.execute(
            select(Load.status).where(Load.load_number == load_no)).scalar_one_or_none()
        if exists is None:
            reasons.append(f"unknown load {clip(load_no)}")
        else:
            reasons.append(f"load {clip(load_no)} is {exists} and has no invoice yet: no batch "
                           "sent it")
        return None
    return facts


def applied_imports_of(work: Work, model: type[PurchaseRecord] | type[Payment],
                       invoice_ids: list[int]) -> dict[int, ReportImport]:
    """For each invoice, the applied import whose ``model`` rows name it (latest)."""
    found: dict[int, ReportImport] = {}
    # each chunk in the order of the imports, and the chunks (when more than one) in the
    # order of the ids: an invoice is in one chunk, so its latest import comes last
    for named in named_in(work, model.invoice_id, set(invoice_ids)):
        for invoice_id, imp in work.execute(
            select(model.invoice_id, ReportImport)
            .join(ReportImport, ReportImport.id == model.import_id)
            .where(named, ReportImport.status == ImportStatus.APPLIED)
            .order_by(ReportImport.id)
        ).all():
            found[invoice_id] = imp
    return found


def describe(imp: ReportImport) -> str:
    return f"import #{imp.id} on {imp.imported_at:%m/%d/%Y}"


def already_imported(work: Work, upload: ReportFile) -> str | None:
    """``import #N on DATE`` when this very file was applied as a report of its kind."""
    imp = work.execute(
        select(ReportImport).where(ReportImport.sha256 == upload.sha256,
                                   ReportImport.kind == upload.kind,
                                   ReportImport.status == ImportStatus.APPLIED)
        .order_by(ReportImport.id)
    ).scalars().first()
    return describe(imp) if imp else None
