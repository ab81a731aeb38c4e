"""Money is exact: Decimal in the program, integer cents in the database. Never float."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from factor_desk.domain.text import excerpt

CENT = Decimal("0.01")

_PLAIN_OR_DOLLARS = re.compile(r"\$?(\d{1,10}(?:\.\d{1,2})?)\Z")
_MONEY_TEXT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?$")


class MoneyError(ValueError):
    """The text is not an amount of money; the message says what was expected."""


def parse_money(value: object) -> Decimal:
    """Read an amount as a clerk or a spreadsheet writes it.

    Accepts ``1234.5``, ``$1,234.50``, ``(12.00)`` for a negative, ``-$5``, ``USD 10``,
    numbers from a spreadsheet (int, Decimal, or a binary float that sits on a cent).
    Raises MoneyError for anything else, including fractions of a cent typed as text.
    """
    if isinstance(value, bool):
        raise MoneyError("expected an amount like 1234.50")
    if isinstance(value, int):  # a spreadsheet's number cell: the same limit as text
        return _to_cents_exact(Decimal(value), str(value))
    if isinstance(value, Decimal):
        return _to_cents_exact(value, str(value))
    if isinstance(value, float):
        # Spreadsheets store amounts as binary floats: 1234.1 is 1234.09999999999990905...
        # repr() gives the shortest text that reads back to the same float, which is what
        # the clerk typed; computed cells may carry noise beyond that, so round to the cent
        # when the noise is far below a cent, refuse otherwise.
        if not math.isfinite(value):
            raise MoneyError("expected an amount like 1234.50")
        d = Decimal(repr(value))
        rounded = d.quantize(CENT, rounding=ROUND_HALF_UP)
        if abs(d - rounded) > Decimal("0.000001"):
            raise MoneyError(f"expected whole cents, found {d}")
        return _to_cents_exact(rounded, repr(value))
    text = str(value).strip()
    # The common cases, 1234.50 and $1234.50, without the slow path below.
    plain = _PLAIN_OR_DOLLARS.match(text)
    if plain:
        return Decimal(plain.group(1)).quantize(CENT)
    if not text:
        raise MoneyError("expected an amount, found nothing")
    original = text
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative = True
        text = text[1:-1].strip()
    text = text.replace(" ", "").replace("\u00a0", "")
    upper = text.upper()
    for prefix in ("USD", "US$"):
        if upper.startswith(prefix):
            text = text[len(prefix):]
        elif upper.endswith(prefix):
            text = text[: -len(prefix)]
    if text.startswith("-"):
        negative = not negative
        text = text[1:]
    elif text.startswith("+"):
        text = text[1:]
    if text.startswith("$"):
        text = text[1:]
        if text.startswith("-") and not negative:  # $-5.00
            negative = True
            text = text[1:]
    if not text or not _MONEY_TEXT.match(text) or text in (".",):
        raise MoneyError(f"expected an amount like 1234.50, found {excerpt(original)}")
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex already refused it
        raise MoneyError(f"expected an amount like 1234.50, found {excerpt(original)}") from None
    if negative:
        amount = -amount
    return _to_cents_exact(amount, original)


def _to_cents_exact(amount: Decimal, original: str) -> Decimal:
    if not amount.is_finite():
        raise MoneyError(f"expected an amount like 1234.50, found {excerpt(original)}")
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded != amount:
        raise MoneyError(f"expected whole cents, found {excerpt(original)}")
    if abs(rounded) >= Decimal("10000000000"):
        raise MoneyError(f"amount {excerpt(original)} is too large")
    return rounded


def to_cents(amount: Decimal) -> int:
    """Exact cents of an amount that already sits on a cent."""
    q = amount.quantize(CENT)
    if q != amount:
        raise MoneyError(f"{amount} is not a whole number of cents")
    return int(q * 100)


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)  # exact: an integer shifted two places


def format_money(amount: Decimal) -> str:
    """``$1,234.50`` or ``-$12.00``, as a clerk reads it."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def cents_str(cents: int) -> str:
    """The plain decimal string of an amount in cents: ``"1234.50"``."""
    return str(from_cents(cents))
