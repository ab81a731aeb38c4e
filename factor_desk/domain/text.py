"""Text as a clerk sees it in a message: short, printable, quoted."""

from __future__ import annotations

import re
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


# An email address as a clerk types one and a mail server takes it: one @, no spaces, none
# of the characters that separate or quote addresses in a header (<>,;"), and a dot inside
# the part after the @ ("x@localhost" and "x@f." are refused).
_EMAIL_ADDRESS = re.compile(r'^[^@\s<>,;"]+@(?:[^@\s<>,;".]+\.)+[^@\s<>,;".]+$')


def is_email_address(text: str) -> bool:
    """Whether ``text`` (spaces around it aside) is one email address: the factor's
    address, the From of the mail settings and the To of a send are checked alike."""
    return bool(_EMAIL_ADDRESS.match(text.strip()))
