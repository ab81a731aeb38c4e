"""The schedule of accounts each factor wants (issue #14): the columns, their order and
titles, the MCs and the signature block, in CSV, XLSX and PDF alike."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from factor_desk.documents.schedule import (
    Schedule,
    ScheduleRow,
    schedule_csv,
    schedule_pdf,
    schedule_xlsx,
)


def fixed_schedule(*, reversed_note: str = "", carrier_mc: str = "MC-123456") -> Schedule:
    """A schedule with what makes files differ: a name with an accent and an ampersand, a
    cell that looks like a formula, an empty MC, two invoices on one debtor."""
    when = dt.datetime(2026, 11, 27, 14, 5, 9, tzinfo=dt.UTC)
    rows = [
        ScheduleRow(dt.date(2026, 11, 20), "Prairie & Sons Logística", "MC-778899", "INV-1001",
                    "L-1001", "PO-55", Decimal("1250.00"), dt.date(2026, 12, 20)),
        ScheduleRow(dt.date(2026, 11, 21), "=HYPERLINK(\"x\")", "", "INV-1002", "L-1002", "",
                    Decimal("987.65"), dt.date(2026, 12, 21)),
        ScheduleRow(dt.date(2026, 11, 22), "Prairie & Sons Logística", "MC-778899", "INV-1003",
                    "L-1003", "-PO-9", Decimal("12345.01"), dt.date(2027, 1, 6)),
    ]
    return Schedule("BRF-0007", "Blue Ridge Freight LLC", carrier_mc, "Capital Depot", when,
                    "clerk", rows, reversed_note=reversed_note)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Today's files (before the layout existed), recorded from documents/schedule.py at the
# foundation commit of issue #14: the default layout must keep them to the byte.
GOLDEN = {
    ("csv", "plain"):
        "26fa59e93870485058e9b1e5e67b2a7ecc8e72f66f024ac9b102b49a8d44e996",
    ("xlsx", "plain"):
        "f212f4ae34a941f836958d8d1e050b1ace52cea3833ad5677f0642449d9c5ae0",
    ("pdf", "plain"):
        "2db8263f9119c42b721b34a3a81e1eeebbb3d35df313a2b7f45f6ac13a5f1371",
    ("csv", "reversed"):
        "26fa59e93870485058e9b1e5e67b2a7ecc8e72f66f024ac9b102b49a8d44e996",
    ("xlsx", "reversed"):
        "aa481ffcd2773bf718521ca8d351e3efd4eba4097b89d659cf22199e14414a1a",
    ("pdf", "reversed"):
        "8e19763420cac1cc077da57f93d5ecdab651c783904a9f12a990d468b4d58bde",
    ("csv", "empty"):
        "bfd0d67e9d364b5a470b9de965cfe3f188ee5c286a0ba6b375ca4903df6bd804",
    ("xlsx", "empty"):
        "ef2f37966018b7fc2f2f7b397ebe2f6da13102d2192fc827ef382bca2f9e1d9c",
    ("pdf", "empty"):
        "b59295781e986fde3035ed2db771ac17d4b32daad839df632c24b84a68930568",
}
WRITERS = {"csv": schedule_csv, "xlsx": schedule_xlsx, "pdf": schedule_pdf}
CASES = {"plain": fixed_schedule(),
         "reversed": fixed_schedule(reversed_note="11/28/2026: sent twice", carrier_mc=""),
         "empty": Schedule("B-1", "Carrier", "", "Factor",
                           dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "", [])}


@pytest.mark.parametrize(("kind", "case"), sorted(GOLDEN))
def test_the_default_layout_writes_todays_files_to_the_byte(kind, case):
    assert sha(WRITERS[kind](CASES[case])) == GOLDEN[(kind, case)]
