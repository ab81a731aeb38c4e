"""The columns of the factor's reports, their templates, and reading an uploaded file.

Reading happens before any unit of work: the file is read and its columns matched, then the
rows are checked against the database (``checking``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from factor_desk.db.store import sha256_of
from factor_desk.documents.tabular import (
    ColumnSpec,
    Table,
    cell_text,
    header_fits,
    read_file_bytes,
    read_table_bytes,
    template_csv,
)
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import ReportKind
from factor_desk.services.placing import (
    ColumnsNotPlaced,
    Fields,
    FileLook,
    MappingField,
    SavedMapping,
    fits,
    look_of,
    place,
)

# The common portals' own spellings (issue #14), looked for in public material on
# 11/29/2026. None of RTS, Triumph, OTR, Apex or TAFS publishes the columns of the purchase
# or payment reports its portal exports: the TMS help pages (help.ditat.com "Integrate with
# RTS / Triumph / OTRCapital / Apex Factoring", help.alvys.com, learn.tai-software.com)
# show only the CSV a TMS *sends* the factor, and as a picture; Alvys' TAFS page says the
# purchase and payment statuses come back by its API, not by a file. What is public and
# names a field is already placed here: TriumphPay's invoice view lists "Debtor" and
# "Reference #" (support.triumphpay.com, "How can I see the carrier payment information"),
# RTS Pro's invoice form "Invoice Number", "Customer Name", "Invoice Amount" (rtsinc.com,
# "Uploading an invoice"). So no spelling is added for a portal by name; a file whose
# headers are not placed goes through a mapping (services/reports/mapping.py), saved for
# its factor and used by itself next time.
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
    # yes: the invoice's last payment; whatever is left open is a short pay (#13)
    ColumnSpec("final", "Final", ("Final Payment", "Final Pay", "Closed", "Close Invoice")),
    ColumnSpec("short_pay_reason", "Short Pay Reason", ("Short Pay", "Shortpay Reason",
                                                        "Short Paid Reason")),
    ColumnSpec("note", "Note", ("Notes", "Memo", "Comment", "Comments")),
]

# The reserve report (issue #13): the factor's reserve activity, as portals export it
# (Compass "Reserve Activity", OTR/Apex reserve statements).
RESERVE_COLUMNS: list[ColumnSpec] = [
    ColumnSpec("entry_date", "Date", ("Transaction Date", "Activity Date", "Posted Date",
                                      "Post Date", "Date Posted", "Entry Date",
                                      "Effective Date"), required=True),
    ColumnSpec("kind", "Type", ("Transaction Type", "Activity Type", "Entry Type",
                                "Reserve Type", "Activity", "Transaction"), required=True),
    *_ID_COLUMNS,
    ColumnSpec("amount", "Amount", ("Amt", "Transaction Amount", "Activity Amount",
                                    "Net Amount"), required=True),
    ColumnSpec("reference", "Reference", ("Reference Number", "Ref", "Ref Number",
                                          "Transaction ID", "Reference ID", "Ref #")),
    ColumnSpec("note", "Note", ("Notes", "Memo", "Description", "Comment", "Comments")),
]

# The template files carry the columns of the templates, in that order.
PURCHASE_TEMPLATE = [c for c in PURCHASE_COLUMNS if c.field != "reason"]
PAYMENT_TEMPLATE = PAYMENT_COLUMNS
RESERVE_TEMPLATE = [c for c in RESERVE_COLUMNS if c.field not in ("load_number", "note")]

_WHAT = {ReportKind.PURCHASE: "a purchase report", ReportKind.PAYMENTS: "a payment report",
         ReportKind.RESERVE: "a reserve report"}


def columns_of(kind: str) -> list[ColumnSpec]:
    if kind == ReportKind.RESERVE:
        return RESERVE_COLUMNS
    return PURCHASE_COLUMNS if kind == ReportKind.PURCHASE else PAYMENT_COLUMNS


def report_template(kind: str) -> str:
    """The CSV template of a purchase or payment report, with one example row."""
    if kind == ReportKind.PURCHASE:
        return template_csv(PURCHASE_TEMPLATE, [{
            "invoice_number": "10001", "load_number": "10001", "batch_number": "BRF-0001",
            "debtor": "Example Logistics", "invoice_amount": "2550.00",
            "purchase_date": "2026-11-28", "advance": "2486.25", "fee": "63.75",
            "reserve": "0.00", "status": "Purchased"}])
    if kind == ReportKind.PAYMENTS:
        return template_csv(PAYMENT_TEMPLATE, [{
            "invoice_number": "10001", "load_number": "10001", "debtor": "Example Logistics",
            "payment_date": "2026-12-28", "amount_paid": "2550.00",
            "reference_number": "ACH-000123", "check_number": "", "payment_method": "ACH",
            "final": "no", "short_pay_reason": "", "note": ""}])
    if kind == ReportKind.RESERVE:
        return template_csv(RESERVE_TEMPLATE, [
            {"entry_date": "2027-01-15", "kind": "chargeback", "invoice_number": "10001",
             "amount": "2550.00", "reference": "CB-000045"},
            {"entry_date": "2027-01-31", "kind": "release", "invoice_number": "",
             "amount": "500.00", "reference": "REL-000120"}])
    raise ValueError(f"expected purchase, payments or reserve, found {kind!r}")


def report_fits(kind: str, given: dict[str, str] | None = None,
                saved: Sequence[SavedMapping] = ()) -> Callable[[list[str]], bool]:
    """Whether a header row has the columns of a ``kind`` report (how a workbook's sheet
    of that report is told from its other sheets): by the built-in spellings, or (given)
    every header of the mapping ``given`` or of one of the ``saved`` mappings is there."""
    if kind == ReportKind.RESERVE:  # its rows name an invoice or not
        builtin = header_fits(RESERVE_COLUMNS)
    else:
        builtin = header_fits(columns_of(kind), any_of=("invoice_number", "load_number"))
    if not given and not saved:
        return builtin
    fields = report_fields_of(kind)
    mappings = [SavedMapping("", fields.kind, given, _EPOCH, "")] if given else list(saved)

    def fits_any(headers: list[str]) -> bool:
        return builtin(headers) or any(fits(m, headers, fields) for m in mappings)

    return fits_any


_EPOCH = dt.datetime(1970, 1, 1)


def report_fields_of(kind: str) -> Fields:
    """The fields of a ``kind`` report, for placing its columns (services/reports/mapping.py)."""
    kind = ReportKind(kind)
    return Fields(kind, tuple(columns_of(kind)), ids_required=kind != ReportKind.RESERVE)


def report_fields(kind: str) -> list[MappingField]:
    """The fields of a ``kind`` report, by the names ``--map`` takes, in the order of its
    columns."""
    return report_fields_of(kind).fields


@dataclass(frozen=True)
class ReportFile:
    """An uploaded report as read: its rows, where each field's column is, and the bytes
    (kept with the import when it is applied)."""

    kind: ReportKind
    table: Table
    columns: dict[str, int]
    data: bytes
    sha256: str
    placed: dict[str, str] = field(default_factory=dict)  # field name -> header
    saved: SavedMapping | None = None  # the saved mapping that placed the columns
    given: dict[str, str] = field(default_factory=dict)  # the mapping given, checked

    @property
    def mapping_note(self) -> str:
        """"using the mapping saved for RTS on 11/28/2026", or "" when none was used."""
        return self.saved.note() if self.saved else ""


def read_report(path: str | Path, kind: str, sheet: str | None = None, *,
                parsed: ReportFile | None = None, mapping: dict[str, str] | None = None,
                saved: Sequence[SavedMapping] = ()) -> ReportFile:
    """Read a ``kind`` report (a workbook's ``sheet``, else its only sheet with data, else
    its only sheet with the columns of that report). Refused with one clear message when the
    file is not such a report; ColumnsNotPlaced when a field it needs has no column.

    The columns are placed by ``mapping`` (field name -> header) when given, else by the
    one of the ``saved`` mappings that fits the file, then by the built-in spellings
    (services/reports/mapping.py).

    ``parsed``: what reading this same path (same kind, same sheet) gave before, e.g. for
    the preview of the upload being applied. It is given back, instead of parsing the file
    again, only when the bytes read now have its SHA-256: a file changed since is read
    again. (Parsing a 50,000-row workbook is most of an upload's time.)"""
    kind = ReportKind(kind)
    path = Path(path)
    data = read_file_bytes(path)
    if (parsed is not None and parsed.kind == kind and parsed.table.file_name == path.name
            and parsed.sha256 == sha256_of(data) and parsed.given == (mapping or {})):
        return parsed
    what = _WHAT.get(kind, "a payment report")
    table = read_table_bytes(data, path.name, sheet=sheet,
                             fits=report_fits(kind, mapping, saved), what=what)
    fields = report_fields_of(kind)
    placement = place(fields, table, given=mapping, saved=saved)
    if placement.missing:
        raise ColumnsNotPlaced(look_of(fields, table, placement), what)
    if not table.rows:
        raise InputRefused([Problem("the file has a header but no rows", file=path.name)])
    return ReportFile(kind, table, placement.columns, data, sha256_of(data), placement.placed,
                      placement.saved, placement.given)


def look_at_report(path: str | Path, kind: str, sheet: str | None = None, *,
                   mapping: dict[str, str] | None = None,
                   saved: Sequence[SavedMapping] = ()) -> FileLook:
    """The file as the mapping assistant shows it: its headers, first rows, and where each
    field would be read now (``read_report``'s placing), refusing nothing but a file that
    is no table (or a mapping naming an unknown field or a header not in the file)."""
    kind = ReportKind(kind)
    path = Path(path)
    data = read_file_bytes(path)
    table = read_table_bytes(data, path.name, sheet=sheet,
                             fits=report_fits(kind, mapping, saved),
                             what=_WHAT.get(kind, "a payment report"))
    fields = report_fields_of(kind)
    return look_of(fields, table, place(fields, table, given=mapping, saved=saved))


def report_batches(path: str | Path, sheet: str | None = None, *,
                   mapping: dict[str, str] | None = None,
                   saved: Sequence[SavedMapping] = ()) -> list[str]:
    """The batches a purchase report's rows name in their Batch Number column, each once
    (as its first row writes it, in capitals), in the file's order; empty when the file has
    no such column or leaves it blank. Reads the file only: the batches are looked up when
    the report is checked. (``mapping``, ``saved``: as ``read_report`` places columns.)"""
    upload = read_report(path, ReportKind.PURCHASE, sheet, mapping=mapping, saved=saved)
    column = upload.columns.get("batch_number")
    if column is None:
        return []
    found: dict[str, None] = {}
    for _, cells in upload.table.rows:
        if column < len(cells) and cells[column] is not None:
            value = cells[column]
            text = (value if isinstance(value, str) else cell_text(value)).strip().upper()
            if text:
                found.setdefault(text)
    return list(found)
