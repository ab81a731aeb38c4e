"""The aging report as a file: CSV (the table), XLSX (the table and a native Excel stacked
bar chart), PDF (the table and a drawn stacked bar chart). All three are made from the same
plain table (``AgingTable``); nothing here knows the database.

``save_report`` writes a file whole or not at all: the bytes go to a temporary file in the
same folder, which then takes the name (a reader never sees half a workbook, and a failure
leaves what was there before). reportlab and openpyxl are imported by the writers that
use them: the window and ``reports aging --json`` do not wait for them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

from factor_desk.documents.saving import write_new_file
from factor_desk.domain.errors import (
    InputRefused,
    Problem,
)
from factor_desk.domain.money import format_money

# One colour per bucket, from current (green) to over 90 days (dark red): the window's
# chart, the workbook's and the PDF's.
BUCKET_COLOURS: tuple[str, ...] = ("#2da44e", "#d4a72c", "#e16f24", "#cf222e", "#82071e")
FILE_KINDS: dict[str, str] = {".xlsx": "Excel workbook", ".pdf": "PDF", ".csv": "CSV"}


@dataclass(frozen=True)
class AgingTable:
    """What an aging file shows: rows of a name and its amounts in the buckets."""

    title: str  # "Aging by debtor"
    as_of: dt.date
    name_title: str  # "Debtor"
    bucket_titles: tuple[str, ...]
    rows: list[tuple[str, tuple[Decimal, ...]]]  # a name and its amount in each bucket
    totals: tuple[Decimal, ...]  # per bucket
    company: str = ""

    @property
    def headers(self) -> list[str]:
        return [self.name_title, *self.bucket_titles, "Total"]

    @property
    def grand_total(self) -> Decimal:
        return sum(self.totals, Decimal("0.00"))

    @property
    def heading(self) -> str:
        return f"{self.title} as of {self.as_of:%m/%d/%Y}"


def _row_total(amounts: tuple[Decimal, ...]) -> Decimal:
    return sum(amounts, Decimal("0.00"))


# ------------------------------------------------------------------ CSV


def aging_csv(t: AgingTable) -> bytes:
    """The table, amounts as plain digits ("1234.50"), the totals last."""
    from factor_desk.documents.schedule import neutralise

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(t.headers)
    for name, amounts in t.rows:
        w.writerow([neutralise(name), *(f"{a:.2f}" for a in amounts),
                    f"{_row_total(amounts):.2f}"])
    w.writerow(["Total", *(f"{a:.2f}" for a in t.totals), f"{t.grand_total:.2f}"])
    # A byte-order mark so that Excel reads the names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ------------------------------------------------------------------ XLSX

HEADER_ROW = 3  # the title, a blank row, then the table


def aging_xlsx(t: AgingTable) -> bytes:
    """The table with money formatted as money and totals as SUM formulas (with their
    values stored), and a stacked bar chart: one bar per row, one series per bucket."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    from factor_desk.documents.pdf_common import PRODUCER
    from factor_desk.documents.schedule import MONEY_FORMAT, neutralise

    wb = Workbook()
    ws = wb.active
    ws.title = "Aging"
    bold = Font(bold=True)
    ws["A1"] = neutralise(t.heading + (f" — {t.company}" if t.company else ""))
    ws["A1"].font = Font(bold=True, size=14)
    fill = PatternFill("solid", fgColor="DDDDDD")
    for col, title in enumerate(t.headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=title)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="left" if col == 1 else "right")
    width = len(t.bucket_titles)
    row = HEADER_ROW
    for name, amounts in t.rows:
        row += 1
        ws.cell(row=row, column=1, value=neutralise(name)).data_type = "s"
        for col, amount in enumerate((*amounts, _row_total(amounts)), start=2):
            ws.cell(row=row, column=col, value=amount).number_format = MONEY_FORMAT
    last_row = row
    total_row = row + 1
    ws.cell(row=total_row, column=1, value="Total").font = bold
    for col, amount in enumerate((*t.totals, t.grand_total), start=2):
        cell = ws.cell(row=total_row, column=col, value=amount)
        cell.number_format = MONEY_FORMAT
        cell.font = bold
    ws.column_dimensions["A"].width = min(60, max([14] + [len(n) + 2 for n, _ in t.rows]))
    for col in range(2, width + 3):
        ws.column_dimensions[chr(64 + col)].width = 15
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)

    if t.rows:
        chart = BarChart()
        chart.type = "bar"  # horizontal: long debtor names stay readable
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = t.heading
        chart.y_axis.title = "Open balance"
        chart.y_axis.numFmt = '"$"#,##0'  # whole dollars: the axis stays readable
        chart.x_axis.scaling.orientation = "maxMin"  # the first row on top, as the table
        data = Reference(ws, min_col=2, max_col=1 + width, min_row=HEADER_ROW,
                         max_row=last_row)
        names = Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(names)
        for series, colour in zip(chart.series, BUCKET_COLOURS, strict=False):
            series.graphicalProperties.solidFill = colour.lstrip("#")
            series.graphicalProperties.line.solidFill = colour.lstrip("#")
        chart.height = max(7.5, 1.0 + 0.6 * len(t.rows))
        chart.width = 22
        ws.add_chart(chart, f"A{total_row + 3}")

    wb.properties.creator = PRODUCER
    wb.properties.title = t.heading
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ PDF


