"""The schedule of accounts: one row per invoice of a batch, with totals, as XLSX, PDF
and CSV. All three are made from the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from factor_desk.documents.pdf_common import PRODUCER, date_formatter, pdf_text
from factor_desk.domain.money import format_money

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

COLUMNS = ["Invoice Date", "Debtor", "Debtor MC", "Invoice Number", "Load Number",
           "PO Number", "Amount", "Due Date"]


@dataclass
class ScheduleRow:
    invoice_date: dt.date
    debtor: str
    debtor_mc: str
    invoice_number: str
    load_number: str
    po_number: str
    amount: Decimal
    due_date: dt.date


@dataclass
class Schedule:
    batch: str
    carrier: str
    carrier_mc: str
    factor: str
    submitted_at: dt.datetime
    submitted_by: str
    rows: list[ScheduleRow]
    # Set once the batch was reversed: the first page of the PDF says so (issue #12).
    reversed_note: str = ""

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that a spreadsheet will show, never run: a cell that starts like a formula gets
    a leading apostrophe (the OWASP advice against CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _us(d: dt.date) -> str:
    return d.strftime("%m/%d/%Y")


# ------------------------------------------------------------------ CSV


def schedule_csv(s: Schedule) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in s.rows:
        w.writerow([_us(r.invoice_date), neutralise(r.debtor), neutralise(r.debtor_mc),
                    neutralise(r.invoice_number), neutralise(r.load_number),
                    neutralise(r.po_number), f"{r.amount:.2f}", _us(r.due_date)])
    w.writerow(["Total", f"{len(s.rows)} invoices", "", "", "", "", f"{s.total:.2f}", ""])
    # A byte-order mark so that Excel reads the names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ------------------------------------------------------------------ XLSX

MONEY_FORMAT = '"$"#,##0.00'
DATE_FORMAT = "mm/dd/yyyy"
HEADER_ROW = 7  # rows 1-5 are the header block, 6 is blank
# rw-r--r--, recorded in every zip entry (the workbook's and the download's); zipfile
# would write 0o600 for 0.
FILE_ATTRIBUTES = 0o644 << 16


def schedule_xlsx(s: Schedule) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "Schedule of Accounts"
    bold = Font(bold=True)
    ws["A1"] = "Schedule of Accounts"
    ws["A1"].font = Font(bold=True, size=14)
    block = [("Carrier", f"{s.carrier}" + (f" ({s.carrier_mc})" if s.carrier_mc else "")),
             ("Factor", s.factor), ("Batch", s.batch),
             ("Submitted", s.submitted_at.strftime("%m/%d/%Y %H:%M UTC") +
              (f" by {s.submitted_by}" if s.submitted_by else ""))]
    for i, (label, text) in enumerate(block, start=2):
        ws.cell(row=i, column=1, value=label).font = bold
        ws.cell(row=i, column=2, value=neutralise(text))
    fill = PatternFill("solid", fgColor="DDDDDD")
    for col, title in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=title)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="right" if title == "Amount" else "left")
    row = HEADER_ROW
    for r in s.rows:
        row += 1
        values = [r.invoice_date, neutralise(r.debtor), neutralise(r.debtor_mc),
                  neutralise(r.invoice_number), neutralise(r.load_number),
                  neutralise(r.po_number), r.amount, r.due_date]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            else:
                cell.data_type = "s"  # never a formula, even if it looks like one
    total_row = row + 1
    first, last = HEADER_ROW + 1, max(row, HEADER_ROW + 1)
    ws.cell(row=total_row, column=1, value="Total").font = bold
    ws.cell(row=total_row, column=2, value=f"{len(s.rows)} invoices").font = bold
    total = ws.cell(row=total_row, column=7, value=f"=SUM(G{first}:G{last})")
    total.number_format = MONEY_FORMAT
    total.font = bold
    total.border = Border(top=Side(style="thin"), bottom=Side(style="double"))
    widths = [13, 34, 13, 17, 14, 16, 15, 12]
    for col, title in enumerate(COLUMNS):
        longest = max([len(title)] + [len(str(getattr(r, _FIELDS[col]))) for r in s.rows])
        ws.column_dimensions[chr(65 + col)].width = min(max(widths[col], longest + 2), 60)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    wb.properties.creator = PRODUCER
    wb.properties.title = f"Schedule of Accounts {s.batch}"
    wb.properties.created = wb.properties.modified = s.submitted_at
    wb.calculation.fullCalcOnLoad = True
    out = io.BytesIO()
    wb.save(out)
    return _finish_workbook(out.getvalue(), total.coordinate, s.total, s.submitted_at)


_FIELDS = ["invoice_date", "debtor", "debtor_mc", "invoice_number", "load_number",
           "po_number", "amount", "due_date"]


def _finish_workbook(data: bytes, coordinate: str, total: Decimal,
                     created: dt.datetime) -> bytes:
    """Store the SUM's value in the workbook as Excel does, so that a reader that does not
    calculate (a preview, a factor's import script) sees the total too: openpyxl writes
    formulas without a value, this fills in ``<v>`` of that one cell. And make the same
    batch give the same file on every system: openpyxl stamps the save time as 'modified',
    and the zip entries with the clock and the host system; all become fixed."""
    src = zipfile.ZipFile(io.BytesIO(data))
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes <c r="G9"><f>SUM(G8:G8)</f><v /></c>
                cell = re.compile(
                    rb'(<c r="' + coordinate.encode() + rb'"[^>]*><f>[^<]*</f>)<v ?/>')
                content, found = cell.subn(
                    lambda m: m.group(1) + b"<v>" + str(total).encode() + b"</v>", content)
                if found != 1:
                    raise RuntimeError("the total cell was not where openpyxl puts it")
            elif info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            # zipfile records the host system (0 on Windows, 3 elsewhere) and its file
            # permissions: fixed, the same batch gives the same workbook everywhere.
            entry.create_system = 0
            entry.external_attr = FILE_ATTRIBUTES
            dst.writestr(entry, content)
    return out.getvalue()


# ------------------------------------------------------------------ PDF


def schedule_pdf(s: Schedule) -> bytes:
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(LETTER), leftMargin=0.5 * inch, rightMargin=0.5 * inch,
        topMargin=0.5 * inch, bottomMargin=0.6 * inch, invariant=1,
        title=f"Schedule of Accounts {s.batch}", author=pdf_text(s.carrier), creator=PRODUCER,
        producer=PRODUCER,
    )
    story = [Paragraph(pdf_text(f'<font color="#b00020"><b>REVERSED</b></font> '
                                f"{_esc(s.reversed_note)}"), styles["Title"])
             ] if s.reversed_note else []
    story += [
        Paragraph("Schedule of Accounts", styles["Title"]),
        Paragraph(pdf_text(
            f"<b>Carrier:</b> {_esc(s.carrier)}" + (f" ({_esc(s.carrier_mc)})" if s.carrier_mc
                                                     else "")
            + f" &nbsp;&nbsp; <b>Factor:</b> {_esc(s.factor)}"
            + f" &nbsp;&nbsp; <b>Batch:</b> {_esc(s.batch)}"
            + f" &nbsp;&nbsp; <b>Submitted:</b> {s.submitted_at.strftime('%m/%d/%Y')}"),
            styles["Normal"]),
        Spacer(1, 0.2 * inch),
    ]
    data = [COLUMNS] + [
        [_us(r.invoice_date), pdf_text(r.debtor), pdf_text(r.debtor_mc),
         pdf_text(r.invoice_number), pdf_text(r.load_number), pdf_text(r.po_number),
         format_money(r.amount), _us(r.due_date)]
        for r in s.rows
    ] + [["Total", f"{len(s.rows)} invoices", "", "", "", "", format_money(s.total), ""]]
    table = Table(data, repeatRows=1, colWidths=[0.9 * inch, 2.6 * inch, 1.0 * inch,
                                                 1.2 * inch, 1.1 * inch, 1.3 * inch,
                                                 1.0 * inch, 0.9 * inch])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.87, 0.87, 0.87)),
        ("ALIGN", (6, 0), (6, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.Color(0.96, 0.96, 0.96)]),
    ]))
    story += [table, Spacer(1, 0.6 * inch), _signature_table()]

    def page_footer(canvas: Canvas, doc_: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(0.5 * inch, 0.35 * inch, pdf_text(
            f"Schedule of Accounts {s.batch} · {s.carrier}"))
        canvas.drawRightString(landscape(LETTER)[0] - 0.5 * inch, 0.35 * inch,
                               f"Page {doc_.page}")
        canvas.restoreState()

    def canvas_maker(*args: Any, **kwargs: Any) -> Canvas:
        from reportlab.pdfgen.canvas import Canvas

        c = Canvas(*args, **kwargs)
        c.setDateFormatter(date_formatter(s.submitted_at))
        return c

    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer,
              canvasmaker=canvas_maker)
    return out.getvalue()


def _signature_table() -> Table:
    t = Table([["", "", ""], ["Carrier signature", "", "Date"]],
              colWidths=[3.5 * inch, 0.8 * inch, 2.0 * inch], rowHeights=[0.35 * inch, None])
    t.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (0, 0), 0.75, colors.black),
        ("LINEBELOW", (2, 0), (2, 0), 0.75, colors.black),
        ("FONT", (0, 1), (-1, 1), "Helvetica", 9),
    ]))
    t.hAlign = "LEFT"
    return t


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
