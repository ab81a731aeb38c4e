"""Read the spreadsheets clerks bring: CSV as Excel saves it, or XLSX.

Tolerates a byte-order mark, cp1252, CRLF, commas/semicolons/tabs, quoted fields, extra
columns, blank rows and a .csv name on an .xlsx file. Anything it cannot make sense of is
a TableError with one clear message; it never lets another exception out for a bad file.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factor_desk.documents.text_files import (
    FileRefused,
    decode_text,
    describe_size,
    read_file_limited,
    too_large,
)
from factor_desk.domain.text import excerpt

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Limits, checked before a byte of data is parsed (module constants so tests can lower
# them). A workbook is a zip: what it unpacks to is known from its directory before
# unpacking, and Excel's own files unpack to 5-30 times their size.
MAX_CSV_BYTES = 100 * 1024 * 1024
MAX_XLSX_BYTES = 50 * 1024 * 1024
MAX_XLSX_UNPACKED = 1024 * 1024 * 1024
MAX_PACKING_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # parts smaller than this may be packed as tightly as they like
MAX_ROWS = 1_000_000
# Cells kept in memory (rows times the header's width): a sheet can declare a cell in
# column XFD of every row at almost no cost in bytes.
MAX_CELLS = 30_000_000
_LISTED = 10  # headers or sheet names quoted in a message, at most

# Whether a sheet's header row (its first row that holds anything) has the columns the
# caller needs: how a workbook's one sheet of the right kind is told from the others.
HeaderFits = Callable[[list[str]], bool]


class TableError(FileRefused):
    def __init__(self, file_name: str, message: str):
        super().__init__(file_name, message)


class SheetChoiceRefused(TableError):
    """The workbook has several sheets with data and nothing says which one to read (or
    the one named is not there). ``sheets`` are the names to choose from."""

    def __init__(self, file_name: str, message: str, sheets: list[str]):
        super().__init__(file_name, message)
        self.sheets = sheets


@dataclass
class Table:
    file_name: str
    headers: list[str]
    # (row number as the spreadsheet shows it, the cells); the header is row 1.
    rows: list[tuple[int, list[object]]]
    sheet: str | None = None


def read_table(
    path: str | Path, *, sheet: str | None = None, fits: HeaderFits | None = None,
    what: str = "the file", header_only: bool = False,
) -> Table:
    """Read the file at ``path`` (CSV or XLSX, told apart by content, not name);
    ``header_only`` stops after the header row (to tell what kind of file it is).
    For a workbook see ``read_table_bytes`` on which sheet is read."""
    path = Path(path)
    return read_table_bytes(read_file_bytes(path), path.name, sheet=sheet, fits=fits,
                            what=what, header_only=header_only)


def _limit_for(head: bytes) -> tuple[int, str]:
    if head.startswith(_XLSX_MAGIC):
        return MAX_XLSX_BYTES, ".xlsx workbooks"
    return MAX_CSV_BYTES, "CSV files"


def read_file_bytes(path: Path) -> bytes:
    """The bytes of a file the user chose, or a TableError that says why not (missing,
    unreadable, larger than Factor Desk reads)."""
    try:
        return read_file_limited(path, _limit_for)
    except TableError:
        raise
    except FileRefused as exc:
        raise TableError(Path(path).name, exc.problems[0].message) from None


def read_table_bytes(
    data: bytes, file_name: str, *, sheet: str | None = None,
    fits: HeaderFits | None = None, what: str = "the file", header_only: bool = False,
) -> Table:
    """Read a CSV or XLSX file's bytes. A workbook's sheet is the one named ``sheet``;
    else its only sheet with data; else the only one whose header ``fits``; anything else
    is refused, naming the sheets (``what`` names the kind of file in that message)."""
    if not data.strip():
        raise TableError(file_name, "the file is empty")
    limit, kind = _limit_for(data[:16])
    if len(data) > limit:
        raise TableError(file_name, too_large(len(data), limit, kind))
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data, file_name, sheet, fits, what, header_only)
    if data.startswith(_OLE_MAGIC):
        raise TableError(
            file_name,
            "this is an old Excel .xls file; save it as .xlsx or .csv and upload that",
        )
    if data.startswith(b"%PDF"):
        raise TableError(file_name, "this is a PDF; a .csv or .xlsx spreadsheet was expected")
    if sheet is not None:
        raise TableError(file_name, f"sheet {excerpt(sheet)} was asked for, but this is a "
                                    "CSV file, which has no sheets")
    return _read_csv(data, file_name, header_only)


def _decode(data: bytes, file_name: str = "the file") -> str:
    try:
        return decode_text(data, file_name)
    except TableError:
        raise
    except FileRefused as exc:
        raise TableError(file_name, exc.problems[0].message) from None


# What str.splitlines() cuts lines at, and the first character that is not blank.
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile(f"[{_LINE_BREAKS}]")
_NOT_BLANK = re.compile(r"\S")


def _first_line(text: str) -> str:
    """The first line of ``text`` that holds anything (``str.splitlines``' lines), without
    cutting the whole file into lines for it (50,000 of them: 6 ms)."""
    found = _NOT_BLANK.search(text)
    if found is None:
        return ""
    at = found.start()
    start = max(text.rfind(ch, 0, at) for ch in _LINE_BREAKS) + 1
    end = _LINE_BREAK.search(text, at)
    return text[start:end.start() if end else len(text)]


def _sniff_delimiter(text: str) -> str:
    first = _first_line(text)
    counts = {d: _count_outside_quotes(first, d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            n += 1
    return n


class _Budget:
    """Counts what a file puts in memory, and refuses past the limits."""

    __slots__ = ("cells", "file_name", "rows")

    def __init__(self, file_name: str):
        self.file_name = file_name
        self.rows = 0
        self.cells = 0

    def add(self, width: int) -> None:
        self.rows += 1
        self.cells += width
        if self.rows > MAX_ROWS:
            raise TableError(self.file_name, (
                f"the file has more than {MAX_ROWS:,} rows; Factor Desk reads up to "
                f"{MAX_ROWS:,} rows at a time: split it into smaller files"))
        if self.cells > MAX_CELLS:
            raise TableError(self.file_name, (
                f"the file holds more than {MAX_CELLS:,} cells (rows times columns); "
                f"Factor Desk reads up to {MAX_CELLS:,}: delete the columns that are not "
                "needed, or split it into smaller files"))


def _read_csv(data: bytes, file_name: str, header_only: bool = False) -> Table:
    text = _decode(data, file_name)
    delimiter = _sniff_delimiter(text)
    reader: Iterator[list[Any]] = csv.reader(io.StringIO(text, newline=""),
                                             delimiter=delimiter, strict=False)
    rows: list[tuple[int, list[object]]] = []
    headers: list[str] | None = None
    budget = _Budget(file_name)
    width = 0
    try:
        for number, record in enumerate(reader, start=1):
            if headers is None:
                if not any(cell.strip() for cell in record):
                    continue  # blank lines above the header
                headers = [cell.strip() for cell in record]
                width = len(headers)
                if header_only:
                    break
                continue
            if not "".join(record).strip():  # = no cell holds anything; 3x faster
                continue
            if len(record) > width:
                del record[width:]  # a column without a header is unread
            budget.add(len(record))
            rows.append((number, record))  # the reader's own list: it makes one per record
    except csv.Error as exc:
        raise TableError(file_name, f"the file is not a readable CSV ({exc})") from None
    if headers is None:
        raise TableError(file_name, "the file has no header row")
    return Table(file_name=file_name, headers=headers, rows=rows)


def _check_workbook_size(data: bytes, file_name: str) -> None:
    """Refuse a workbook that unpacks to more than Factor Desk reads, or that is packed
    far more tightly than any spreadsheet program packs (a "zip bomb"), from its zip
    directory alone: nothing is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise TableError(file_name, f"the workbook cannot be opened ({exc})") from None
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_XLSX_UNPACKED:
        raise TableError(file_name, (
            f"the workbook is {describe_size(len(data))} but unpacks to "
            f"{describe_size(unpacked)}; Factor Desk reads workbooks that unpack to at "
            f"most {describe_size(MAX_XLSX_UNPACKED)}"))
    for p in parts:
        if p.file_size > _RATIO_FLOOR and p.file_size > MAX_PACKING_RATIO * max(
                p.compress_size, 1):
            ratio = p.file_size // max(p.compress_size, 1)
            raise TableError(file_name, (
                f"this is not a workbook as Excel saves it: its part {excerpt(p.filename)} "
                f"is {describe_size(p.compress_size)} and unpacks to "
                f"{describe_size(p.file_size)}, {ratio:,} times its size; Factor Desk reads "
                f"parts that unpack to at most {MAX_PACKING_RATIO} times their size"))
    packed = sum(p.compress_size for p in parts)
    if unpacked > _RATIO_FLOOR and unpacked > MAX_PACKING_RATIO * max(packed, 1):
        # many small parts, each packed tightly: as costly to read as one large one
        raise TableError(file_name, (
            f"this is not a workbook as Excel saves it: its {len(parts):,} parts take "
            f"{describe_size(packed)} and unpack to {describe_size(unpacked)}, "
            f"{unpacked // max(packed, 1):,} times their size; Factor Desk reads workbooks "
            f"that unpack to at most {MAX_PACKING_RATIO} times their size"))


def _cells_of(record: Sequence[object]) -> list[object]:
    return ["" if v is None else v for v in record]


def _has_data(cells: Iterable[object]) -> bool:
    return any(str(c).strip() for c in cells)


def _sheet_list(names: Sequence[str]) -> str:
    shown = ", ".join(excerpt(n) for n in names[:_LISTED])
    return shown + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")


def _first_row(ws: object) -> list[str] | None:
    """The header row of a sheet (its first row holding anything); None when empty."""
    iter_rows = getattr(ws, "iter_rows", None)
    if iter_rows is None:  # a chart sheet
        return None
    ws.reset_dimensions()  # type: ignore[attr-defined]
    for record in iter_rows(values_only=True):
        cells = _cells_of(record)
        if _has_data(cells):
            return [str(c).strip() for c in cells]
    return None


def _choose_sheet(wb: object, names: list[str], file_name: str, sheet: str | None,
                  fits: HeaderFits | None, what: str) -> str:
    if sheet is not None:
        wanted = sheet.strip()
        found = next((n for n in names if n == wanted), None) or next(
            (n for n in names if n.strip().casefold() == wanted.casefold()), None)
        if found is None:
            raise SheetChoiceRefused(file_name, (
                f"the workbook has no sheet named {excerpt(sheet)}; its sheets are "
                f"{_sheet_list(names)}"), list(names))
        return found
    headers = {n: _first_row(wb[n]) for n in names}  # type: ignore[index]
    filled = [n for n in names if headers[n] is not None]
    if not filled:
        raise TableError(file_name, "every sheet of the workbook is empty")
    if len(filled) == 1:
        return filled[0]
    fitting = [n for n in filled if fits is not None and fits(headers[n] or [])]
    if len(fitting) == 1:
        return fitting[0]
    if fits is None:
        why = ""
    elif not fitting:
        why = f" and none of them has the columns of {what}"
    else:
        why = f" and {len(fitting)} of them ({_sheet_list(fitting)}) look like {what}"
    raise SheetChoiceRefused(file_name, (
        f"the workbook has {len(filled)} sheets with data ({_sheet_list(filled)}){why}. "
        "Say which sheet to read (on the command line: --sheet NAME), or delete the other "
        "sheets and save again"), filled)


def _read_xlsx(
    data: bytes, file_name: str, sheet: str | None, fits: HeaderFits | None, what: str,
    header_only: bool = False,
) -> Table:
    import openpyxl

    _check_workbook_size(data, file_name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise TableError(file_name, f"the workbook cannot be opened ({exc})") from None
    try:
        names = wb.sheetnames
        if not names:
            raise TableError(file_name, "the workbook has no sheets")
        try:
            name = _choose_sheet(wb, names, file_name, sheet, fits, what)
            ws = wb[name]
            if not hasattr(ws, "iter_rows"):
                raise TableError(file_name, f"sheet {excerpt(name)} is a chart, not a table")
            # The sheet's <dimension ref> is only what the program that saved it claimed;
            # read every row and column that is there.
            ws.reset_dimensions()
            headers: list[str] | None = None
            rows: list[tuple[int, list[object]]] = []
            budget = _Budget(file_name)
            width = 0
            for number, record in enumerate(ws.iter_rows(values_only=True), start=1):
                if not record:
                    continue
                cells = _cells_of(record)
                if not _has_data(cells):
                    continue
                if headers is None:
                    headers = [str(c).strip() for c in cells]
                    width = len(headers)
                    if header_only:
                        break
                    continue
                cells = cells[:width]  # a column without a header is never read
                budget.add(len(cells))
                rows.append((number, cells))
        except TableError:
            raise
        except Exception as exc:
            raise TableError(file_name, f"the workbook cannot be read ({exc})") from None
        if headers is None:
            raise TableError(file_name, f"sheet {excerpt(name)} is empty")
        return Table(file_name=file_name, headers=headers, rows=rows, sheet=name)
    finally:
        wb.close()


# ---------------------------------------------------------------- header matching

_WORDS = re.compile(r"[a-z0-9]+")


def normalise_header(header: str) -> str:
    """``"Load #"``, ``"load no."``, ``"LOAD_NUMBER"`` and ``"Load Number"`` all become
    ``"loadnumber"``."""
    h = header.lower().replace("#", " number ")
    words = _WORDS.findall(h)
    words = ["number" if w in ("no", "num", "nbr", "nr") else w for w in words]
    return "".join(words)


@dataclass
class ColumnSpec:
    field: str
    title: str  # the name the template uses
    aliases: Iterable[str] = ()
    required: bool = False
    keys: frozenset[str] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.keys = frozenset(normalise_header(a) for a in (self.title, *self.aliases))


def match_columns(
    table: Table, specs: list[ColumnSpec], *, what: str
) -> dict[str, int]:
    """Map each field to its column index. Refuses, naming every missing required column
    and the headers that were found, when a required one is absent."""
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = normalise_header(header)
        if not key:
            continue
        for spec in specs:
            if spec.field not in found and key in spec.keys:
                found[spec.field] = index
                break
    missing = [s for s in specs if s.required and s.field not in found]
    if missing:
        names = ", ".join(repr(s.title) for s in missing)
        seen = headers_found(table.headers)
        raise TableError(
            table.file_name,
            f"this does not look like {what}: no column for {names}. Columns found: {seen}.",
        )
    return found


def headers_found(headers: Sequence[str]) -> str:
    """The headers of a file for a message: each quoted short, at most ten of them."""
    found = [h for h in headers if h]
    if not found:
        return "none"
    shown = ", ".join(excerpt(h) for h in found[:_LISTED])
    return shown + (f" and {len(found) - _LISTED} more" if len(found) > _LISTED else "")


def header_fits(specs: list[ColumnSpec], *, any_of: Sequence[str] = ()) -> HeaderFits:
    """A HeaderFits that holds when a header row has every required column of ``specs``
    (and, if given, at least one of the fields ``any_of``)."""

    def fits(headers: list[str]) -> bool:
        try:
            found = match_columns(Table("", list(headers), []), specs, what="")
        except TableError:
            return False
        return not any_of or any(f in found for f in any_of)

    return fits


def cell_text(value: object) -> str:
    """A cell as text, as the clerk sees it (``1042`` rather than ``1042.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def csv_text(rows: Iterable[Iterable[object]], *, delimiter: str = ",",
             newline: str = "\r\n") -> str:
    """Rows (the header first) as CSV text as Excel writes it: cells quoted when they must
    be, lines ending in CRLF unless ``newline`` says otherwise. Encode it to write a file."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def template_csv(specs: list[ColumnSpec], example_rows: Iterable[Mapping[str, str]] = ()) -> str:
    return csv_text([[s.title for s in specs],
                     *([row.get(s.field, "") for s in specs] for row in example_rows)])
