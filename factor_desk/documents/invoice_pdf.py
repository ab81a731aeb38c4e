"""The invoice page: the carrier, the bill-to, the numbers and dates, the shipment, the
lines and the total, and the Notice of Assignment in a box nobody can miss."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, BinaryIO

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from factor_desk.documents.pdf_common import new_canvas, pdf_text
from factor_desk.domain.money import format_money

W: float
H: float
W, H = LETTER
MARGIN: float = 0.6 * inch
RIGHT = W - MARGIN
LINES_FIRST_PAGE = 14  # line items that fit under the header blocks
LINES_OTHER_PAGES = 30
SHADE = Color(0.93, 0.93, 0.93)
MAX_VALUE_WIDTH: float = 3.3 * inch


def _numbered(prefix: str, number: str) -> str:
    """``MC 123456`` from ``123456`` or from ``MC-123456`` alike; nothing when empty."""
    if not number:
        return ""
    return number if number.upper().startswith(prefix) else f"{prefix} {number}"


def _us_date(day: dt.date | str | None) -> str:
    """A date as the invoice shows it; ``day`` is a date, or the ISO text a frozen snapshot
    (JSON, kept in the database) holds."""
    if not day:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return day.strftime("%m/%d/%Y")


def draw_invoice(out: BinaryIO, inv: dict[str, Any],
                 after: Callable[[Canvas], None] | None = None) -> int:
    """Draw the invoice into ``out`` (a file or BytesIO). ``inv`` holds the frozen invoice:
    invoice_number, invoice_date, due_date, terms_days, amount, noa_text, remit_to, batch,
    created (a datetime) and snapshot (as frozen at submission). ``after(canvas)`` may add
    pages (the scans) to the same document before it is saved. Returns the number of
    invoice pages."""
    snap = inv["snapshot"]
    lines = snap["lines"]
    pages = [lines[:LINES_FIRST_PAGE]]
    rest = lines[LINES_FIRST_PAGE:]
    while rest:
        pages.append(rest[:LINES_OTHER_PAGES])
        rest = rest[LINES_OTHER_PAGES:]
    c = new_canvas(out, title=f"Invoice {inv['invoice_number']}", created=inv["created"],
                   pagesize=LETTER)
    c.setAuthor(pdf_text(snap["carrier"]["legal_name"]))
    for number, page_lines in enumerate(pages, start=1):
        y = _header(c, inv)
        y = _noa_box(c, inv["noa_text"], y)
        if number == 1:
            y = _parties(c, inv, y)
            y = _shipment(c, snap, y)
        y = _line_items(c, page_lines, y, last=number == len(pages), total=snap["total"])
        _footer(c, inv, number, len(pages))
        c.showPage()
    if after is not None:
        after(c)
    c.save()
    return len(pages)


def _header(c: Canvas, inv: dict[str, Any]) -> float:
    car = inv["snapshot"]["carrier"]
    y = H - MARGIN - 14
    c.setFillColor(black)
    c.setFont("Helvetica-Bold", 15)
    c.drawString(MARGIN, y, pdf_text(car["legal_name"]))
    c.setFont("Helvetica", 9)
    info = [
        car["address"],
        ", ".join(x for x in (car["city"], f"{car['state']} {car['zip_code']}".strip()) if x),
        "   ".join(x for x in (_numbered("MC", car["mc_number"]),
                              _numbered("DOT", car["dot_number"])) if x),
        "   ".join(x for x in (car["phone"], car["email"]) if x),
    ]
    ly = y - 14
    for line in info:
        if line:
            c.drawString(MARGIN, ly, pdf_text(line))
            ly -= 11
    c.setFont("Helvetica-Bold", 22)
    c.drawRightString(RIGHT, y - 4, "INVOICE")
    rows = [
        ("Invoice #", inv["invoice_number"]),
        ("Invoice date", _us_date(inv["invoice_date"])),
        ("Terms", f"Net {inv['terms_days']}" if inv["terms_days"] else "Due on receipt"),
        ("Due date", _us_date(inv["due_date"])),
        ("Load #", inv["snapshot"]["load_number"]),
        ("PO / Ref #", inv["snapshot"]["po_number"]),
    ]
    # The value column widens for long numbers (up to half the page), and a value wider
    # than that is set smaller: an invoice number is never cut off.
    values = [pdf_text(v) for _, v in rows]
    widest = max(stringWidth(v, "Helvetica-Bold", 9) for v in values)
    column = min(max(1.25 * inch, widest + 4), MAX_VALUE_WIDTH)
    ry = y - 22
    for (label, _), value in zip(rows, values, strict=True):
        c.setFont("Helvetica", 9)
        c.drawRightString(RIGHT - column - 0.1 * inch, ry, label)
        size = 9.0
        while size > 4 and stringWidth(value, "Helvetica-Bold", size) > column:
            size -= 0.25
        c.setFont("Helvetica-Bold", size)
        c.drawString(RIGHT - column, ry, value)
        ry -= 11.5
    return min(ly, ry) - 8


def _noa_box(c: Canvas, text: str, y: float) -> float:
    width = RIGHT - MARGIN
    lines = simpleSplit(pdf_text(text), "Helvetica-Bold", 10, width - 20)
    height = 14 * len(lines) + 16
    c.setLineWidth(2.5)
    c.setStrokeColor(black)
    c.setFillColor(SHADE)
    c.rect(MARGIN, y - height, width, height, stroke=1, fill=1)
    c.setFillColor(black)
    c.setFont("Helvetica-Bold", 10)
    ty = y - 16
    for line in lines:
        c.drawString(MARGIN + 10, ty, line)
        ty -= 14
    c.setLineWidth(1)
    return y - height - 14


def _block(c: Canvas, x: float, y: float, title: str, lines: list[str]) -> float:
    c.setFont("Helvetica-Bold", 9)
    c.drawString(x, y, title)
    c.setFont("Helvetica", 10)
    y -= 13
    for line in lines:
        if line:
            c.drawString(x, y, pdf_text(line))
            y -= 12
    return y


def _parties(c: Canvas, inv: dict[str, Any], y: float) -> float:
    bill = inv["snapshot"]["bill_to"]
    bill_lines = [
        bill["name"], bill["address"],
        ", ".join(x for x in (bill["city"], f"{bill['state']} {bill['zip_code']}".strip()) if x),
        _numbered("MC", bill["mc_number"]),
    ]
    remit_lines = (inv["remit_to"] or inv["snapshot"]["factor"]["name"]).splitlines()
    y1 = _block(c, MARGIN, y, "BILL TO", bill_lines)
    y2 = _block(c, W / 2 + 10, y, "REMIT PAYMENT TO", remit_lines)
    return min(y1, y2) - 10


def _shipment(c: Canvas, snap: dict[str, Any], y: float) -> float:
    pu, de = snap["pickup"], snap["delivery"]
    y1 = _block(c, MARGIN, y, "PICKUP", [pu["location"], _us_date(pu["date"])])
    y2 = _block(c, W / 2 + 10, y, "DELIVERY", [de["location"], _us_date(de["date"])])
    return min(y1, y2) - 12


def _line_items(c: Canvas, lines: list[dict[str, Any]], y: float, *, last: bool,
                total: str) -> float:
    c.setFillColor(SHADE)
    c.rect(MARGIN, y - 4, RIGHT - MARGIN, 16, stroke=0, fill=1)
    c.setFillColor(black)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(MARGIN + 6, y, "DESCRIPTION")
    c.drawRightString(RIGHT - 6, y, "AMOUNT")
    y -= 20
    c.setFont("Helvetica", 10)
    for line in lines:
        c.drawString(MARGIN + 6, y, pdf_text(line["description"]))
        c.drawRightString(RIGHT - 6, y, format_money(Decimal(line["amount"])))
        y -= 16
    if last:
        c.line(W / 2, y + 8, RIGHT, y + 8)
        c.setFont("Helvetica-Bold", 12)
        c.drawString(W / 2 + 6, y - 8, "TOTAL DUE")
        c.drawRightString(RIGHT - 6, y - 8, format_money(Decimal(total)))
        y -= 24
    else:
        c.setFont("Helvetica-Oblique", 9)
        c.drawRightString(RIGHT - 6, y, "continued on the next page")
    return y


def _footer(c: Canvas, inv: dict[str, Any], page: int, pages: int) -> None:
    c.setFont("Helvetica", 8)
    c.drawString(MARGIN, MARGIN - 14, pdf_text(
        f"Invoice {inv['invoice_number']} · Batch {inv['batch']}"))
    c.drawRightString(RIGHT, MARGIN - 14, f"Page {page} of {pages}")
