"""File names that are safe on Windows, macOS and Linux, whatever an invoice number holds."""

from __future__ import annotations

import re
import unicodedata

_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$",
             *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
MAX_STEM = 100


def safe_file_name(name: str) -> str:
    """``name`` made usable as one file name: no separators or characters Windows refuses,
    no leading or trailing dots and spaces (Windows drops them), no reserved device names
    (CON, LPT1...), at most 100 characters; never empty."""
    s = unicodedata.normalize("NFC", str(name))
    s = _UNSAFE.sub("_", s)
    s = s.strip(" .")
    if not s:
        s = "_"
    if s.split(".")[0].rstrip(" ").upper() in _RESERVED:
        s = "_" + s
    return s[:MAX_STEM].rstrip(" .") or "_"


class UniqueNames:
    """Hands out safe names that never collide, also on file systems that ignore case."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, name: str, suffix: str = "") -> str:
        stem = safe_file_name(name)
        candidate, n = stem, 1
        while (candidate + suffix).casefold() in self._taken:
            n += 1
            candidate = f"{stem} ({n})"
        self._taken.add((candidate + suffix).casefold())
        return candidate + suffix
