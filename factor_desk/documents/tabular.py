"""Read the spreadsheets clerks bring: CSV as Excel saves it, or XLSX.

Tolerates a byte-order mark, cp1252, CRLF, commas/semicolons/tabs, quoted fields, extra
columns, blank rows and a .csv name on an .xlsx file. Anything it cannot make sense of is
a TableError with one clear message; it never lets another exception out for a bad file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from factor_desk.domain.errors import InputRefused, Problem

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class TableError(InputRefused):
    def __init__(self, file_name: str, message: str):
        super().__init__([Problem(message, file=file_name)])


@dataclass
class Table:
    file_name: str
    headers: list[str]
    # (row number as the spreadsheet shows it, the cells); the header is row 1.
    rows: list[tuple[int, list[object]]]
    sheet: str | None = None


def read_table(
    path: str | Path, *, sheet_hint: Callable[[str], bool] | None = None,
    header_only: bool = False,
) -> Table:
    """Read the file at ``path`` (CSV or XLSX, told apart by content, not name);
    ``header_only`` stops after the header row (to tell what kind of file it is)."""
    path = Path(path)
    return read_table_bytes(read_file_bytes(path), path.name, sheet_hint=sheet_hint,
                            header_only=header_only)


def read_file_bytes(path: Path) -> bytes:
    """The bytes of a file the user chose, or a TableError that says why not."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TableError(path.name, "the file does not exist") from None
    except IsADirectoryError:
        raise TableError(path.name, "this is a folder, not a file") from None
    except OSError as exc:
        raise TableError(path.name, f"the file cannot be read ({exc.strerror})") from None


def read_table_bytes(
    data: bytes, file_name: str, *, sheet_hint: Callable[[str], bool] | None = None,
    header_only: bool = False,
) -> Table:
    if not data.strip():
        raise TableError(file_name, "the file is empty")
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data, file_name, sheet_hint, header_only)
    if data.startswith(_OLE_MAGIC):
        raise TableError(
            file_name,
            "this is an old Excel .xls file; save it as .xlsx or .csv and upload that",
        )
    if data.startswith(b"%PDF"):
        raise TableError(file_name, "this is a PDF; a .csv or .xlsx spreadsheet was expected")
    return _read_csv(data, file_name, header_only)


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # "Unicode text" as Excel saves it
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel on Windows saves "CSV" in the ANSI code page; cp1252 decodes every byte but five.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
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


def _read_csv(data: bytes, file_name: str, header_only: bool = False) -> Table:
    text = _decode(data)
    if "\x00" in text:
        raise TableError(file_name, "this is not a text spreadsheet (.csv) or an .xlsx workbook")
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[tuple[int, list[object]]] = []
    headers: list[str] | None = None
    try:
        for number, record in enumerate(reader, start=1):
            if headers is None:
                if not any(cell.strip() for cell in record):
                    continue  # blank lines above the header
                headers = [cell.strip() for cell in record]
                if header_only:
                    break
                continue
            if not any(cell.strip() for cell in record):
                continue
            rows.append((number, list(record)))
    except csv.Error as exc:
        raise TableError(file_name, f"the file is not a readable CSV ({exc})") from None
    if headers is None:
        raise TableError(file_name, "the file has no header row")
    return Table(file_name=file_name, headers=headers, rows=rows)


def _read_xlsx(
    data: bytes, file_name: str, sheet_hint: Callable[[str], bool] | None,
    header_only: bool = False,
) -> Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise TableError(file_name, f"the workbook cannot be opened ({exc})") from None
    try:
        names = wb.sheetnames
        if not names:
            raise TableError(file_name, "the workbook has no sheets")
        name = next((n for n in names if sheet_hint and sheet_hint(n)), names[0])
        ws = wb[name]
        headers: list[str] | None = None
        rows: list[tuple[int, list[object]]] = []
        try:
            for number, record in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = ["" if v is None else v for v in record]
                if not any(str(c).strip() for c in cells):
                    continue
                if headers is None:
                    headers = [str(c).strip() for c in cells]
                    if header_only:
                        break
                    continue
                rows.append((number, cells))
        except TableError:
            raise
        except Exception as exc:
            raise TableError(
                file_name, f"sheet {name!r} cannot be read ({exc})"
            ) from None
        if headers is None:
            raise TableError(file_name, f"sheet {name!r} is empty")
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
    keys: frozenset[str] = field(init=False)

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
        seen = ", ".join(repr(h) for h in table.headers if h) or "none"
        raise TableError(
            table.file_name,
            f"this does not look like {what}: no column for {names}. Columns found: {seen}.",
        )
    return found


def cell_text(value: object) -> str:
    """A cell as text, as the clerk sees it (``1042`` rather than ``1042.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def template_csv(specs: list[ColumnSpec], example_rows: Iterable[Mapping[str, str]] = ()) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([s.title for s in specs])
    for row in example_rows:
        writer.writerow([row.get(s.field, "") for s in specs])
    return out.getvalue()
