"""File names that are safe on Windows, macOS and Linux, whatever an invoice number holds."""

from __future__ import annotations

import re
import unicodedata

# Windows refuses these as a name, with any extension ("CON.pdf", "com1 .txt"), in any case;
# Windows 11 also takes the superscript digits as COM / LPT numbers.
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
             *(f"{dev}{n}" for dev in ("COM", "LPT") for n in "0123456789¹²³")}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f\ud800-\udfff]')
# Bidirectional controls make "INV-1<RLO>fdp.exe" look like "INV-1exe.pdf": removed.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Joiners, variation selectors, skin tones and combining marks belong to the character
# before them: a name cut just before one of those is cut inside what the reader sees.
_GLUE = re.compile("[\u200c\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0100-\U000e01ef]")
MAX_STEM = 100  # characters: long enough for any invoice number, short for a path
MAX_NAME_BYTES = 255


def name_size(name: str) -> int:
    """How much of a file system's 255-unit name limit ``name`` takes on the strictest one:
    UTF-8 bytes (Linux ext4, macOS APFS) or UTF-16 units of the decomposed form (macOS
    HFS+ stores names decomposed; NTFS counts UTF-16 units)."""
    nfd = unicodedata.normalize("NFD", name)
    return max(len(name.encode("utf-8")), len(nfd.encode("utf-16-le")) // 2)


def _fit(text: str, limit: int, chars: int = MAX_STEM) -> str:
    """``text`` cut to at most ``chars`` characters and ``limit`` name units, never inside
    a character as the reader sees it."""
    if len(text) <= chars and name_size(text) <= limit:
        return text
    low, high = 0, min(len(text), chars)
    while low < high:  # the longest prefix that fits
        mid = (low + high + 1) // 2
        if name_size(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    while 0 < low < len(text) and _joins_before(text[low]):
        low -= 1  # the next character belongs to the last one kept: leave both out
    return text[:low].rstrip("\u200c\u200d")


def _joins_before(ch: str) -> bool:
    return bool(unicodedata.combining(ch) or _GLUE.match(ch))


def _is_reserved(stem: str) -> bool:
    return stem.split(".")[0].rstrip(" ").upper() in _RESERVED


def safe_file_name(name: str, suffix: str = "") -> str:
    """``name`` made usable as one file name (the stem; ``suffix`` is what will follow it,
    such as ``" (2).pdf"``): no separators or characters Windows refuses, no bidirectional
    controls, no leading or trailing dots and spaces (Windows drops them), no reserved
    device names (CON, LPT1, COM¹, CONIN$...), at most 100 characters, and stem plus
    ``suffix`` at most 255 bytes on every file system; never empty."""
    s = unicodedata.normalize("NFC", str(name))
    s = _BIDI.sub("", s)
    s = _UNSAFE.sub("_", s)
    s = s.strip(" .")
    if not s:
        s = "_"
    if _is_reserved(s):
        s = "_" + s
    limit = MAX_NAME_BYTES - name_size(suffix)
    s = _fit(s, limit).rstrip(" .")
    if not s or _is_reserved(s):  # nothing left once cut ("\u0301" * 300), or cut to "CON"
        s = "_" + _fit(s, limit - 1, MAX_STEM - 1)
    return s


def name_key(name: str) -> str:
    """Two names with the same key are the same file somewhere: NTFS upper-cases with its
    own table (``ı`` and ``i`` are both ``I``), macOS ignores case and composition
    (``é`` and ``e`` + accent are one name). The key folds every one of these, and more
    (``ß`` and ``ss``): a needless ``(2)`` costs nothing, a lost file would."""
    s = unicodedata.normalize("NFC", name)
    return unicodedata.normalize("NFC", s.upper().casefold().upper())


class UniqueNames:
    """Hands out safe names that never collide, also on file systems that ignore case or
    composition."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, name: str, suffix: str = "") -> str:
        n = 1
        while True:
            tail = "" if n == 1 else f" ({n})"
            candidate = safe_file_name(name, tail + suffix) + tail + suffix
            key = name_key(candidate)
            if key not in self._taken:
                self._taken.add(key)
                return candidate
            n += 1
