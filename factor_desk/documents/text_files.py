"""Every text file Factor Desk reads (the Notice of Assignment, a loads CSV, a factor's
report) goes through here: one size check and one decoder that knows what Windows and
macOS programs save.

Notepad "Unicode" and PowerShell 5.1's ``>`` write UTF-16 with a byte-order mark; Notepad
"UTF-8" and Excel "CSV UTF-8" write UTF-8 with one; most programs write UTF-8 without;
Excel's plain "CSV" writes the ANSI code page (cp1252 in the US). Anything else that
decodes to NULs or control characters is not text, and is refused rather than guessed at.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
from collections.abc import Callable
from pathlib import Path

from factor_desk.domain.errors import InputRefused, Problem

# Byte-order marks, longest first: a UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: list[tuple[bytes, str, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (Unicode)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (Unicode)"),
]

# Control characters no text holds: all C0 but tab, line ends, vertical tab, form feed and
# the old DOS end-of-file mark; DEL; C1 but NEL (what latin-1 makes of binary bytes).
_NOT_TEXT = re.compile("[\x01-\x08\x0e-\x19\x1b-\x1f\x7f-\x84\x86-\x9f]")
# A stray control character in a note is tolerated; a share of them this large is binary.
_CONTROL_SHARE = 0.01


class FileRefused(InputRefused):
    """A file Factor Desk will not read, and why, in a clerk's words."""

    def __init__(self, file_name: str, message: str):
        super().__init__([Problem(message, file=file_name)])


def describe_size(n: int) -> str:
    """``n`` bytes the way Explorer and Finder show a file's size: 180 MB, 12 KB."""
    if n >= 1024 ** 3:
        gb = n / 1024 ** 3
        return f"{gb:,.0f} GB" if gb.is_integer() else f"{gb:,.1f} GB"
    if n >= 1024 * 1024:
        mb = n / (1024 * 1024)
        shown = f"{mb:,.0f}" if mb >= 10 or mb.is_integer() else f"{mb:.1f}"
        return f"{shown} MB"
    if n >= 1024:
        return f"{n / 1024:,.0f} KB"
    return f"{n:,} byte" + ("" if n == 1 else "s")


def read_file_limited(path: str | Path,
                      limit_for: Callable[[bytes], tuple[int, str]]) -> bytes:
    """The bytes of a file the user chose, refused before reading when it is larger than
    its limit. ``limit_for(first bytes)`` gives the limit and the name of such files in
    the message ("CSV files"): what a file is, not its name, decides which limit holds."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            size = _size_of(fh)
            head = fh.read(16)
            limit, kind = limit_for(head)
            if size > limit:
                raise FileRefused(path.name, too_large(size, limit, kind))
            data = head + fh.read(limit + 1 - len(head))
    except FileNotFoundError:
        raise FileRefused(path.name, "the file does not exist") from None
    except IsADirectoryError:
        raise FileRefused(path.name, "this is a folder, not a file") from None
    except PermissionError:
        raise FileRefused(path.name, "the file cannot be read (permission denied)") from None
    except OSError as exc:
        raise FileRefused(path.name,
                          f"the file cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:  # it grew while we read it
        raise FileRefused(path.name, too_large(len(data), limit, kind))
    return data


def _size_of(fh: object) -> int:
    return os.fstat(fh.fileno()).st_size  # type: ignore[attr-defined]


def too_large(size: int, limit: int, kind: str) -> str:
    return (f"the file is {describe_size(size)}; Factor Desk reads {kind} up to "
            f"{describe_size(limit)}")


def decode_text(data: bytes, file_name: str) -> str:
    """The text of a file's bytes: by its byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32),
    else UTF-8, else cp1252 (Excel's ANSI CSV). Refused (FileRefused) when the bytes do not
    decode to text: UTF-16 saved without a mark, or a binary file."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise FileRefused(file_name, (
                    f"the file says it is {label} text but byte {exc.start + len(bom) + 1:,} is "
                    f"not; save it again as UTF-8 or CSV")) from None
            _check_is_text(text, file_name)
            return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; no ANSI text holds them, but latin-1 keeps
        # them as the control characters the check below counts.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    _check_is_text(text, file_name)
    return text


def _check_is_text(text: str, file_name: str) -> None:
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise FileRefused(file_name, (
            f"this is not a text file: line {line:,} holds a NUL character. If it is text "
            "saved as \"Unicode\" without a byte-order mark, save it again as UTF-8 "
            "(or, from Excel, as CSV or .xlsx)"))
    controls = sum(1 for _ in _NOT_TEXT.finditer(text))
    if controls and controls > _CONTROL_SHARE * len(text):
        raise FileRefused(file_name, (
            f"this is not a text file: {controls:,} of its {len(text):,} characters are "
            "control characters no text file holds"))


def read_text_file(path: str | Path, *, limit: int, kind: str = "text files") -> str:
    """Read and decode a text file the user chose (see ``decode_text``); refused when it
    is larger than ``limit`` bytes, missing, unreadable or not text."""
    data = read_file_limited(path, lambda head: (limit, kind))
    return decode_text(data, Path(path).name)


def write_text_file(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, lines as given) to the file the clerk named, or refuse in
    words a clerk understands: a folder that does not exist, a folder where the file
    should be, a path through a file, a name the disk will not take, a file open in
    another program, a read-only place or a full disk."""
    from factor_desk.domain.errors import EnvironmentRefused, refusal_for_os_error

    path = Path(path)
    try:
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except IsADirectoryError:
        raise EnvironmentRefused(f"{path} is a folder; name a file to write, e.g. "
                                 f"{path / 'template.csv'}.") from None
    except NotADirectoryError:
        raise EnvironmentRefused(f"{path.parent} is a file, not a folder; choose a folder to "
                                 "write into.") from None
    except FileNotFoundError:
        raise EnvironmentRefused(f"The folder {path.parent} does not exist; choose a folder "
                                 "that does, or make it first.") from None
    except OSError as exc:
        refusal = refusal_for_os_error(exc)
        if refusal is not None:
            raise refusal from None
        if exc.errno in (errno.EINVAL, errno.ENAMETOOLONG):
            raise EnvironmentRefused(f"{path.name} is not a name this disk takes; choose a "
                                     "shorter name without : * ? \" < > |.") from None
        raise
    return path
