"""The schedule of accounts: one row per invoice of a batch, with totals, as XLSX, PDF
and CSV. All three are made from the same rows and follow the same layout (the columns,
titles, MCs and signature the batch's factor wants, issue #14; Capital Depot's by
default, which writes the very bytes Factor Desk always wrote)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from factor_desk.documents.pdf_common import PRODUCER, date_formatter, pdf_text
from factor_desk.domain.money import format_money
from factor_desk.domain.schedule_layout import ScheduleField, ScheduleLayout

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

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
    # The invoice's terms; None: the days from the invoice date to the due date.
    terms_days: int | None = None

    @property
    def terms(self) -> int:
        return (self.terms_days if self.terms_days is not None
                else (self.due_date - self.invoice_date).days)


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
    # The columns, titles, MCs and signature the batch's factor wants (issue #14).
    layout: ScheduleLayout = field(default_factory=ScheduleLayout.default)

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))

    def value(self, row: ScheduleRow, of: ScheduleField) -> dt.date | Decimal | int | str:
        """What the column ``of`` shows for ``row``: a date, an amount, days, or text."""
        if of is ScheduleField.TERMS_DAYS:
            return row.terms
        if of is ScheduleField.CARRIER:
            return self.carrier
        if of is ScheduleField.CARRIER_MC:
            return self.carrier_mc
        if of is ScheduleField.BATCH:
            return self.batch
        value: dt.date | Decimal | str = getattr(row, of.value)
        return value

    def carrier_line(self) -> str:
        """The carrier's name, with its MC when the layout shows it."""
        shown = self.layout.carrier_mc and self.carrier_mc
        return self.carrier + (f" ({self.carrier_mc})" if shown else "")

    def total_cells(self, total: str) -> list[str]:
        """The total row: ``total`` under the amount column wherever it is, "Total" and
        the count of invoices in the first other columns."""
        fields = self.layout.fields
        cells = [""] * len(fields)
        amount = fields.index(ScheduleField.AMOUNT)
        cells[amount] = total
        others = [i for i in range(len(fields)) if i != amount]
        count = f"{len(self.rows)} invoices"
        labels = ["Total", count] if len(others) > 1 else [f"Total, {count}"]
        for i, label in zip(others, labels, strict=False):
            cells[i] = label
        return cells


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
    fields = s.layout.fields
    w.writerow(s.layout.titles)
    for r in s.rows:
        w.writerow([_csv_text(s.value(r, f)) for f in fields])
    w.writerow(s.total_cells(f"{s.total:.2f}"))
    # A byte-order mark so that Excel reads the names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_text(value: dt.date | Decimal | int | str) -> str:
    if isinstance(value, dt.date):
        return _us(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    return neutralise(value)


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
    from openpyxl.utils import get_column_letter

    fields = s.layout.fields
    wb = Workbook()
    ws = wb.active
    ws.title = "Schedule of Accounts"
    bold = Font(bold=True)
    ws["A1"] = "Schedule of Accounts"
    ws["A1"].font = Font(bold=True, size=14)
    block = [("Carrier", s.carrier_line()),
             ("Factor", s.factor), ("Batch", s.batch),
             ("Submitted", s.submitted_at.strftime("%m/%d/%Y %H:%M UTC") +
              (f" by {s.submitted_by}" if s.submitted_by else ""))]
    for i, (label, text) in enumerate(block, start=2):
        ws.cell(row=i, column=1, value=label).font = bold
        ws.cell(row=i, column=2, value=neutralise(text))
    fill = PatternFill("solid", fgColor="DDDDDD")
    for col, (of, title) in enumerate(zip(fields, s.layout.titles, strict=True), start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=title)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(
            horizontal="right" if of in _RIGHT_ALIGNED else "left")
    row = HEADER_ROW
    for r in s.rows:
        row += 1
        for col, of in enumerate(fields, start=1):
            value = s.value(r, of)
            cell = ws.cell(row=row, column=col,
                           value=neutralise(value) if isinstance(value, str) else value)
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, str):
                cell.data_type = "s"  # never a formula, even if it looks like one
    total_row = row + 1
    first, last = HEADER_ROW + 1, max(row, HEADER_ROW + 1)
    amount = get_column_letter(fields.index(ScheduleField.AMOUNT) + 1)
    for col, text in enumerate(s.total_cells(""), start=1):
        if text:
            ws.cell(row=total_row, column=col, value=text).font = bold
    total = ws[f"{amount}{total_row}"]
    total.value = f"=SUM({amount}{first}:{amount}{last})"
    total.number_format = MONEY_FORMAT
    total.font = bold
    total.border = Border(top=Side(style="thin"), bottom=Side(style="double"))
    for col, (of, title) in enumerate(zip(fields, s.layout.titles, strict=True), start=1):
        longest = max([len(title)] + [len(str(s.value(r, of))) for r in s.rows])
        ws.column_dimensions[get_column_letter(col)].width = min(
            max(_XLSX_WIDTHS[of], longest + 2), 60)
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


