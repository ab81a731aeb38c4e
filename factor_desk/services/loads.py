"""Loads: import from the TMS's CSV/XLSX, list, find the eligible ones, attach supporting
documents, read a load's status history."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, literal, null, or_, select
from sqlalchemy import DateTime as Stamp
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from factor_desk.db.database import Database
from factor_desk.db.models import (
    Batch,
    Customer,
    Load,
    LoadCharge,
    ReportImport,
    StatusHistory,
    Subsidiary,
    SupportingDocument,
    max_length,
    utcnow,
)
from factor_desk.db.store import sha256_of
from factor_desk.documents.tabular import (
    ColumnSpec,
    Table,
    cell_text,
    header_fits,
    match_columns,
    read_file_bytes,
    read_table_bytes,
    template_csv,
)
from factor_desk.domain.dates import DateCache
from factor_desk.domain.errors import InputRefused, NotFound, Problem
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import MoneyError, from_cents, parse_money, to_cents
from factor_desk.domain.text import EXCERPT_LIMIT, excerpt
from factor_desk.domain.trade import DocumentKind, InvoicingMethod, missing_documents
from factor_desk.services.common import chunks, current_user, find_subsidiary, gc_paused
from factor_desk.services.customers import is_placeholder_mc, mc_key, name_key

# ------------------------------------------------------------------ the loads file

LOAD_COLUMNS: list[ColumnSpec] = [
    ColumnSpec("load_number", "Load Number", ("Load", "Load ID", "Load Num", "Load Ref"),
               required=True),
    ColumnSpec("invoice_number", "Invoice Number", ("Invoice", "Inv Number", "Inv")),
    ColumnSpec("customer", "Customer", ("Customer Name", "Debtor", "Debtor Name", "Bill To",
                                        "Broker", "Broker Name"), required=True),
    ColumnSpec("customer_mc", "Customer MC", ("MC", "MC Number", "Customer MC Number",
                                              "Debtor MC", "Broker MC")),
    ColumnSpec("po_number", "PO Number", ("PO", "Reference", "Reference Number", "Ref Number",
                                          "Ref", "PO Ref", "Customer Reference")),
    ColumnSpec("pickup_date", "Pickup Date", ("Pick Up Date", "PU Date", "Ship Date")),
    ColumnSpec("pickup_location", "Pickup Location", ("Pickup", "Origin", "Shipper",
                                                      "Pick Up Location", "Pickup City")),
    ColumnSpec("delivery_date", "Delivery Date", ("Del Date", "Drop Date", "Delivered Date",
                                                  "Delivered")),
    ColumnSpec("delivery_location", "Delivery Location", ("Delivery", "Destination",
                                                          "Consignee", "Delivery City")),
    ColumnSpec("linehaul", "Linehaul", ("Line Haul", "Linehaul Rate", "Rate", "Freight")),
    ColumnSpec("accessorials", "Accessorials", ("Accessorial", "Accessorial Charges",
                                                "Extras")),
    ColumnSpec("total", "Total", ("Amount", "Total Amount", "Invoice Amount",
                                  "Total Charges", "Total Rate")),
    ColumnSpec("invoicing_method", "Invoicing Method", ("Invoice Method", "Billing Method")),
    ColumnSpec("status", "Status", ("Billing Status", "Load Status")),
]
_TITLE = {c.field: c.title for c in LOAD_COLUMNS}
_IMPORTABLE_STATUSES = (BillingStatus.RELEASED, BillingStatus.QUEUED)


def loads_template() -> str:
    """The Loads.csv template: the header and one example row."""
    return template_csv(
        LOAD_COLUMNS,
        [{
            "load_number": "10001", "invoice_number": "10001", "customer": "Example Logistics",
            "customer_mc": "123456", "po_number": "PO-5531", "pickup_date": "2026-11-20",
            "pickup_location": "Dallas, TX", "delivery_date": "2026-11-22",
            "delivery_location": "Atlanta, GA", "linehaul": "2400.00",
            "accessorials": "150.00", "total": "2550.00", "invoicing_method": "Factoring",
            "status": "Queued",
        }],
    )


@dataclass(slots=True)
class _Row:
    row: int
    load_number: str
    invoice_number: str
    customer: str
    customer_mc: str
    po_number: str
    pickup_date: dt.date | None
    pickup_location: str
    delivery_date: dt.date | None
    delivery_location: str
    linehaul_cents: int
    accessorials_cents: int
    total_cents: int
    invoicing_method: str | None
    status: str


@dataclass(slots=True)
class RowCustomer:
    """The customer (debtor) one importable row of a loads file is billed to. The dry run
    and the import work it out the same way, so the preview is what the import does."""

    row: int
    load_number: str
    # The customer's name in Factor Desk, or the name the import gives the new customer.
    customer: str
    new_customer: bool
    # Why the customer billed is not what the file's name or MC says, when it is not.
    note: str = ""


@dataclass
class LoadImportResult:
    """What an import did, or (dry run) would do."""

    file_name: str
    subsidiary: str
    rows_total: int
    rows_valid: int
    problems: list[Problem]
    dry_run: bool
    imported: int = 0
    new_customers: list[str] = field(default_factory=list)
    import_id: int | None = None
    load_numbers: list[str] = field(default_factory=list)
    sheet: str | None = None  # the workbook's sheet that was read; None for a CSV
    row_customers: list[RowCustomer] = field(default_factory=list)

    @property
    def rows_bad(self) -> int:
        return self.rows_total - self.rows_valid


_LENGTHS = {
    name: max_length(Load, name)
    for name in ("load_number", "invoice_number", "po_number", "pickup_location",
                 "delivery_location")
}
_LENGTHS["customer"] = max_length(Customer, "name")
_LENGTHS["customer_mc"] = max_length(Customer, "mc_number")


_EXPECTED = {
    "pickup_date": "a date like 2026-11-27 or 11/27/2026",
    "delivery_date": "a date like 2026-11-27 or 11/27/2026",
    "linehaul": "an amount like 1234.50", "accessorials": "an amount like 1234.50",
    "total": "an amount like 1234.50", "invoicing_method": "Factoring or Direct",
}


def _cell_problem(name: str, message: str, cell: str) -> str:
    """The reader's message about a bad cell, unless the cell is too long to quote whole:
    then a short quote of it (a 10 KB cell of garbage makes a one-line message)."""
    if len(cell) <= EXCERPT_LIMIT:
        return message
    return f"expected {_EXPECTED[name]}, found {excerpt(cell)}"


_TEXT_FIELDS = ("load_number", "invoice_number", "customer", "customer_mc", "po_number",
                "pickup_location", "delivery_location")
_STATUS_WORDS = {s.value.lower(): s for s in BillingStatus}


# An amount as a TMS writes it, read without Decimal: 1234, 1234.5, $1,234.56 (ASCII digits,
# under ten billion). Anything else, or any doubt, goes through parse_money.
_FAST_MONEY = re.compile(r"\$?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,10})(?:\.([0-9]{1,2}))?")
_FIELDS = tuple(c.field for c in LOAD_COLUMNS)
_IMPORTABLE_WORDS = {word: s.value for word, s in _STATUS_WORDS.items()
                     if s in _IMPORTABLE_STATUSES}


def _fast_reader(
    columns: dict[str, int], dates: DateCache, method_cache: dict[str, str]
) -> Callable[[int, list[object]], _Row | None]:
    """A reader of one row for the common case, a row of text that is right in every cell:
    it gives the same _Row as the full checks of ``_parse_rows``, without their dict per
    row and Decimal arithmetic, or None when anything is off or unusual (a short row, a
    workbook's number or date, a bad cell, an unknown word), and then the full checks
    read the row and word the problems."""
    width = max(columns.values()) + 1
    get = itemgetter(*(columns.get(name, -1) for name in _FIELDS))
    tail: list[object] = [""]  # the cell of every column the file lacks
    max_load, max_invoice, max_customer, max_mc, max_po, max_pu, max_del = (
        _LENGTHS[name] for name in _TEXT_FIELDS)
    match_money = _FAST_MONEY.fullmatch
    queued = BillingStatus.QUEUED.value

    seen: dict[str, int | None] = {}  # amounts repeat down a column

    def cents_of(text: str) -> int | None:
        if text in seen:
            return seen[text]
        found = match_money(text)
        cents = None
        if found is not None:
            whole, fraction = found.groups()
            cents = int(whole.replace(",", "")) * 100
            if fraction:
                cents += int(fraction) * (10 if len(fraction) == 1 else 1)
            if cents >= 10**12:
                cents = None
        seen[text] = cents
        return cents

    def read(number: int, cells: list[object]) -> _Row | None:
        if len(cells) < width:
            return None
        try:
            (load_number, invoice, customer, mc, po, pu_text, pu_loc, del_text, del_loc,
             linehaul_text, acc_text, total_text, method_text, status_text,
             ) = [cell.strip() for cell in get(cells + tail)]
        except AttributeError:  # a workbook's number or date: the full checks read it
            return None
        if (not load_number or not customer or len(load_number) > max_load
                or len(invoice) > max_invoice or len(customer) > max_customer
                or len(mc) > max_mc or len(po) > max_po or len(pu_loc) > max_pu
                or len(del_loc) > max_del):
            return None
        pickup: dt.date | None = None
        delivery: dt.date | None = None
        if pu_text:
            read_pickup = dates.read(pu_text)
            if isinstance(read_pickup, str):
                return None
            pickup = read_pickup
        if del_text:
            read_delivery = dates.read(del_text)
            if isinstance(read_delivery, str):
                return None
            delivery = read_delivery
        if pickup and delivery and delivery < pickup:
            return None
        linehaul = accessorials = total = None
        if linehaul_text and (linehaul := cents_of(linehaul_text)) is None:
            return None
        if acc_text and (accessorials := cents_of(acc_text)) is None:
            return None
        if total_text and (total := cents_of(total_text)) is None:
            return None
        if total is None:
            if linehaul is None:
                return None
            total = linehaul + (accessorials or 0)
        elif linehaul is None:
            linehaul = total - (accessorials or 0)
            if linehaul < 0:
                return None
        elif accessorials is None:
            accessorials = total - linehaul
            if accessorials < 0:
                return None
        elif linehaul + accessorials != total:
            return None
        if total == 0:
            return None
        method: str | None = None
        if method_text and (method := method_cache.get(method_text)) is None:
            return None
        status: str | None = queued
        if status_text and (status := _IMPORTABLE_WORDS.get(status_text.lower())) is None:
            return None
        assert status is not None  # queued, or the word's status just found
        return _Row(number, load_number, invoice or load_number, customer, mc, po, pickup,
                    pu_loc, delivery, del_loc, linehaul or 0, accessorials or 0, total,
                    method, status)

    return read


def _parse_rows(table: Table, columns: dict[str, int]) -> tuple[list[_Row], list[Problem]]:
    """Check every row; return the good ones and a Problem per bad cell.

    Written for 50,000-row files: one pass, a dict per row, caches for the dates and words
    that repeat down a column."""
    rows: list[_Row] = []
    problems: list[Problem] = []
    fname = table.file_name
    present = list(columns.items())
    width = max(columns.values()) + 1
    dates = DateCache()
    method_cache: dict[str, str] = {}
    fast = _fast_reader(columns, dates, method_cache)

    for number, cells in table.rows:
        row = fast(number, cells)
        if row is not None:
            rows.append(row)
            continue
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        raw = {name: cells[index] for name, index in present}
        text = {name: (value.strip() if isinstance(value, str) else cell_text(value))
                for name, value in raw.items()}
        bad: list[tuple[str, str]] = []

        for name in _TEXT_FIELDS:
            value = text.get(name, "")
            if len(value) > _LENGTHS[name]:
                bad.append((name, f"longer than {_LENGTHS[name]} characters"))
        load_number = text.get("load_number", "")
        customer = text.get("customer", "")
        if not load_number:
            bad.append(("load_number", "the load number is empty"))
        if not customer:
            bad.append(("customer", "the customer is empty"))

        when: dict[str, dt.date | None] = {"pickup_date": None, "delivery_date": None}
        for name in when:
            if text.get(name):
                value = raw[name]  # type: ignore[assignment]  # a str above, a cell here
                found = dates.read(value.strip() if isinstance(value, str) else value)
                if isinstance(found, str):
                    bad.append((name, _cell_problem(name, found, text[name])))
                else:
                    when[name] = found
        if when["pickup_date"] and when["delivery_date"] and (
            when["delivery_date"] < when["pickup_date"]
        ):
            bad.append(("delivery_date", "the delivery date is before the pickup date"))

        amounts: dict[str, Decimal | None] = {}
        amounts_ok = True
        for name in ("linehaul", "accessorials", "total"):
            amounts[name] = None
            if not text.get(name):
                continue
            value = raw[name]  # type: ignore[assignment]  # a str above, a cell here
            try:
                amount = parse_money(value.strip() if isinstance(value, str) else value)
            except MoneyError as exc:
                bad.append((name, _cell_problem(name, str(exc), text[name])))
                amounts_ok = False
                continue
            if amount < 0:
                bad.append((name, "expected an amount of zero or more, found "
                                  f"{excerpt(text[name])}"))
                amounts_ok = False
            amounts[name] = amount
        linehaul, accessorials, total = (
            amounts["linehaul"], amounts["accessorials"], amounts["total"]
        )
        if amounts_ok:
            if total is None and linehaul is None:
                bad.append(("total", "the total is empty (and there is no linehaul to add up)"))
            elif total is None:
                total = linehaul + (accessorials or 0)  # type: ignore[operator, assignment]  # both None: refused above
            elif linehaul is None:
                linehaul = total - (accessorials or 0)
                if linehaul < 0:
                    bad.append(("accessorials",
                                f"accessorials {accessorials} exceed the total {total}"))
            elif accessorials is None:
                accessorials = total - linehaul
                if accessorials < 0:
                    bad.append(("linehaul", f"linehaul {linehaul} exceeds the total {total}"))
            elif linehaul + accessorials != total:
                bad.append(("total", f"linehaul {linehaul} + accessorials {accessorials} = "
                                     f"{linehaul + accessorials}, but the total is {total}"))
            if total is not None and total == 0:
                bad.append(("total", "the total is zero; there is nothing to invoice"))

        method = None
        method_text = text.get("invoicing_method")
        if method_text:
            method = method_cache.get(method_text)
            if method is None:
                try:
                    method = method_cache[method_text] = InvoicingMethod.parse(method_text).value
                except ValueError as exc:
                    bad.append(("invoicing_method",
                                _cell_problem("invoicing_method", str(exc), method_text)))
        status = BillingStatus.QUEUED
        status_text = text.get("status")
        if status_text:
            found_status = _STATUS_WORDS.get(status_text.lower())
            if found_status is None:
                bad.append(("status", f"expected one of "
                                      f"{', '.join(s.value for s in BillingStatus)}, "
                                      f"found {excerpt(status_text)}"))
            elif found_status not in _IMPORTABLE_STATUSES:
                bad.append(("status", f"a load can be imported as Released or Queued, not "
                                      f"{found_status}; loads become {found_status} through "
                                      "the batch and the factor's reports"))
            else:
                status = found_status
        if bad:
            problems.extend(Problem(message, file=fname, row=number, column=_TITLE[column])
                            for column, message in bad)
            continue
        rows.append(_Row(
            row=number,
            load_number=load_number,
            invoice_number=text.get("invoice_number") or load_number,
            customer=customer,
            customer_mc=text.get("customer_mc", ""),
            po_number=text.get("po_number", ""),
            pickup_date=when["pickup_date"],
            pickup_location=text.get("pickup_location", ""),
            delivery_date=when["delivery_date"],
            delivery_location=text.get("delivery_location", ""),
            linehaul_cents=to_cents(linehaul or Decimal(0)),
            accessorials_cents=to_cents(accessorials or Decimal(0)),
            total_cents=to_cents(total),  # type: ignore[arg-type]  # a row without is bad
            invoicing_method=method,
            status=status.value,
        ))
    return rows, problems


def _existing(session: Session, column: InstrumentedAttribute[str], values: list[str]
              ) -> set[str]:
    found: set[str] = set()
    # Through the connection: the ORM's statement handling doubled the cost of 100 queries;
    # on SQLite, straight to the driver: building each IN (...) statement cost 5x running it.
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        name, table = column.name, column.table.name
        for part in chunks(values):
            found.update(value for (value,) in connection.exec_driver_sql(
                f'SELECT "{name}" FROM "{table}" WHERE "{name}" IN '
                f'({", ".join("?" * len(part))})', tuple(part)))
        return found
    for part in chunks(values):
        found.update(connection.execute(select(column).where(column.in_(part))).scalars())
    return found


def _check_against_database(
    session: Session, rows: list[_Row], file_name: str
) -> tuple[list[_Row], list[Problem]]:
    """Drop rows whose load or invoice number is already used, in the file or the
    database; each becomes a problem naming the row."""
    problems: list[Problem] = []
    taken_loads = _existing(session, Load.load_number, [r.load_number for r in rows])
    taken_invoices = _existing(session, Load.invoice_number, [r.invoice_number for r in rows])
    seen_loads: dict[str, int] = {}
    seen_invoices: dict[str, int] = {}
    good: list[_Row] = []
    for r in rows:
        row_problems = []
        if r.load_number in taken_loads:
            row_problems.append(Problem(
                f"load {excerpt(r.load_number)} is already in Factor Desk; it was not "
                "imported again",
                file=file_name, row=r.row, column="Load Number"))
        elif r.load_number in seen_loads:
            row_problems.append(Problem(
                f"load {excerpt(r.load_number)} appears twice in the file (also row "
                f"{seen_loads[r.load_number]})", file=file_name, row=r.row, column="Load Number"))
        if r.invoice_number in taken_invoices:
            row_problems.append(Problem(
                f"invoice number {excerpt(r.invoice_number)} is already used by another load",
                file=file_name, row=r.row, column="Invoice Number"))
        elif r.invoice_number in seen_invoices:
            row_problems.append(Problem(
                f"invoice number {excerpt(r.invoice_number)} appears twice in the file (also row "
                f"{seen_invoices[r.invoice_number]})",
                file=file_name, row=r.row, column="Invoice Number"))
        seen_loads.setdefault(r.load_number, r.row)
        seen_invoices.setdefault(r.invoice_number, r.row)
        if row_problems:
            problems.extend(row_problems)
        else:
            good.append(r)
    return good, problems


@dataclass(slots=True)
class _Debtor:
    """A customer in Factor Desk, or one the import is going to create (``id`` None)."""

    name: str
    mc: str
    id: int | None


def _customer_index(session: Session) -> list[_Debtor]:
    """Every customer in Factor Desk, oldest first."""
    return [_Debtor(name, mc, cid) for cid, name, mc in session.execute(
        select(Customer.id, Customer.name, Customer.mc_number).order_by(Customer.id))]


def _resolve_customers(
    rows: list[_Row], known: list[_Debtor]
) -> tuple[list[_Debtor], list[RowCustomer], list[_Debtor]]:
    """The customer each row is billed to, the per-row account of it, and the customers
    the import creates. The dry run and the import both call this: what the preview says
    is what the import does.

    A row's customer is the one with its MC, when the MC is a real MC or DOT number (a
    placeholder like ``N/A``, ``TBD`` or ``00000`` says nothing about who the debtor is),
    else the one with its name (case, spaces, dots and commas aside), else a new customer
    under the file's name with the real MC or none. Two names with one real MC are one
    debtor (the MC is what the factor checks credit by): the later row is billed to the
    first and its note says so. So does a row whose MC disagrees with the customer its
    name found."""
    by_mc_name: dict[tuple[str, str], _Debtor] = {}
    by_mc: dict[str, _Debtor] = {}
    by_name: dict[str, _Debtor] = {}
    for d in known:
        key, nkey = mc_key(d.mc), name_key(d.name)
        by_name.setdefault(nkey, d)
        if key is not None:
            by_mc.setdefault(key, d)
            by_mc_name.setdefault((key, nkey), d)
    # Of two old customers whose names differ only in case or spaces, the exact spelling.
    by_exact = {d.name: d for d in reversed(known)}
    new: list[_Debtor] = []
    decided: dict[tuple[str, str], tuple[_Debtor, str]] = {}
    debtors: list[_Debtor] = []
    plan: list[RowCustomer] = []
    for r in rows:
        pair = (r.customer, r.customer_mc)
        answer = decided.get(pair)
        if answer is None:
            answer = decided[pair] = _resolve_one(r, by_mc_name, by_mc, by_name, by_exact,
                                                  new)
        debtor, note = answer
        debtors.append(debtor)
        plan.append(RowCustomer(r.row, r.load_number, debtor.name, debtor.id is None, note))
    return debtors, plan, new


def _resolve_one(r: _Row, by_mc_name: dict[tuple[str, str], _Debtor],
                 by_mc: dict[str, _Debtor], by_name: dict[str, _Debtor],
                 by_exact: dict[str, _Debtor], new: list[_Debtor]) -> tuple[_Debtor, str]:
    mc = r.customer_mc
    key, nkey = mc_key(mc), name_key(r.customer)
    notes: list[str] = []
    found = None
    if key is not None:
        found = by_mc_name.get((key, nkey)) or by_mc.get(key)
        if found is not None and name_key(found.name) != nkey:
            notes.append(f"billed to {excerpt(found.name)}, the customer with MC "
                         f"{excerpt(found.mc)}; the file names {excerpt(r.customer)}")
    elif mc and not is_placeholder_mc(mc):
        notes.append(f"the MC {excerpt(mc)} is not an MC or DOT number: it is not saved, "
                     "and the customer is found by name")
    if found is None:
        found = by_exact.get(r.customer) or by_name.get(nkey)
        if found is None:
            found = _Debtor(" ".join(r.customer.split()), mc if key else "", None)
            new.append(found)
            by_name[nkey] = found
        elif key is not None:
            has = mc_key(found.mc)
            if has is None and found.id is None:
                # A new customer first seen without a real MC takes the first real one.
                found.mc = mc
            elif has is not None and has != key:
                notes.append(f"billed to {excerpt(found.name)} by name, whose MC is "
                             f"{excerpt(found.mc)}; the file gives MC {excerpt(mc)}")
        if key is not None and mc_key(found.mc) == key:
            by_mc.setdefault(key, found)
            by_mc_name.setdefault((key, nkey), found)
    return found, "; ".join(notes)


def import_loads(
    db: Database,
    path: str | Path,
    subsidiary: str,
    *,
    dry_run: bool = False,
    only_valid: bool = False,
    user: str | None = None,
    sheet: str | None = None,
) -> LoadImportResult:
    """Import the loads of a TMS export into ``subsidiary``.

    Every row is checked first. If any row is bad, nothing is imported (InputRefused
    naming each bad row, column and reason) unless ``only_valid`` asks for the good rows
    alone. A load number already in Factor Desk is reported, never duplicated or
    overwritten. ``dry_run`` reports what would happen and changes nothing.
    Customers not yet known are created (matched by a real MC or DOT number, else by
    name); ``row_customers`` says which customer each row is billed to, and why when the
    file's name or MC says otherwise.
    A workbook's sheet is ``sheet``, else its only sheet with data, else its only sheet
    with the columns of a loads file.
    """
    path = Path(path)
    data = read_file_bytes(path)
    # The collector paused while 50,000 rows of objects are built: its passes over all of
    # them cost a third of an import (profiled; the objects form no cycles).
    with gc_paused():
        table = read_table_bytes(data, path.name, sheet=sheet,
                                 fits=header_fits(LOAD_COLUMNS), what="a loads file")
    columns = match_columns(table, LOAD_COLUMNS, what="a loads file")
    if not table.rows:
        raise InputRefused([Problem("the file has a header but no loads", file=table.file_name)])
    with gc_paused():
        rows, problems = _parse_rows(table, columns)

    with db.read() as session, gc_paused():
        sub_name = find_subsidiary(session, subsidiary).name
        rows, more = _check_against_database(session, rows, table.file_name)
        _, plan, new = _resolve_customers(rows, _customer_index(session))
    problems.extend(more)
    problems.sort(key=lambda p: (p.row or 0))
    result = LoadImportResult(
        file_name=table.file_name, subsidiary=sub_name, rows_total=len(table.rows),
        rows_valid=len(rows), problems=problems, dry_run=dry_run,
        new_customers=sorted(d.name for d in new),
        load_numbers=[r.load_number for r in rows], sheet=table.sheet,
        row_customers=plan,
    )
    if problems and not only_valid:
        if dry_run:
            return result
        raise InputRefused(
            problems,
            summary=f"{table.file_name}: {result.rows_bad} of {result.rows_total} rows have "
                    "problems; nothing was imported.",
        )
    if dry_run:
        return result
    if not rows:
        raise InputRefused(problems or [Problem("no loads to import")],
                           summary=f"{table.file_name}: no row can be imported.")
    try:
        with db.write() as session, gc_paused():
            result.import_id = _write_loads(
                session, db, rows, sub_name, table.file_name, data, result,
                user or current_user(),
            )
    except IntegrityError:
        # Another clerk imported some of the same loads between our check and our write.
        with db.read() as session:
            _, clash = _check_against_database(session, rows, table.file_name)
        raise InputRefused(
            clash or [Problem("some loads were imported by someone else a moment ago")],
            summary=f"{table.file_name}: some loads were added a moment ago by someone else; "
                    "nothing was imported.",
        ) from None
    result.imported = len(rows)
    return result


def _write_loads(session: Session, db: Database, rows: list[_Row], sub_name: str,
                 file_name: str, data: bytes, result: LoadImportResult, user: str) -> int:
    sub = find_subsidiary(session, sub_name)
    debtors, result.row_customers, new = _resolve_customers(rows, _customer_index(session))
    if new:
        session.execute(Customer.__table__.insert(), [
            {"name": d.name, "mc_number": d.mc, "address": "", "city": "", "state": "",
             "zip_code": "", "email": "", "terms_days": 30, "invoicing_method": None}
            for d in new
        ])
        ids: dict[str, int] = {}
        for part in chunks([d.name for d in new]):
            ids.update((name, cid) for name, cid in session.execute(
                select(Customer.name, Customer.id).where(Customer.name.in_(part))))
        for d in new:
            d.id = ids[d.name]
    result.new_customers = sorted(d.name for d in new)

    now = utcnow()
    sha = db.store.put(session, data)
    imp = ReportImport(
        kind="loads", file_name=file_name, sha256=sha, imported_at=now, imported_by=user,
        rows_total=result.rows_total, rows_applied=len(rows),
        rows_skipped=result.rows_total - len(rows), status="applied",
    )
    session.add(imp)
    session.flush()

    sub_id, import_id = sub.id, imp.id
    # Core inserts (the table, not the mapped class): the ORM's bulk path costs 4x more.
    # On SQLite, the driver's executemany of tuples whose dates the columns' own bind
    # processors have written: SQLAlchemy 2.1 spends twice the driver's own time building
    # 50,000 parameter sets (profiled: _init_compiled, construct_params).
    table = Load.__table__
    connection = session.connection()
    dialect = connection.dialect
    keys = ("load_number", "invoice_number", "subsidiary_id", "customer_id", "po_number",
            "pickup_date", "pickup_location", "delivery_date", "delivery_location",
            "linehaul_cents", "accessorials_cents", "total_cents", "status",
            "invoicing_method", "created_at", "import_id")
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    if dialect.name == "sqlite" and tuple(compiled.positiontup or ()) == keys:
        def processed(key: str) -> Callable[[object], object]:
            processor = table.c[key].type.bind_processor(dialect)
            return processor or (lambda value: value)

        pickup, delivery = processed("pickup_date"), processed("delivery_date")
        stamp, sub_value = processed("created_at")(now), processed("subsidiary_id")(sub_id)
        connection.exec_driver_sql(compiled.string, [
            (r.load_number, r.invoice_number, sub_value, d.id, r.po_number,
             pickup(r.pickup_date), r.pickup_location, delivery(r.delivery_date),
             r.delivery_location, r.linehaul_cents, r.accessorials_cents, r.total_cents,
             r.status, r.invoicing_method, stamp, import_id)
            for r, d in zip(rows, debtors, strict=True)
        ])
    else:
        session.execute(table.insert(), [
            {
                "load_number": r.load_number, "invoice_number": r.invoice_number,
                "subsidiary_id": sub_id, "customer_id": d.id, "po_number": r.po_number,
                "pickup_date": r.pickup_date, "pickup_location": r.pickup_location,
                "delivery_date": r.delivery_date, "delivery_location": r.delivery_location,
                "linehaul_cents": r.linehaul_cents, "accessorials_cents": r.accessorials_cents,
                "total_cents": r.total_cents, "status": r.status,
                "invoicing_method": r.invoicing_method, "created_at": now,
                "import_id": import_id,
            }
            for r, d in zip(rows, debtors, strict=True)
        ])
    # The accessorial lines and the history rows come from the loads just written, in the
    # database: no round trip of ids through Python.
    imported = select(Load).where(Load.import_id == import_id).subquery()
    session.execute(insert(LoadCharge).from_select(
        ["load_id", "position", "description", "amount_cents"],
        select(imported.c.id, literal(1), literal("Accessorials"),
               imported.c.accessorials_cents).where(imported.c.accessorials_cents != 0),
    ))
    session.execute(insert(StatusHistory).from_select(
        ["load_id", "from_status", "to_status", "at", "by", "reason", "import_id"],
        select(imported.c.id, null(), imported.c.status, literal(now, Stamp()), literal(user),
               literal(f"Imported from {file_name} (import #{import_id})"),
               literal(import_id)),
    ))
    return import_id


# ------------------------------------------------------------------ listing


@dataclass(slots=True)
class LoadSummary:
    id: int
    load_number: str
    invoice_number: str
    subsidiary: str
    customer: str
    customer_mc: str
    po_number: str
    pickup_date: dt.date | None
    pickup_location: str
    delivery_date: dt.date | None
    delivery_location: str
    amount: Decimal
    status: str
    invoicing_method: str
    documents: tuple[str, ...] = ()
    missing_documents: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "load_number": self.load_number,
            "invoice_number": self.invoice_number,
            "subsidiary": self.subsidiary,
            "customer": self.customer,
            "customer_mc": self.customer_mc,
            "po_number": self.po_number,
            "pickup_date": self.pickup_date.isoformat() if self.pickup_date else None,
            "pickup_location": self.pickup_location,
            "delivery_date": self.delivery_date.isoformat() if self.delivery_date else None,
            "delivery_location": self.delivery_location,
            "amount": str(self.amount),
            "status": self.status,
            "invoicing_method": self.invoicing_method,
            "documents": list(self.documents),
            "missing_documents": list(self.missing_documents),
        }


def effective_method() -> ColumnElement[str]:
    """The invoicing method that applies to a load, as an SQL expression: the load's own,
    else its customer's override, else its subsidiary's default."""
    return func.coalesce(
        Load.invoicing_method, Customer.invoicing_method, Subsidiary.default_invoicing_method
    )


def _summaries(
    session: Session, conditions: list[ColumnElement[bool]], *, join_customer: bool = False,
    factoring_only: bool = False,
) -> list[LoadSummary]:
    """Loads matching ``conditions`` as summaries, in load order.

    Customers and subsidiaries are few: they are read once into dicts and joined here,
    which keeps the big query on the loads table alone (100,000 rows in a few tenths of a
    second on SQLite, half of what the same query with two joins takes)."""
    customers = {
        cid: (name, mc, method)
        for cid, name, mc, method in session.execute(select(
            Customer.id, Customer.name, Customer.mc_number, Customer.invoicing_method))
    }
    subsidiaries = {
        sid: (name, default, list(required or []))
        for sid, name, default, required in session.execute(select(
            Subsidiary.id, Subsidiary.name, Subsidiary.default_invoicing_method,
            Subsidiary.required_documents))
    }
    stmt = select(
        Load.id, Load.load_number, Load.invoice_number, Load.subsidiary_id, Load.customer_id,
        Load.po_number, Load.pickup_date, Load.pickup_location, Load.delivery_date,
        Load.delivery_location, Load.total_cents, Load.status, Load.invoicing_method,
    ).where(*conditions)
    if join_customer:
        stmt = stmt.join(Customer, Customer.id == Load.customer_id)
    with gc_paused():
        return _build_summaries(session, stmt, customers, subsidiaries, factoring_only)


def _build_summaries(session: Session, stmt: Select[*tuple[Any, ...]],
                     customers: dict[int, tuple[str, str, str | None]],
                     subsidiaries: dict[int, tuple[str, str, list[str]]],
                     factoring_only: bool) -> list[LoadSummary]:
    # Plain rows through the connection: ORM row processing doubles the cost at 100k rows.
    rows = session.connection().execute(stmt.order_by(Load.id)).all()
    docs: dict[int, set[str]] = defaultdict(set)
    if rows:
        doc_stmt = select(SupportingDocument.load_id, SupportingDocument.kind).distinct()
        if len(rows) > 2000:
            # Cheaper to read the documents of the same filter than to bind 100k ids.
            doc_stmt = doc_stmt.where(
                SupportingDocument.load_id.in_(stmt.with_only_columns(Load.id)))
            for load_id, kind in session.connection().execute(doc_stmt):
                docs[load_id].add(kind)
        else:
            for part in chunks([r[0] for r in rows]):
                for load_id, kind in session.execute(
                    doc_stmt.where(SupportingDocument.load_id.in_(part))
                ):
                    docs[load_id].add(kind)
    out: list[LoadSummary] = []
    # Few distinct (required, present) pairs occur: work each out once.
    answers: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
    factoring = InvoicingMethod.FACTORING.value
    no_docs: frozenset[str] = frozenset()
    # Few distinct (customer, subsidiary, own method) triples occur too: the names, the
    # method and the answer without documents of each are worked out once (per row, they
    # were a third of the time of a 100,000-load listing; profiled).
    triples: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    append = out.append
    for (lid, number, invoice, sub_id, cust_id, po, pu_date, pu_loc, del_date, del_loc, cents,
         status, own_method) in rows:
        triple = triples.get((cust_id, sub_id, own_method))
        if triple is None:
            cust, mc, cust_method = customers[cust_id]
            sub, default_method, required = subsidiaries[sub_id]
            method = own_method or cust_method or default_method
            # Documents are required before factoring; a directly billed load needs none.
            need = required if method == factoring else None
            triple = triples[(cust_id, sub_id, own_method)] = (
                cust, mc, sub, method, sub_id if need else None, need, None)
        cust, mc, sub, method, need_key, need, plain = triple
        if factoring_only and method != factoring:
            continue
        found = docs.get(lid)
        if found is None and plain is not None:
            answer = plain
        else:
            present: set[str] | frozenset[str] = found or no_docs
            key = (need_key, frozenset(present))
            answer = answers.get(key)
            if answer is None:
                missing = tuple(k.value for k in missing_documents(
                    [DocumentKind(k) for k in need], present)) if need else ()
                answer = answers[key] = (tuple(sorted(present, key=DocumentKind.packet_position)),
                                         missing)
            if not present:
                triples[(cust_id, sub_id, own_method)] = (*triple[:6], answer)
        append(LoadSummary(
            lid, number, invoice, sub, cust, mc, po, pu_date, pu_loc, del_date, del_loc,
            from_cents(cents), status, method, answer[0], answer[1],
        ))
    return out


def list_loads(
    session: Session,
    *,
    subsidiary: str | None = None,
    status: str | None = None,
    search: str | None = None,
) -> list[LoadSummary]:
    """Loads in the order they came in, optionally of one subsidiary and status, or
    matching ``search`` in the load, invoice or PO number or the customer's name."""
    conditions = []
    if subsidiary:
        conditions.append(Load.subsidiary_id == find_subsidiary(session, subsidiary).id)
    if status:
        try:
            conditions.append(Load.status == BillingStatus.parse(status).value)
        except ValueError as exc:
            raise InputRefused([str(exc)]) from None
    if search:
        # Literal text: a clerk's "50%" or "A_B" is not a pattern (LIKE ... ESCAPE).
        text = search.strip().lower()
        conditions.append(or_(*(
            func.lower(column).contains(text, autoescape=True)
            for column in (Load.load_number, Load.invoice_number, Load.po_number,
                           Customer.name))))
    return _summaries(session, conditions, join_customer=bool(search))