def aging_pdf(t: AgingTable) -> bytes:
    """The heading, the stacked bar chart (drawn), then the table with its totals."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import LETTER, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from factor_desk.documents.pdf_common import PRODUCER, date_formatter, pdf_text

    out = io.BytesIO()
    styles = getSampleStyleSheet()
    page = landscape(LETTER)
    doc = SimpleDocTemplate(out, pagesize=page, leftMargin=0.5 * inch,
                            rightMargin=0.5 * inch, topMargin=0.5 * inch,
                            bottomMargin=0.6 * inch, invariant=1, title=pdf_text(t.heading),
                            author=pdf_text(t.company), creator=PRODUCER, producer=PRODUCER)
    story: list[object] = [Paragraph(pdf_text(_esc(t.heading)), styles["Title"])]
    if t.company:
        story.append(Paragraph(pdf_text(_esc(t.company)), styles["Normal"]))
    story.append(Spacer(1, 0.15 * inch))
    if t.rows:
        story += [_pdf_chart(t, page[0] - inch), Spacer(1, 0.2 * inch)]
    else:
        story.append(Paragraph("Nothing is open: no invoice is owed anything.",
                               styles["Normal"]))
    data = [t.headers] + [
        [pdf_text(name), *(format_money(a) for a in amounts),
         format_money(_row_total(amounts))] for name, amounts in t.rows
    ] + [["Total", *(format_money(a) for a in t.totals), format_money(t.grand_total)]]
    n = len(t.bucket_titles)
    table = Table(data, repeatRows=1,
                  colWidths=[2.9 * inch] + [1.07 * inch] * (n + 1))
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.87, 0.87, 0.87)),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.Color(0.96, 0.96, 0.96)]),
    ]))
    story.append(table)
    created = dt.datetime.combine(t.as_of, dt.time())

    def footer(canvas, doc_) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(0.5 * inch, 0.35 * inch, pdf_text(t.heading))
        canvas.drawRightString(page[0] - 0.5 * inch, 0.35 * inch, f"Page {doc_.page}")
        canvas.restoreState()

    def canvas_maker(*args, **kwargs):  # type: ignore[no-untyped-def]
        from reportlab.pdfgen.canvas import Canvas

        c = Canvas(*args, **kwargs)
        c.setDateFormatter(date_formatter(created))
        return c

    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=canvas_maker)
    return out.getvalue()


def _pdf_chart(t: AgingTable, width: float):  # type: ignore[no-untyped-def]
    """A horizontal stacked bar per row (at most the 15 largest; the table has them all),
    a legend of the buckets."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    from factor_desk.documents.pdf_common import pdf_text

    shown = sorted(t.rows, key=lambda r: _row_total(r[1]), reverse=True)[:15]
    shown.reverse()  # the chart draws its first category at the bottom
    height = 60 + 18 * len(shown)
    label_width = 150
    d = Drawing(width, height + 30)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 25
    # room on the right for the last value label, centred on the axis's end
    chart.width, chart.height = width - label_width - 40, height - 30
    chart.data = [[_plotted(r[1][i]) for r in shown] for i in range(len(t.bucket_titles))]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [pdf_text(_cut(r[0], 28)) for r in shown]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    top = _nice_top(max(_plotted(_row_total(r[1])) for r in shown))
    chart.valueAxis.valueMax = top  # the longest bar ends on a labelled step
    chart.valueAxis.valueStep = top // 5
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = _axis_money(top)
    chart.barSpacing = 2
    for i, colour in enumerate(BUCKET_COLOURS[:len(t.bucket_titles)]):
        chart.bars[i].fillColor = colors.HexColor(colour)
        chart.bars[i].strokeColor = None
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = label_width, height + 22
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 95
    legend.fontName = "Helvetica"
    legend.fontSize = 8
    legend.colorNamePairs = [(colors.HexColor(c), title)
                             for c, title in zip(BUCKET_COLOURS, t.bucket_titles,
                                                 strict=False)]
    d.add(legend)
    return d


def _plotted(amount: Decimal) -> int:
    """A bar's length in whole dollars (rounded up): a drawing unit, never money that is
    added up or shown (the table beside it shows the cents)."""
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def _nice_top(dollars: int) -> int:
    """1, 2, 2.5 or 5 times a power of ten, at or above ``dollars`` (at least 5, so that
    each of the axis's five steps is a whole dollar)."""
    dollars = max(dollars, 5)
    scale: int = 10 ** (len(str(dollars)) - 1)
    steps = (scale, 2 * scale, scale * 5 // 2, 5 * scale, 10 * scale)
    return next(top for top in steps if top >= dollars and top % 5 == 0)


def _axis_money(top: int) -> Callable[[int], str]:
    """The value axis's labels, all in one unit (dollars, thousands or millions) chosen
    by the axis's end, with a decimal only where a step needs one."""
    unit, suffix = ((1_000_000, "M") if top >= 1_000_000 else
                    (1000, "k") if top >= 10_000 else (1, ""))

    def label(value: int) -> str:
        if not value:
            return "$0"
        scaled = Decimal(value) / unit
        digits = 0 if scaled == scaled.to_integral_value() else 1
        return f"${scaled:,.{digits}f}{suffix}"

    return label


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars - 1] + "…"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ------------------------------------------------------------------ saving

WRITERS = {".csv": aging_csv, ".xlsx": aging_xlsx, ".pdf": aging_pdf}


def aging_bytes(t: AgingTable, path: str | os.PathLike[str]) -> bytes:
    """The file for ``path``, by its ending; refused when it is not .xlsx, .pdf or .csv."""
    suffix = Path(path).suffix.lower()
    writer = WRITERS.get(suffix)
    if writer is None:
        raise InputRefused([Problem(
            "An aging report is saved as .xlsx, .pdf or .csv: end the name with one of "
            "those.", file=Path(path).name)])
    return writer(t)


def save_report(path: str | os.PathLike[str], data: bytes, *, replace: bool = False) -> Path:
    """Write ``data`` to ``path`` whole or not at all (documents/saving.py)."""
    return write_new_file(path, data, replace=replace)
