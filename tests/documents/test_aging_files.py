"""The aging files (documents/aging_files.py): the CSV table, the workbook's table with
money formats and its native stacked bar chart, the PDF's table and drawn chart, and a save
that is whole or nothing."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from factor_desk.documents.aging_files import (
    AgingTable,
    aging_bytes,
    aging_csv,
    aging_pdf,
    aging_xlsx,
    save_report,
)
from factor_desk.domain.errors import InputRefused

D = Decimal
TABLE = AgingTable(
    title="Aging by debtor", as_of=dt.date(2027, 3, 1), name_title="Debtor",
    bucket_titles=("Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"),
    rows=[("Alpha Logistics", (D("300.00"), D("700.00"), D("0.00"), D("0.00"), D("0.00"))),
          ("=HYPERLINK(\"x\")", (D("0.00"), D("0.00"), D("1100.00"), D("1500.00"),
                                 D("900.50")))],
    totals=(D("300.00"), D("700.00"), D("1100.00"), D("1500.00"), D("900.50")),
    company="Acme Group")


def test_csv_is_the_table_with_totals_and_no_formulas():
    rows = list(csv.reader(io.StringIO(aging_csv(TABLE).decode("utf-8-sig"))))
    assert rows == [
        ["Debtor", "Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days",
         "Total"],
        ["Alpha Logistics", "300.00", "700.00", "0.00", "0.00", "0.00", "1000.00"],
        ["'=HYPERLINK(\"x\")", "0.00", "0.00", "1100.00", "1500.00", "900.50", "3500.50"],
        ["Total", "300.00", "700.00", "1100.00", "1500.00", "900.50", "4500.50"]]


def test_xlsx_has_the_table_in_money_format_and_a_stacked_bar_chart(tmp_path):
    path = tmp_path / "aging.xlsx"
    path.write_bytes(aging_xlsx(TABLE))
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[3]] == ["Debtor", "Current", "1-30 days", "31-60 days",
                                        "61-90 days", "Over 90 days", "Total"]
    assert [c.value for c in ws[4]] == ["Alpha Logistics", 300, 700, 0, 0, 0, 1000]
    assert ws["A5"].value == "'=HYPERLINK(\"x\")" and ws["A5"].data_type == "s"
    assert [c.value for c in ws[6]] == ["Total", 300, 700, 1100, 1500, 900.5, 4500.5]
    assert ws["G6"].number_format == '"$"#,##0.00'
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert chart.tagname == "barChart" and chart.grouping == "stacked"
    assert chart.overlap == 100
    assert len(chart.series) == 5  # one per bucket
    assert [s.tx.strRef.f for s in chart.series] == [
        f"'Aging'!{col}3" for col in "BCDEF"]


def test_pdf_has_the_heading_the_chart_and_the_table():
    reader = PdfReader(io.BytesIO(aging_pdf(TABLE)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Aging by debtor as of 03/01/2027" in text
    for words in ("Alpha Logistics", "$4,500.50", "$3,500.50", "Over 90 days", "61-90 days"):
        assert words in text
    # the chart is drawn: its legend and axis are text too, and filled bars are paths
    assert text.count("Over 90 days") >= 2  # the legend and the table's header
    content = reader.pages[0].get_contents().get_data()
    assert content.count(b" re f") + content.count(b"re\nf") >= 5


def test_an_empty_aging_still_makes_each_file():
    empty = AgingTable(title="Aging by batch", as_of=dt.date(2027, 3, 1), name_title="Batch",
                       bucket_titles=TABLE.bucket_titles, rows=[],
                       totals=(D("0.00"),) * 5)
    assert aging_csv(empty).decode("utf-8-sig").splitlines()[-1] == \
        "Total,0.00,0.00,0.00,0.00,0.00,0.00"
    ws = openpyxl.load_workbook(io.BytesIO(aging_xlsx(empty))).active
    assert ws._charts == []
    assert "Nothing is open" in PdfReader(io.BytesIO(aging_pdf(empty))).pages[0].extract_text()


def test_save_is_whole_or_refused(tmp_path):
    target = tmp_path / "Aging.pdf"
    save_report(target, b"first")
    with pytest.raises(InputRefused, match="already exists"):
        save_report(target, b"second")
    assert target.read_bytes() == b"first"
    save_report(target, b"second", replace=True)
    assert target.read_bytes() == b"second"
    with pytest.raises(InputRefused, match="is a folder"):
        save_report(tmp_path, b"x")
    with pytest.raises(InputRefused, match=r"\.xlsx, \.pdf or \.csv"):
        aging_bytes(TABLE, tmp_path / "Aging.docx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Aging.pdf"]  # no leftovers


def test_the_pdf_chart_axis_speaks_one_unit():
    """$0, $2k, $4k ... not $2,000 beside $10k: the unit is the axis end's."""
    from factor_desk.documents.aging_files import _axis_money

    label = _axis_money(10_000)
    assert [label(v) for v in (0, 2000, 2500, 10_000)] == ["$0", "$2k", "$2.5k", "$10k"]
    assert [_axis_money(5000)(v) for v in (0, 1000, 5000)] == ["$0", "$1,000", "$5,000"]
    assert _axis_money(2_500_000)(500_000) == "$0.5M"
