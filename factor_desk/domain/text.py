"""Text as a clerk sees it in a message: short, printable, quoted."""

from __future__ import annotations

import unicodedata

EXCERPT_LIMIT = 40


def excerpt(value: object, limit: int = EXCERPT_LIMIT) -> str:
    """``value`` quoted for a message: control and format characters (bidi overrides,
    NULs, line breaks) shown as ``?``, at most ``limit`` characters, ``…`` when cut. A bad
    cell or header is quoted this way, never kilobytes of garbage."""
    return repr(clip(value, limit))


def clip(value: object, limit: int = EXCERPT_LIMIT) -> str:
    """``value`` as :func:`excerpt` shows it, without the quotes (for a number from a file
    that a message names as it is, e.g. "unknown invoice X-9")."""
    text = "" if value is None else str(value)
    shown = []
    for ch in text[: limit + 1]:
        category = unicodedata.category(ch)
        shown.append("?" if category in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != " " else ch)
    cut = "".join(shown)
    if len(text) > limit:
        cut = cut[:limit] + "…"
    return cut
