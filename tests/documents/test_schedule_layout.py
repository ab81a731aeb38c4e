"""The schedule of accounts each factor wants (issue #14): the columns, their order and
titles, the MCs and the signature block, in CSV, XLSX and PDF alike."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import re
import subprocess
from decimal import Decimal
from html import unescape as html_unescape

import openpyxl
import pytest
from helpers import needs_tool
from pypdf import PdfReader

from factor_desk.documents.schedule import (
    Schedule,
    ScheduleRow,
    schedule_csv,
    schedule_pdf,
    schedule_xlsx,
)
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.schedule_layout import ScheduleField, ScheduleLayout, parse_columns


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


def test_the_default_layout_is_capital_depots_and_is_kept_as_none():
    layout = ScheduleLayout.default()
    assert layout.titles == ["Invoice Date", "Debtor", "Debtor MC", "Invoice Number",
                             "Load Number", "PO Number", "Amount", "Due Date"]
    assert layout.carrier_mc and layout.debtor_mc and layout.signature
    assert layout.to_json() is None
    assert ScheduleLayout.from_json(None) == layout
    # Spelled out, the same columns are the default again (and kept as None).
    assert ScheduleLayout.make([(f, t) for f, t in zip(layout.fields, layout.titles,
                                                        strict=True)]).to_json() is None


RTS = ScheduleLayout.make(
    parse_columns("invoice_number=Invoice #,debtor=Account Debtor,load_number,"
                  "amount=Face Amount,terms_days=Terms,carrier_mc=Client MC"),
    carrier_mc=False, signature=False)


def test_a_layout_goes_to_json_and_back():
    assert ScheduleLayout.from_json(RTS.to_json()) == RTS
    assert RTS.to_json() == {
        "version": 1, "carrier_mc": False, "signature": False,
        "columns": [{"field": "invoice_number", "title": "Invoice #"},
                    {"field": "debtor", "title": "Account Debtor"},
                    {"field": "load_number", "title": "Load Number"},
                    {"field": "amount", "title": "Face Amount"},
                    {"field": "terms_days", "title": "Terms"},
                    {"field": "carrier_mc", "title": "Client MC"}]}
    assert not RTS.debtor_mc


@pytest.mark.parametrize(("spec", "words"), [
    ("invoice_number,amount,invoice_number=Inv", "invoice_number is already a column"),
    ("invoice_number,debtor", "needs the amount column"),
    ("amount=Face", "needs the invoice_number column"),
    ("invoice_number,amount,shipper=Ship", "'shipper' is not a field of the schedule; the "
                                           "fields are invoice_date, debtor, debtor_mc"),
    ("invoice_number,amount=" + "A" * 41, "is 41 characters; at most 40"),
    ("invoice_number=Amount,amount", "'Amount' is already the title of invoice_number"),
    ("invoice_number=Number,amount==SUM(A1)", "cannot start with =, +, - or @"),
    ("", "needs the invoice_number column"),
    ("invoice_number=,amount", "column 1 (invoice_number): the title is empty"),
])
def test_a_bad_layout_is_refused_with_what_is_wrong(spec, words):
    with pytest.raises(InputRefused) as refused:
        ScheduleLayout.make(parse_columns(spec))
    assert words in str(refused.value)


def test_kept_json_that_is_no_layout_is_refused():
    with pytest.raises(InputRefused, match="not a list of columns"):
        ScheduleLayout.from_json({"columns": "invoice_number"})
    with pytest.raises(InputRefused, match="needs the amount column"):
        ScheduleLayout.from_json({"columns": [{"field": "invoice_number", "title": "N"}]})


def test_the_debtor_mc_toggle_puts_the_column_after_the_debtor_or_takes_it_away():
    shown = RTS.with_debtor_mc(True)
    assert shown.fields[:3] == (ScheduleField.INVOICE_NUMBER, ScheduleField.DEBTOR,
                                ScheduleField.DEBTOR_MC)
    assert shown.with_debtor_mc(False) == RTS
    assert ScheduleLayout.default().with_debtor_mc(False).titles == [
        "Invoice Date", "Debtor", "Invoice Number", "Load Number", "PO Number", "Amount",
        "Due Date"]


def with_layout(layout: ScheduleLayout) -> Schedule:
    return dataclasses.replace(fixed_schedule(), layout=layout)


def test_a_factors_csv_has_its_columns_in_its_order_and_the_total_under_the_amount():
    rows = list(csv.reader(io.StringIO(schedule_csv(with_layout(RTS)).decode("utf-8-sig"))))
    assert rows[0] == ["Invoice #", "Account Debtor", "Load Number", "Face Amount", "Terms",
                       "Client MC"]
    assert rows[1] == ["INV-1001", "Prairie & Sons Logística", "L-1001", "1250.00", "30",
                       "MC-123456"]
    assert rows[2][1] == "'=HYPERLINK(\"x\")"  # still never a formula
    assert rows[3][3] == "12345.01" and rows[3][4] == "45"
    assert rows[4] == ["Total", "3 invoices", "", "14582.66", "", ""]


def test_a_factors_workbook_reads_back_with_its_columns_and_a_total_that_sums():
    book = openpyxl.load_workbook(io.BytesIO(schedule_xlsx(with_layout(RTS))))
    sheet = book.active
    assert sheet["B2"].value == "Blue Ridge Freight LLC"  # no carrier MC in the header
    assert [c.value for c in sheet[7]] == ["Invoice #", "Account Debtor", "Load Number",
                                           "Face Amount", "Terms", "Client MC"]
    assert [c.value for c in sheet[8]] == ["INV-1001", "Prairie & Sons Logística", "L-1001",
                                           Decimal("1250"), 30, "MC-123456"]
    assert sheet["D8"].number_format == '"$"#,##0.00'
    assert sheet["A11"].value == "Total" and sheet["D11"].value == "=SUM(D8:D10)"
    values = openpyxl.load_workbook(io.BytesIO(schedule_xlsx(with_layout(RTS))),
                                    data_only=True).active
    assert str(values["D11"].value) == "14582.66"  # the total is stored, not only its SUM


def test_the_amount_first_puts_the_total_in_the_first_column():
    layout = ScheduleLayout.make(parse_columns("amount,invoice_number"))
    rows = list(csv.reader(io.StringIO(schedule_csv(with_layout(layout)).decode("utf-8-sig"))))
    assert rows[-1] == ["14582.66", "Total, 3 invoices"]
    sheet = openpyxl.load_workbook(io.BytesIO(schedule_xlsx(with_layout(layout)))).active
    assert sheet["A11"].value == "=SUM(A8:A10)"


def pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "schedule.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, encoding="utf-8", check=True).stdout


def word_boxes(data: bytes, tmp_path) -> list[tuple[str, float]]:
    """Each word of the PDF and where it ends on the page (points from the left)."""
    path = tmp_path / "boxes.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                          text=True, encoding="utf-8", check=True).stdout
    return [(html_unescape(m["word"]), float(m["x_max"])) for m in re.finditer(
        r'<word xMin="[^"]*" yMin="[^"]*" xMax="(?P<x_max>[^"]*)" yMax="[^"]*">'
        r"(?P<word>[^<]*)</word>", html)]


@needs_tool("pdftotext", "poppler-utils")
def test_a_factors_pdf_shows_its_titles_without_the_mc_or_the_signature(tmp_path):
    text = pdftotext(schedule_pdf(with_layout(RTS)), tmp_path)
    header = next(line for line in text.splitlines() if "Invoice #" in line)
    assert header.split() == ["Invoice", "#", "Account", "Debtor", "Load", "Number", "Face",
                              "Amount", "Terms", "Client", "MC"]
    assert "(MC-123456)" not in text and "Carrier signature" not in text
    assert "$14,582.66" in text
    default = pdftotext(schedule_pdf(fixed_schedule()), tmp_path)
    assert "Blue Ridge Freight LLC (MC-123456)" in default
    assert "Carrier signature" in default


@needs_tool("pdftotext", "poppler-utils")
def test_every_column_on_one_landscape_page_a_long_name_wraps_amounts_to_the_right(tmp_path):
    schedule = with_layout(ScheduleLayout.make([(f.value, None) for f in ScheduleField]))
    schedule.rows[0].debtor = ("Prairie & Sons Logística International Freight Brokerage "
                               "Services of North America LLC")
    data = schedule_pdf(schedule)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (792, 612)
    text = pdftotext(data, tmp_path)
    # The long name is there whole, over several lines of its column (wrapped, not cut).
    name_lines = [line for line in text.splitlines()
                  if any(w in line for w in ("Prairie", "Brokerage", "America"))]
    assert "America LLC" in text and not any("Prairie" in line and "America" in line
                                             for line in name_lines)
    # Right-aligned: every amount, the total too, ends where the title "Amount" ends.
    words = word_boxes(data, tmp_path)
    ends = [round(x_max) for word, x_max in words
            if word in {"Amount", "$1,250.00", "$987.65", "$12,345.01", "$14,582.66"}]
    assert len(ends) == 5 and len(set(ends)) == 1, words
    shown = {word for word, _x in words}
    assert {w for f in ScheduleField for w in f.default_title.split()} <= shown