def eligible_loads(session: Session, subsidiary: str) -> list[LoadSummary]:
    """The loads a batch can take: Queued, and billed by factoring (the load's own method,
    else the customer's, else the subsidiary's). ``missing_documents`` names what each one
    still lacks before Submit Batch will take it."""
    sub = find_subsidiary(session, subsidiary)
    return _summaries(
        session,
        [Load.subsidiary_id == sub.id, Load.status == BillingStatus.QUEUED.value],
        factoring_only=True,
    )


def find_load(session: Session, load_number: str) -> Load:
    load = session.execute(
        select(Load).where(Load.load_number == load_number.strip())
    ).scalar_one_or_none()
    if load is None:
        raise NotFound(f"No load {excerpt(load_number.strip())} in Factor Desk.")
    return load


# ------------------------------------------------------------------ documents

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def sniff_document_type(data: bytes) -> str | None:
    """The content type of a PDF, JPEG or PNG by its first bytes; None for anything else."""
    head = data[:1024]
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    # Some scanners write a few bytes of junk before %PDF; readers accept it within 1 KB.
    if b"%PDF-" in head:
        return "application/pdf"
    return None


@dataclass
class DocumentInfo:
    id: int
    load_number: str
    kind: str
    file_name: str
    content_type: str
    sha256: str
    size: int
    added_at: str
    added_by: str
    already_attached: bool = False


