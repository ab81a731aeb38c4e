"""The loads file of a TMS (CSV or XLSX): its columns, its template, and the reading of its
rows into loads, each row checked on its own (no database here)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from factor_desk.db.models import Customer, Load, max_length
from factor_desk.documents.tabular import (
    ColumnSpec,
    Table,
    cell_text,
    header_fits,
    read_file_bytes,
    read_table_bytes,
    template_csv,
)
from factor_desk.domain.dates import DateCache
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import ReportKind
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.domain.money import MoneyError, parse_money, to_cents
from factor_desk.domain.text import EXCERPT_LIMIT, excerpt
from factor_desk.domain.trade import InvoicingMethod
from factor_desk.services.common import gc_paused
from factor_desk.services.lifecycle import FIRST_STATUSES
from factor_desk.services.placing import (
    ColumnsNotPlaced,
    Fields,
    SavedMapping,
    fits,
    look_of,
    place,
)

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
class LoadRow:
    """One row of a loads file, right in every cell."""

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
                     if s in FIRST_STATUSES}


def _fast_reader(
    columns: dict[str, int], dates: DateCache, method_cache: dict[str, str]
) -> Callable[[int, list[object]], LoadRow | None]:
    """A reader of one row for the common case, a row of text that is right in every cell:
    it gives the same LoadRow as the full checks of ``_parse_rows``, without their dict per
    row and Decimal arithmetic, or None when anything is off or unusual (a short row, a
    workbook's number or date, a bad cell, an unknown word), and then the full checks
    read the row and word the problems."""
    width = max(columns.values()) + 1
    get = itemgetter(*(columns.get(name, -1) for name in _FIELDS))
    tail: list[object] = [""]  # the cell of every column the file lacks
    complete = all(name in columns for name in _FIELDS)  # then no row needs the tail
    max_load, max_invoice, max_customer, max_mc, max_po, max_pu, max_del = (
        _LENGTHS[name] for name in _TEXT_FIELDS)
    match_money = _FAST_MONEY.fullmatch
    queued = BillingStatus.QUEUED.value

    seen: dict[str, int | None] = {}  # amounts repeat down a column
    days: dict[str, dt.date] = {}  # and dates: the good ones, without a call per cell

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

    def read(number: int, cells: list[object]) -> LoadRow | None:
        if len(cells) < width:
            return None
        try:
            (load_number, invoice, customer, mc, po, pu_text, pu_loc, del_text, del_loc,
             linehaul_text, acc_text, total_text, method_text, status_text,
             ) = [cell.strip() for cell in get(cells if complete else cells + tail)]
        except AttributeError:  # a workbook's number or date: the full checks read it
            return None
        if (not load_number or not customer or len(load_number) > max_load
                or len(invoice) > max_invoice or len(customer) > max_customer
                or len(mc) > max_mc or len(po) > max_po or len(pu_loc) > max_pu
                or len(del_loc) > max_del):
            return None
        pickup: dt.date | None = None
        delivery: dt.date | None = None
        if pu_text and (pickup := days.get(pu_text)) is None:
            read_pickup = dates.read(pu_text)
            if isinstance(read_pickup, str):
                return None
            pickup = days[pu_text] = read_pickup
        if del_text and (delivery := days.get(del_text)) is None:
            read_delivery = dates.read(del_text)
            if isinstance(read_delivery, str):
                return None
            delivery = days[del_text] = read_delivery
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
        return LoadRow(number, load_number, invoice or load_number, customer, mc, po, pickup,
                    pu_loc, delivery, del_loc, linehaul or 0, accessorials or 0, total,
                    method, status)

    return read


def _parse_rows(table: Table, columns: dict[str, int]) -> tuple[list[LoadRow], list[Problem]]:
    """Check every row; return the good ones and a Problem per bad cell.

    Written for 50,000-row files: one pass, a dict per row, caches for the dates and words
    that repeat down a column."""
    rows: list[LoadRow] = []
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
            elif found_status not in FIRST_STATUSES:
                bad.append(("status", f"a load can be imported as Released or Queued, not "
                                      f"{found_status}; loads become {found_status} through "
                                      "the batch and the factor's reports"))
            else:
                status = found_status
        if bad:
            problems.extend(Problem(message, file=fname, row=number, column=_TITLE[column])
                            for column, message in bad)
            continue
        rows.append(LoadRow(
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




@dataclass
class LoadsFile:
    """A loads file read and its rows checked, before any database is asked."""

    file_name: str
    sheet: str | None  # the workbook's sheet that was read; None for a CSV
    data: bytes  # the file as it came, kept in the document store by the import
    rows_total: int
    rows: list[LoadRow]  # the rows right in every cell
    problems: list[Problem]  # a Problem per bad cell of the other rows


def loads_fields() -> Fields:
    """The fields of a loads file, by the names ``--map`` takes (``load_number``,
    ``customer``, ``pickup_date``, ... the template's titles in snake_case)."""
    return Fields(ReportKind.LOADS, tuple(LOAD_COLUMNS), ids_required=False)


def _loads_fit(mapping: dict[str, str] | None) -> Callable[[list[str]], bool]:
    builtin = header_fits(LOAD_COLUMNS)
    if not mapping:
        return builtin
    given = SavedMapping("", ReportKind.LOADS, mapping, dt.datetime(1970, 1, 1), "")
    return lambda headers: builtin(headers) or fits(given, headers, loads_fields())


def read_loads_file(path: str | Path, *, sheet: str | None = None,
                    mapping: dict[str, str] | None = None) -> LoadsFile:
    """Read and check every row of a loads file. Refused (InputRefused) when it is not a
    loads file or holds no loads (ColumnsNotPlaced: a column it needs is not found); a bad
    row is not refused here but named in ``problems``. A workbook's sheet is ``sheet``,
    else its only sheet with data, else its only sheet with the columns of a loads file.
    ``mapping`` (field -> header, issue #14) places the columns it names; the built-in
    spellings place the rest."""
    path = Path(path)
    data = read_file_bytes(path)
    # The collector paused while 50,000 rows of objects are built: its passes over all of
    # them cost a third of an import (profiled; the objects form no cycles). One pause for
    # the file's cells and the rows checked from them, the cells freed before it ends: its
    # first pass then walks the checked rows alone (the pass between two pauses over the
    # cells cost 15-20 ms of 50,000 rows).
    with gc_paused():
        table = read_table_bytes(data, path.name, sheet=sheet, fits=_loads_fit(mapping),
                                 what="a loads file")
        fields = loads_fields()
        placement = place(fields, table, given=mapping)
        if placement.missing:
            raise ColumnsNotPlaced(look_of(fields, table, placement), "a loads file")
        columns = placement.columns
        if not table.rows:
            raise InputRefused([Problem("the file has a header but no loads",
                                        file=table.file_name)])
        rows, problems = _parse_rows(table, columns)
        file_name, sheet_read, rows_total = table.file_name, table.sheet, len(table.rows)
        del table
    return LoadsFile(file_name, sheet_read, data, rows_total, rows, problems)
