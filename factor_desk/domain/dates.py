"""Dates as clerks and spreadsheets write them."""

from __future__ import annotations

import datetime as dt
import re

from factor_desk.domain.text import excerpt

_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class DateError(ValueError):
    """The text is not a date; the message says what was expected."""


def parse_date(value: object) -> dt.date:
    """Read ``2026-11-27``, ``11/27/2026`` (US order), ``11/27/26``, a date or datetime
    from a spreadsheet, or an Excel serial day number such as ``46353``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise DateError("expected a date like 2026-11-27 or 11/27/2026")
    if isinstance(value, (int, float)):
        return _from_serial(value, str(value))
    text = str(value).strip()
    if not text:
        raise DateError("expected a date, found nothing")
    try:
        m = _ISO.match(text)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = _US.match(text)
        if m:
            year = int(m[3])
            if len(m[3]) == 2:
                year += 2000
            return dt.date(year, int(m[1]), int(m[2]))
    except ValueError:
        raise DateError(
            f"{excerpt(text)} is not a real date; expected a date like 2026-11-27 or 11/27/2026 "
            "(month first)"
        ) from None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _from_serial(int(text.split(".")[0]), text)
    raise DateError(f"expected a date like 2026-11-27 or 11/27/2026, found {excerpt(text)}")


def _from_serial(serial: float, original: str) -> dt.date:
    # Excel day numbers: 1 is 1900-01-01 (with Excel's leap-year bug; the 1899-12-30
    # epoch corrects it for every date after February 1900, which is all we meet).
    if not 20000 <= serial <= 80000:
        raise DateError(f"expected a date like 2026-11-27 or 11/27/2026, found {excerpt(original)}")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


class DateCache:
    """Reads the dates of a file, each distinct value once (a file repeats its dates down a
    column). ``read`` gives the date, or the message saying why it is not one."""

    def __init__(self) -> None:
        self._seen: dict[object, dt.date | str] = {}

    def read(self, raw: object) -> dt.date | str:
        key = raw if isinstance(raw, str) else repr(raw)
        found = self._seen.get(key)
        if found is None:
            try:
                found = parse_date(raw)
            except DateError as exc:
                found = str(exc)
            self._seen[key] = found
        return found


def format_when(when: dt.datetime) -> str:
    """A moment as the window and the command line show it: ``2026-11-28 14:05:09`` (UTC,
    to the second; the time zone, if any, is not shown)."""
    return when.strftime("%Y-%m-%d %H:%M:%S")