def attach_document(
    db: Database,
    load_number: str,
    path: str | Path,
    kind: str,
    *,
    user: str | None = None,
    file_name: str | None = None,
) -> DocumentInfo:
    """Copy a PDF, JPEG or PNG into the document store and attach it to a load.

    The same file attached again as the same kind is not attached twice."""
    path = Path(path)
    name = file_name or path.name
    try:
        doc_kind = DocumentKind.parse(kind)
    except ValueError as exc:
        raise InputRefused([str(exc)]) from None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputRefused([Problem("the file does not exist", file=name)]) from None
    except OSError as exc:
        raise InputRefused([Problem(f"the file cannot be read ({exc.strerror})", file=name)]
                           ) from None
    if not data:
        raise InputRefused([Problem("the file is empty", file=name)])
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputRefused([Problem(
            f"the file is {len(data) // (1024 * 1024)} MB; at most 50 MB can be attached",
            file=name)])
    content_type = sniff_document_type(data)
    if content_type is None:
        suffix = (f"{excerpt(path.suffix.lower(), 12)} file" if path.suffix
                  else "file without an extension")
        raise InputRefused([Problem(
            f"only PDF, JPEG and PNG files can be attached; this is a {suffix} "
            "that is none of them", file=name)])
    digest = sha256_of(data)
    with db.write() as session:
        load = find_load(session, load_number)
        existing = session.execute(
            select(SupportingDocument).where(
                SupportingDocument.load_id == load.id, SupportingDocument.sha256 == digest,
                SupportingDocument.kind == doc_kind.value)
        ).scalar_one_or_none()
        if existing is not None:
            return _doc_info(existing, load.load_number, already=True)
        db.store.put(session, data)
        doc = SupportingDocument(
            load_id=load.id, kind=doc_kind.value, file_name=name[:255],
            content_type=content_type, sha256=digest, size=len(data),
            added_at=utcnow(), added_by=user or current_user(),
        )
        session.add(doc)
        session.flush()
        return _doc_info(doc, load.load_number)