_RIGHT_ALIGNED = {ScheduleField.AMOUNT}
# Each column's least width in the workbook (characters) and the PDF (inches): Capital
# Depot's schedule as it always was, and room for the others.
_XLSX_WIDTHS = {
    ScheduleField.INVOICE_DATE: 13, ScheduleField.DEBTOR: 34, ScheduleField.DEBTOR_MC: 13,
    ScheduleField.INVOICE_NUMBER: 17, ScheduleField.LOAD_NUMBER: 14,
    ScheduleField.PO_NUMBER: 16, ScheduleField.AMOUNT: 15, ScheduleField.DUE_DATE: 12,
    ScheduleField.TERMS_DAYS: 12, ScheduleField.CARRIER: 30, ScheduleField.CARRIER_MC: 13,
    ScheduleField.BATCH: 12,
}


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
            f"<b>Carrier:</b> {_esc(s.carrier_line())}"
            + f" &nbsp;&nbsp; <b>Factor:</b> {_esc(s.factor)}"
            + f" &nbsp;&nbsp; <b>Batch:</b> {_esc(s.batch)}"
            + f" &nbsp;&nbsp; <b>Submitted:</b> {s.submitted_at.strftime('%m/%d/%Y')}"),
            styles["Normal"]),
        Spacer(1, 0.2 * inch),
    ]
    table = _pdf_table(s)
    story += [table, Spacer(1, 0.6 * inch), _signature_table()] if s.layout.signature \
        else [table]

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


# The frame's width on landscape letter with half-inch margins, and each column's width in
# inches when the frame holds them all (Capital Depot's eight fill it exactly).
_FRAME = 10 * inch
_PDF_WIDTHS = {
    ScheduleField.INVOICE_DATE: 0.9, ScheduleField.DEBTOR: 2.6, ScheduleField.DEBTOR_MC: 1.0,
    ScheduleField.INVOICE_NUMBER: 1.2, ScheduleField.LOAD_NUMBER: 1.1,
    ScheduleField.PO_NUMBER: 1.3, ScheduleField.AMOUNT: 1.0, ScheduleField.DUE_DATE: 0.9,
    ScheduleField.TERMS_DAYS: 0.8, ScheduleField.CARRIER: 2.2, ScheduleField.CARRIER_MC: 1.0,
    ScheduleField.BATCH: 1.0,
}
# Columns whose values never wrap (a date, an amount, days); titles and the total row's
# words may.
_WHOLE = {ScheduleField.INVOICE_DATE, ScheduleField.DUE_DATE, ScheduleField.AMOUNT,
          ScheduleField.TERMS_DAYS}
_FONT, _BOLD, _SIZE, _PAD = "Helvetica", "Helvetica-Bold", 9, 6
# A value may reach this far into the cell's padding before it wraps (Capital Depot's
# 'Invoice Date' always did, by a fraction of a point).
_SLACK = 4


def _pdf_text(value: dt.date | Decimal | int | str) -> str:
    if isinstance(value, dt.date):
        return _us(value)
    if isinstance(value, Decimal):
        return format_money(value)
    return pdf_text(value)


def _pdf_table(s: Schedule) -> Table:
    """The schedule's rows under the layout's titles, the total under the amount column;
    a value too wide for its column wraps (text) instead of running into the next."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth

    fields = s.layout.fields
    header = [pdf_text(t) for t in s.layout.titles]
    body = [[_pdf_text(s.value(r, f)) for f in fields] for r in s.rows]
    footer = s.total_cells(format_money(s.total))
    rows = [header, *body, footer]
    fonts = [_BOLD] + [_FONT] * len(body) + [_BOLD]
    widths = _pdf_widths(s, rows, fonts)
    amount = fields.index(ScheduleField.AMOUNT)
    wrapped = False
    data: list[list[str | Paragraph]] = []
    for cells, font in zip(rows, fonts, strict=True):
        line: list[str | Paragraph] = []
        for col, text in enumerate(cells):
            if stringWidth(text, font, _SIZE) <= widths[col] - 2 * _PAD + _SLACK:
                line.append(text)
                continue
            wrapped = True
            style = ParagraphStyle("cell", fontName=font, fontSize=_SIZE, leading=_SIZE + 2,
                                   alignment=2 if col == amount else 0)
            line.append(Paragraph(_esc(text), style))
        data.append(line)
    table = Table(data, repeatRows=1, colWidths=widths)
    style = [
        ("FONT", (0, 0), (-1, 0), _BOLD, _SIZE),
        ("FONT", (0, 1), (-1, -1), _FONT, _SIZE),
        ("FONT", (0, -1), (-1, -1), _BOLD, _SIZE),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.87, 0.87, 0.87)),
        ("ALIGN", (amount, 0), (amount, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.Color(0.96, 0.96, 0.96)]),
    ]
    if wrapped:
        style.append(("VALIGN", (0, 0), (-1, -1), "TOP"))
    table.setStyle(TableStyle(style))
    return table


def _pdf_widths(s: Schedule, rows: list[list[str]], fonts: list[str]) -> list[float]:
    """Each column's width: as in ``_PDF_WIDTHS`` when they fit the frame. Otherwise each
    column first gets room for its widest word (a date, an amount, days: its widest
    value), and what is left of the frame goes to the columns in proportion to what they
    still lack."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    fields = s.layout.fields
    natural = [_PDF_WIDTHS[f] * inch for f in fields]
    if sum(natural) <= _FRAME + 0.01:
        return natural
    need = []
    for col, of in enumerate(fields):
        words = [(word, font) for row, font in zip(rows, fonts, strict=True)
                 for word in (row[col].split() if of not in _WHOLE or font == _BOLD
                              else [row[col]])]
        widest = max(stringWidth(w, font, _SIZE) for w, font in words) if words else 0.0
        need.append(min(natural[col], widest + 2 * _PAD))
    left = _FRAME - sum(need)
    if left <= 0:
        return [n * _FRAME / sum(need) for n in need]
    lack = sum(natural) - sum(need)
    return [n + (w - n) * left / lack for n, w in zip(need, natural, strict=True)]


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
