"""The journal for the bookkeeper as files: a plain CSV any ledger (or Excel) reads, and a
QuickBooks Desktop IIF file (File → Utilities → Import → IIF Files).

CSV: UTF-8 with a byte-order mark (without one, Excel on Windows reads the file in the ANSI
code page and "Łódź" comes out as four or five wrong characters), CRLF line ends, comma
separated; columns Date (ISO, which Excel reads as a date in every locale), Account, Debit,
Credit (``1234.50``, empty for zero), Memo, Reference, and Entry (the entry's number in the
file, so the lines of one entry can be told apart). A text cell that starts like a formula
(= + - @) gets a leading apostrophe, the OWASP advice against CSV injection.

IIF: tab separated, Windows ANSI (cp1252: QuickBooks Desktop reads IIF files as ANSI text),
CRLF line ends; the header lines ``!TRNS``, ``!SPL``, ``!ENDTRNS``, then per entry a TRNS
line (its first line), SPL lines (the others) and ENDTRNS. TRNSTYPE is GENERAL JOURNAL,
DATE is MM/DD/YYYY, AMOUNT is signed (debit positive, credit negative: each entry sums to
zero), NAME is the debtor on the Accounts Receivable line (QuickBooks wants a customer on
an A/R line of a journal entry), MEMO is the memo and the reference. Tabs and line breaks
inside a value become spaces and double quotes single ones (QuickBooks takes a value in
double quotes as quoted); characters outside cp1252 lose their accents (Ł is L), or
become "?".

A file is written beside its place first and moved in whole: an existing file is refused
unless the caller says to replace it, and a failed write leaves nothing behind."""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from pathlib import Path

from factor_desk.domain.errors import (
    InputRefused,
    Problem,
)
from factor_desk.domain.journal import Journal, JournalEntry
from factor_desk.domain.money import from_cents

CSV_HEADER = ["Date", "Account", "Debit", "Credit", "Memo", "Reference", "Entry"]
IIF_COLUMNS = ["TRNSTYPE", "DATE", "ACCNT", "NAME", "AMOUNT", "MEMO"]
IIF_TYPE = "GENERAL JOURNAL"
FORMATS = ("csv", "iif")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Letters outside cp1252 that no Unicode decomposition takes to a plain one.
_PLAIN_LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h",
                                "ı": "i", "Ŀ": "L", "ŀ": "l", "Ŧ": "T", "ŧ": "t"})


def _cell(text: str) -> str:
    """Text a spreadsheet shows, never runs."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _money(cents: int) -> str:
    return f"{from_cents(cents):.2f}" if cents else ""


def journal_csv(journal: Journal) -> bytes:
    """The journal as CSV bytes (UTF-8 with BOM, CRLF)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for number, entry in enumerate(journal.entries, start=1):
        for line in entry.lines:
            writer.writerow([entry.date.isoformat(), _cell(line.account_name),
                             _money(line.debit_cents), _money(line.credit_cents),
                             _cell(entry.memo), _cell(entry.reference), number])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _iif_text(text: str) -> str:
    """One IIF value: one line, no tabs, no double quotes, cp1252 only."""
    text = " ".join(text.replace('"', "'").split())
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        plain = "".join(c for c in unicodedata.normalize("NFKD", ch.translate(_PLAIN_LETTERS))
                        if not unicodedata.combining(c))
        try:
            out.append(plain.encode("cp1252").decode("cp1252") if plain else "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def _iif_memo(entry: JournalEntry) -> str:
    return entry.memo + (f"; ref {entry.reference}" if entry.reference else "")


def journal_iif(journal: Journal) -> bytes:
    """The journal as a QuickBooks Desktop IIF file (cp1252, tabs, CRLF)."""
    rows = [["!TRNS", *IIF_COLUMNS], ["!SPL", *IIF_COLUMNS], ["!ENDTRNS"]]
    for entry in journal.entries:
        date = entry.date.strftime("%m/%d/%Y")
        memo = _iif_text(_iif_memo(entry))
        for n, line in enumerate(entry.lines):
            amount = f"{from_cents(line.signed_cents):.2f}"
            rows.append(["TRNS" if n == 0 else "SPL", IIF_TYPE, date,
                         _iif_text(line.account_name), _iif_text(line.name), amount, memo])
        rows.append(["ENDTRNS"])
    text = "".join("\t".join(row) + "\r\n" for row in rows)
    return text.encode("cp1252")


def journal_bytes(journal: Journal, file_format: str) -> bytes:
    if file_format == "iif":
        return journal_iif(journal)
    if file_format == "csv":
        return journal_csv(journal)
    raise ValueError(f"unknown journal format {file_format!r}")


def format_for(path: str | os.PathLike[str], file_format: str | None) -> str:
    """The format asked for, else the one the file's name says (.iif), else CSV."""
    if file_format is None:
        return "iif" if Path(path).suffix.lower() == ".iif" else "csv"
    word = file_format.strip().lower().lstrip(".")
    if word not in FORMATS:
        raise InputRefused([Problem(f"the journal is written as csv or iif, not "
                                    f"{file_format!r}")])
    return word