def _doc_info(doc: SupportingDocument, load_number: str, already: bool = False) -> DocumentInfo:
    return DocumentInfo(
        id=doc.id, load_number=load_number, kind=doc.kind, file_name=doc.file_name,
        content_type=doc.content_type, sha256=doc.sha256, size=doc.size,
        added_at=doc.added_at.isoformat(timespec="seconds"), added_by=doc.added_by,
        already_attached=already,
    )


def load_documents(session: Session, load_number: str) -> list[DocumentInfo]:
    load = find_load(session, load_number)
    return [_doc_info(d, load.load_number) for d in load.documents]


# ------------------------------------------------------------------ history


@dataclass
class HistoryEntry:
    at: str
    from_status: str | None
    to_status: str
    by: str
    reason: str
    batch: str | None
    import_id: int | None


def load_history(session: Session, load_number: str) -> list[HistoryEntry]:
    """Every status move of a load, oldest first."""
    load = find_load(session, load_number)
    rows = session.execute(
        select(StatusHistory, Batch.label)
        .outerjoin(Batch, Batch.id == StatusHistory.batch_id)
        .where(StatusHistory.load_id == load.id)
        .order_by(StatusHistory.at, StatusHistory.id)
    ).all()
    return [
        HistoryEntry(
            at=h.at.isoformat(timespec="seconds"), from_status=h.from_status,
            to_status=h.to_status, by=h.by, reason=h.reason, batch=label,
            import_id=h.import_id,
        )
        for h, label in rows
    ]

