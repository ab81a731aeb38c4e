"""Placing a file's columns, and column mappings (issue #14): which of a file's columns
holds each field Factor Desk reads.

A field's public name is its template title in snake_case ("Advance Amount" ->
``advance_amount``), whatever the code calls it inside (``ColumnSpec.field``: ``advance``);
``public_name`` and ``Fields`` translate both ways, here only.

A file's columns are placed in three layers, each field once and each column once: the
mapping given (``--map``, the window's assistant), else the factor's saved mapping that
fits the file (every header it names is there); then the built-in spellings (the column
specs' titles and aliases) for the fields still open. Headers compare as
``normalise_header`` compares them ("Inv No." is "inv no").

No database here: services/reports/mapping.py keeps the saved mappings (and gives these
names to the faces); services/loads/rows.py places a loads file's columns with them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from factor_desk.documents.tabular import ColumnSpec, Table, cell_text, normalise_header
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.factor_reports import ReportKind
from factor_desk.domain.text import excerpt

ID_FIELDS = ("invoice_number", "load_number")  # a purchase or payment row names one
SHOWN_ROWS = 5  # the rows a FileLook carries, as text


@dataclass(frozen=True)
class MappingField:
    """A field Factor Desk reads from a file: ``name`` (``invoice_amount``, what ``--map``
    takes), its template ``title``, whether it must be there; ``one_of="id"``: the file
    needs at least one of the fields so marked (Invoice Number, Load Number)."""

    name: str
    title: str
    required: bool
    one_of: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "required": self.required,
                "one_of": self.one_of}


@dataclass(frozen=True)
class SavedMapping:
    """A factor's saved mapping of one report kind: field name -> the file's header."""

    factor: str
    kind: ReportKind
    columns: dict[str, str]
    saved_at: dt.datetime
    saved_by: str

    def note(self) -> str:
        return f"using the mapping saved for {self.factor} on {self.saved_at:%m/%d/%Y}"

    def to_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, "kind": self.kind.value, "columns": dict(self.columns),
                "saved_at": self.saved_at.isoformat(), "saved_by": self.saved_by}


@dataclass
class FileLook:
    """A file as the mapping assistant shows it: its headers, its first rows as text, the
    fields of its kind, where each would be read from now (``placed``: field -> header),
    the required fields not placed, and the saved mapping in play (the one used, or the
    factor's that does not fit this file)."""

    file_name: str
    kind: ReportKind
    headers: list[str]
    rows: list[list[str]]
    fields: list[MappingField]
    placed: dict[str, str]
    missing: list[MappingField]
    saved: SavedMapping | None
    sheet: str | None = None
    note: str = ""  # SavedMapping.note() when the saved mapping placed the columns

    def to_dict(self) -> dict[str, Any]:
        return {"file_name": self.file_name, "kind": self.kind.value, "sheet": self.sheet,
                "headers": list(self.headers), "rows": [list(r) for r in self.rows],
                "fields": [f.to_dict() for f in self.fields], "placed": dict(self.placed),
                "missing": [f.name for f in self.missing],
                "saved": self.saved.to_dict() if self.saved else None, "note": self.note}


class ColumnsNotPlaced(InputRefused):
    """A file whose columns cannot be placed: a required field (or both Invoice Number and
    Load Number) has no column. ``look`` is the file as the assistant would show it."""

    def __init__(self, look: FileLook, what: str):
        self.look = look
        names = [f"'{f.title}'" for f in look.missing if not f.one_of]
        ids = [f"'{f.title}'" for f in look.missing if f.one_of]
        if ids:
            names.append(" or ".join(ids))
        headers = ", ".join(excerpt(h) for h in look.headers if h) or "none"
        example = ",".join(f"{f.name}=COLUMN" for f in look.missing if f.one_of != "id"
                           or f.name == "invoice_number")
        message = (f"this does not look like {what}: no column for {', '.join(names)}. "
                   f"Columns found: {headers}. Say which column holds each field, e.g. "
                   f'--map "{example}" (fields: {", ".join(f.name for f in look.fields)})')
        super().__init__([Problem(message, file=look.file_name)], summary=message)


# ------------------------------------------------------------------ the fields


def public_name(spec: ColumnSpec) -> str:
    """A field's name in a mapping: its template title in snake_case."""
    return re.sub(r"[^a-z0-9]+", "_", spec.title.lower()).strip("_")


@dataclass(frozen=True)
class Fields:
    """The fields of one kind of file: its column specs and their public names."""

    kind: ReportKind
    specs: tuple[ColumnSpec, ...]
    ids_required: bool  # at least one of Invoice Number, Load Number

    @property
    def fields(self) -> list[MappingField]:
        return [MappingField(public_name(s), s.title, s.required,
                             "id" if self.ids_required and s.field in ID_FIELDS else "")
                for s in self.specs]

    def names(self) -> list[str]:
        return [public_name(s) for s in self.specs]

    def spec_of(self, name: str) -> ColumnSpec | None:
        return next((s for s in self.specs if public_name(s) == name), None)

    def check(self, columns: dict[str, str]) -> dict[str, str]:
        """``columns`` (field name -> header) with the names known, blank headers left out
        (a field in no column); refused naming the known fields, or a header given to two
        fields."""
        known = self.names()
        unknown = [n for n in columns if n not in known]
        if unknown:
            raise InputRefused([Problem(
                f"{excerpt(unknown[0])} is not a field of a {self.kind.value} file; its "
                f"fields are {', '.join(known)}")])
        kept = {n: h.strip() for n, h in columns.items() if h and h.strip()}
        seen: dict[str, str] = {}
        for name, header in kept.items():
            key = normalise_header(header) or header
            if key in seen:
                raise InputRefused([Problem(
                    f"column {excerpt(header)} is given to both {seen[key]} and {name}; a "
                    "column holds one field")])
            seen[key] = name
        return kept

    def missing(self, placed: Iterable[str]) -> list[MappingField]:
        """The required fields not in ``placed`` (names), and the id fields when neither is."""
        placed = set(placed)
        fields = self.fields
        missing = [f for f in fields if f.required and f.name not in placed]
        if self.ids_required and not placed & set(ID_FIELDS):
            missing += [f for f in fields if f.one_of == "id"]
        return missing

    def check_complete(self, columns: dict[str, str]) -> None:
        missing = self.missing(columns)
        if missing:
            raise InputRefused([Problem(
                "a mapping needs a column for " + ", ".join(
                    f.name for f in missing if not f.one_of)
                + (" and " if any(not f.one_of for f in missing) and any(
                    f.one_of for f in missing) else "")
                + " or ".join(f.name for f in missing if f.one_of))])


# ------------------------------------------------------------------ --map "f=Header,..."


def parse_map(text: str) -> dict[str, str]:
    """``invoice_number=Inv No,invoice_amount=Face Value`` as {field: header}. A header
    holding a comma or '=' is quoted: ``reference_number="Ref, ACH"`` (a quote inside a
    quoted header is doubled, as in a CSV file). Refused: an item with no '=', a field given
    twice, a quote left open."""
    items: list[list[tuple[str, bool]]] = [[]]  # each character and whether it was quoted
    quoted, i = False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and text[i + 1:i + 2] == '"':
                items[-1].append(('"', True))
                i += 2
                continue
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append([])
        else:
            items[-1].append((ch, quoted))
        i += 1
    if quoted:
        raise InputRefused([Problem(f"--map {excerpt(text)}: a quote is not closed")])
    found: dict[str, str] = {}
    for item in items:
        if not "".join(c for c, _ in item).strip():
            continue
        at = next((n for n, (c, q) in enumerate(item) if c == "=" and not q), None)
        if at is None:
            at = next((n for n, (c, _) in enumerate(item) if c == "="), None)
        whole = "".join(c for c, _ in item)
        if at is None:
            raise InputRefused([Problem(
                f"--map: {excerpt(whole.strip())} is not FIELD=COLUMN, e.g. "
                "invoice_number=Inv No")])
        name = re.sub(r"[\s-]+", "_", whole[:at].strip().lower())
        header = whole[at + 1:].strip()
        if not name or not header:
            raise InputRefused([Problem(
                f"--map: {excerpt(whole.strip())} is not FIELD=COLUMN, e.g. "
                "invoice_number=Inv No")])
        if name in found:
            raise InputRefused([Problem(f"--map gives the field {name} twice")])
        found[name] = header
    if not found:
        raise InputRefused([Problem("--map is empty; give FIELD=COLUMN pairs, e.g. "
                                    '"invoice_number=Inv No,invoice_amount=Face Value"')])
    return found


def map_text(columns: dict[str, str]) -> str:
    """A mapping as ``--map`` takes it (headers with a comma, '=' or quote quoted)."""
    def quote(h: str) -> str:
        return f'"{h.replace(chr(34), chr(34) * 2)}"' if re.search(r'[,="]', h) else h
    return ",".join(f"{n}={quote(h)}" for n, h in columns.items())


# ------------------------------------------------------------------ placing the columns


@dataclass
class Placement:
    """Where each field is read: ``columns`` by the specs' field (as the row checkers
    read them) -> column index; ``placed`` by public name -> header."""

    columns: dict[str, int]
    placed: dict[str, str]
    missing: list[MappingField]
    saved: SavedMapping | None = None  # the saved mapping that placed the columns
    offered: SavedMapping | None = None  # the factor's, used or not
    given: dict[str, str] = field(default_factory=dict)

    @property
    def note(self) -> str:
        return self.saved.note() if self.saved else ""


HeaderIndex = tuple[dict[str, list[int]], dict[str, list[int]]]


def _header_index(headers: Sequence[str]) -> HeaderIndex:
    exact: dict[str, list[int]] = {}
    loose: dict[str, list[int]] = {}
    for i, h in enumerate(headers):
        exact.setdefault(h.strip(), []).append(i)
        if key := normalise_header(h):
            loose.setdefault(key, []).append(i)
    return exact, loose


def _find_all(header: str, index: HeaderIndex) -> list[int]:
    exact, loose = index
    found = exact.get(header.strip())
    if not found:
        found = loose.get(normalise_header(header), []) if normalise_header(header) else []
    return found


def _find(header: str, index: HeaderIndex) -> int | None:
    found = _find_all(header, index)
    return found[0] if found else None


def _refuse_twice(name: str, header: str, index: HeaderIndex, table: Table) -> None:
    """A header a mapping names that is more than one of the file's columns: which one
    holds the field cannot be told (the first may be the invoice's total, the second the
    amount paid)."""
    found = _find_all(header, index)
    if len(found) > 1:
        where = " and ".join(str(i + 1) for i in found)
        raise InputRefused([Problem(
            f"{name}={header}: the file has the column {excerpt(header)} twice (columns "
            f"{where}); rename one of them in the file, or map the field to another column",
            file=table.file_name)])


def fits(saved: SavedMapping, headers: Sequence[str], fields: Fields) -> bool:
    """Whether every header ``saved`` names is in ``headers`` (and its fields are known)."""
    index = _header_index(headers)
    return all(fields.spec_of(n) is not None and _find(h, index) is not None
               for n, h in saved.columns.items() if h)


def place(fields: Fields, table: Table, *, given: dict[str, str] | None = None,
          saved: Sequence[SavedMapping] = ()) -> Placement:
    """Place ``table``'s columns (see the module's text). ``given`` is checked: unknown
    field names and headers not in the file are refused, naming the file's headers.
    ``saved``: the saved mappings in play (the factor's, or every factor's of this kind):
    the one that fits the file is used; none when several fit."""
    headers = table.headers
    index = _header_index(headers)
    columns: dict[str, int] = {}
    used: set[int] = set()
    chosen: SavedMapping | None = None
    first: dict[str, str] = {}
    if given:
        first = fields.check(given)
        for name, header in first.items():
            at = _find(header, index)
            if at is None:
                shown = ", ".join(excerpt(h) for h in headers if h) or "none"
                raise InputRefused([Problem(
                    f"--map {name}={header}: the file has no column {excerpt(header)}; its "
                    f"columns are {shown}", file=table.file_name)])
    else:
        fitting = [s for s in saved if fits(s, headers, fields)]
        if len(fitting) == 1:
            chosen = fitting[0]
            first = {n: h for n, h in chosen.columns.items() if h}
    for name, header in first.items():
        _refuse_twice(name, header, index, table)
        at = _find(header, index)
        spec = fields.spec_of(name)
        assert at is not None and spec is not None
        columns[spec.field] = at
        used.add(at)
    # The built-in spellings: a field's template title first, then its other spellings (a
    # payment file's "Amount Paid" is the amount paid, whatever an "Amount" before it is).
    for titles in (True, False):
        for at, header in enumerate(headers):
            key = normalise_header(header)
            if not key or at in used:
                continue
            for spec in fields.specs:
                if spec.field not in columns and (
                        key == normalise_header(spec.title) if titles else key in spec.keys):
                    columns[spec.field] = at
                    used.add(at)
                    break
    for spec in fields.specs:  # a field that must be read, by a header the file has twice
        if spec.field in columns and (spec.required or (
                fields.ids_required and spec.field in ID_FIELDS)):
            _refuse_twice(public_name(spec), headers[columns[spec.field]], index, table)
    placed = {public_name(s): headers[columns[s.field]] for s in fields.specs
              if s.field in columns}
    offered = chosen or (saved[0] if len(saved) == 1 else None)
    return Placement(columns, placed, fields.missing(placed), chosen, offered,
                     first if given else {})


def look_of(fields: Fields, table: Table, placement: Placement) -> FileLook:
    rows = [[cell_text(c) for c in cells] for _, cells in table.rows[:SHOWN_ROWS]]
    return FileLook(table.file_name, fields.kind, list(table.headers), rows, fields.fields,
                    placement.placed, placement.missing, placement.offered, table.sheet,
                    placement.note)
