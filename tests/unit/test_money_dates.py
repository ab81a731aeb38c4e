import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factor_desk.domain.dates import DateError, parse_date
from factor_desk.domain.money import (
    MoneyError,
    format_money,
    from_cents,
    parse_money,
    to_cents,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", "1234.50"),
        ("$1,234.50", "1234.50"),
        (" $ 1,234.50 ", "1234.50"),
        ("(12.00)", "-12.00"),
        ("-$5", "-5.00"),
        ("$-5.00", "-5.00"),
        ("USD 10", "10.00"),
        ("0", "0.00"),
        (".5", "0.50"),
        (1234, "1234.00"),
        (1234.1, "1234.10"),
        (0.1 + 0.2, "0.30"),  # a computed spreadsheet cell
        (Decimal("7.25"), "7.25"),
    ],
)
def test_reads_amounts_as_clerks_and_spreadsheets_write_them(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12.345", "1,23.00", "$$5", "1.2.3", "--5", True,
                                  float("nan"), "1e5", 12.3456])
def test_refuses_what_is_not_an_amount(text):
    with pytest.raises(MoneyError):
        parse_money(text)


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_cents_round_trip_through_every_written_form(cents):
    amount = from_cents(cents)
    assert to_cents(amount) == cents
    assert parse_money(str(amount)) == amount
    assert parse_money(format_money(amount)) == amount


def test_formats_money_for_a_clerk():
    assert format_money(Decimal("1234.5")) == "$1,234.50"
    assert format_money(Decimal("-12")) == "-$12.00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-27", dt.date(2026, 11, 27)),
        ("11/27/2026", dt.date(2026, 11, 27)),
        ("1/2/2026", dt.date(2026, 1, 2)),
        ("11/27/26", dt.date(2026, 11, 27)),
        ("2026-11-27T08:30:00", dt.date(2026, 11, 27)),
        (dt.datetime(2026, 11, 27, 9, 0), dt.date(2026, 11, 27)),
        (46353, dt.date(2026, 11, 27)),  # Excel serial day
        ("46353", dt.date(2026, 11, 27)),
    ],
)
def test_reads_dates_in_iso_us_and_excel_forms(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["", "27/11/2026", "2026-02-30", "tomorrow", 12, True])
def test_refuses_what_is_not_a_date(value):
    with pytest.raises(DateError):
        parse_date(value)
