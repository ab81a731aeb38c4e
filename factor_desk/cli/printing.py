"""How the command line prints: JSON (one writer for every result, and fast writers for the
long lists of loads), tables, money, and a progress bar on a terminal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from decimal import Decimal
from enum import Enum
from typing import Any


def plain(value: Any) -> Any:
    """``value`` as JSON holds it: dataclasses and named rows (their ``to_dict`` when they
    have one) and dicts as objects, lists and tuples as arrays, a moment as ISO text to the
    second, a date as ISO text, an amount as its digits ("1250.00"), a kind or status as
    its value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return plain(value.to_dict())
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "to_dict"):  # a row such as LoadSummary
        return plain(value.to_dict())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _key(key: Any) -> Any:
    return key.value if isinstance(key, Enum) else key


def text(value: Any) -> str:
    """A value as the command line's text has always shown it: as ``plain`` writes it in
    JSON (a moment to the second, ``2026-11-28T14:05:09``; a date, ``2026-11-28``; an amount
    as its digits), and nothing as an empty cell."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    shown = plain(value)
    return shown if isinstance(shown, str) else str(shown)


def print_json(value: Any) -> None:
    json.dump(plain(value), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_json_rows(rows: list[dict[str, object]]) -> None:
    """Print a list of flat dicts (values text, None or lists of text) exactly as
    ``print_json`` does, without json's pure-Python indenting encoder (10x slower than
    this on 100,000 loads); anything else goes through ``print_json``."""
    enc = json.encoder.encode_basestring  # what json uses with ensure_ascii=False
    out = sys.stdout
    parts: list[str] = []
    for row in rows:
        fields = []
        for key, value in row.items():
            if isinstance(value, str):  # a StrEnum too: its value
                shown = enc(value)
            elif value is None:
                shown = "null"
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                shown = ("[\n      " + ",\n      ".join(map(enc, value)) + "\n    ]"
                         if value else "[]")
            else:
                print_json(rows)
                return
            fields.append(f"    {enc(key)}: {shown}")
        parts.append("  {\n" + ",\n".join(fields) + "\n  }")
    out.write("[\n" + ",\n".join(parts) + "\n]\n" if parts else "[]\n")


_LOAD_KEYS = ["load_number", "invoice_number", "subsidiary", "customer", "customer_mc",
              "po_number", "pickup_date", "pickup_location", "delivery_date",
              "delivery_location", "amount", "status", "invoicing_method", "documents",
              "missing_documents", "factor_flag", "factor_reason"]


def print_loads_json(loads: list[Any]) -> None:
    """``print_json([ld.to_dict() for ld in loads])``, byte for byte, in one pass without
    the dict per load (100,000 loads: to_dict and the walk over the dicts took 2.6 s, this
    0.8 s). The keys are to_dict's: if they change, this falls back to it."""
    if not loads or list(loads[0].to_dict()) != _LOAD_KEYS:
        print_json_rows([ld.to_dict() for ld in loads])
        return
    enc = json.encoder.encode_basestring
    null = "null"
    dates: dict[object, str] = {None: "null"}
    lists: dict[tuple[str, ...], str] = {(): "[]"}

    def date(value: object) -> str:
        shown = dates.get(value)
        if shown is None:
            shown = dates[value] = enc(value.isoformat())  # type: ignore[attr-defined]
        return shown

    def names(value: tuple[str, ...]) -> str:
        shown = lists.get(value)
        if shown is None:
            shown = lists[value] = "[\n      " + ",\n      ".join(map(enc, value)) + "\n    ]"
        return shown

    sys.stdout.write("[\n" + ",\n".join(
        f'  {{\n    "load_number": {enc(ld.load_number)},\n'
        f'    "invoice_number": {enc(ld.invoice_number)},\n'
        f'    "subsidiary": {enc(ld.subsidiary)},\n    "customer": {enc(ld.customer)},\n'
        f'    "customer_mc": {enc(ld.customer_mc)},\n    "po_number": {enc(ld.po_number)},\n'
        f'    "pickup_date": {date(ld.pickup_date)},\n'
        f'    "pickup_location": {enc(ld.pickup_location)},\n'
        f'    "delivery_date": {date(ld.delivery_date)},\n'
        f'    "delivery_location": {enc(ld.delivery_location)},\n'
        f'    "amount": {enc(str(ld.amount))},\n    "status": {enc(ld.status)},\n'
        f'    "invoicing_method": {enc(ld.invoicing_method)},\n'
        f'    "documents": {names(ld.documents)},\n'
        f'    "missing_documents": {names(ld.missing_documents)},\n'
        f'    "factor_flag": {null if ld.factor_flag is None else enc(ld.factor_flag)},\n'
        f'    "factor_reason": '
        f'{null if ld.factor_reason is None else enc(ld.factor_reason)}\n  }}'
        for ld in loads) + "\n]\n")


def table(headers: list[str], rows: Iterable[list[Any]],
          right: AbstractSet[int] = frozenset()) -> None:
    """Columns as wide as their widest cell, ``right`` ones aligned right; each cell as
    ``text`` shows it."""
    cells = [[text(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def fmt(row: list[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)
        ).rstrip()

    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(fmt(row))


def money(amount: Decimal) -> str:
    from factor_desk.domain.money import format_money

    return format_money(amount)


def sheet_note(sheet: str | None) -> str:
    """`` (sheet 'Loads')`` after a file's name when a workbook's sheet was read."""
    from factor_desk.domain.text import excerpt

    return f" (sheet {excerpt(sheet)})" if sheet else ""


class ProgressBar:
    """A one-line progress bar on a terminal; silent when stderr is not one."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def show(self, done: int, total: int, message: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                         f"{message[:40]:<40}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def with_progress(steps: Iterator[Any]) -> Any:
    """Run a job's steps with a progress bar on the terminal; return its result."""
    bar = ProgressBar()
    result = None
    try:
        for step in steps:
            bar.show(step.done, step.total, step.message)
            result = step.result or result
    finally:
        bar.close()
    return result
