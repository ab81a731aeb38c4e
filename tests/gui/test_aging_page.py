"""Reports → Aging: the table and chart of what is owed by days past due, as of a day and
by debtor, subsidiary or batch; Save as… writes the workbook with its chart off the GUI
thread."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
from helpers import settle
from PySide6.QtCore import QDate, Qt
from sqlalchemy import select, update

from factor_desk.db.models import Invoice

SUB = "Blue Ridge Freight LLC"


def _aged(desk) -> str:
    """The demo's ready loads in one batch, their invoices due 0, 10, 40, 70 and 100 days
    before 2027-03-01 in turn."""
    batch = desk.submit_all_eligible(SUB).batch
    with desk.db.write() as work:
        ids = work.execute(select(Invoice.id).order_by(Invoice.id)).scalars().all()
        for i, invoice_id in enumerate(ids):
            due = dt.date(2027, 3, 1) - dt.timedelta(days=(0, 10, 40, 70, 100)[i % 5])
            work.execute(update(Invoice).where(Invoice.id == invoice_id).values(due_date=due))
    return batch


def _page(qtbot, window):
    window.show_page("aging")
    page = window.pages["aging"]
    page.as_of.setDate(QDate(2027, 3, 1))
    settle(qtbot, window)
    return page


def test_the_aging_page_shows_the_table_the_totals_and_the_chart(qtbot, window, desk):
    batch = _aged(desk)
    page = _page(qtbot, window)
    expected = desk.aging(dt.date(2027, 3, 1), "debtor")
    assert window.windowTitle() == f"Aging — Factor Desk — {window.desk.signed_in()}"
    assert window.nav.currentItem().text(0) == "Aging"
    assert window.nav.currentItem().parent().text(0) == "Reports"
    model = page.model
    assert model.rowCount() == len(expected.rows) > 1
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "Debtor", "Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days",
        "Total"]
    first = expected.rows[0]
    assert [model.index(0, c).data() for c in range(7)] == [
        first.name, *(f"${v:,.2f}" for v in first.amounts.values())]
    assert f"Open balance ${expected.total:,.2f}" in page.totals.text()
    assert expected.total > 0 and all(c > 0 for c in expected.totals.cents)
    assert sorted(page.chart.categories) == sorted(r.name for r in expected.rows)
    assert page.chart.top == max(r.amounts["total"] for r in expected.rows)
    assert page.chart.accessibleDescription().count("Total: $") == len(expected.rows)

    page.by.setCurrentIndex(page.by.findData("batch"))
    settle(qtbot, window)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Batch"
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == [batch]
    assert model.index(0, 6).data() == f"${expected.total:,.2f}"

    page.as_of.setDate(QDate(2020, 1, 1))  # before every due date: all current
    settle(qtbot, window)
    assert model.index(0, 1).data() == f"${expected.total:,.2f}"
    assert model.index(0, 5).data() == "$0.00"


def test_nothing_open_says_so(qtbot, window):
    page = _page(qtbot, window)
    assert page.model.rowCount() == 0
    assert page.chart.top == Decimal(0)
    assert page.chart.accessibleDescription() == "Nothing is open: no invoice is owed anything."
    assert "Open balance $0.00" in page.totals.text()


def test_save_as_writes_the_workbook_with_its_chart(qtbot, window, desk, asker, tmp_path):
    _aged(desk)
    page = _page(qtbot, window)
    asker.answer("save_file", str(tmp_path / "aging"))  # no ending: a workbook
    page.save_button.click()
    settle(qtbot, window)
    target = tmp_path / "aging.xlsx"
    assert any("saved to" in text and str(target) in text for _, text in asker.asked)
    ws = openpyxl.load_workbook(target).active
    assert len(ws._charts) == 1
    assert ws["A1"].value.startswith("Aging by debtor as of 03/01/2027")
    # a name the dialog did not show is never replaced
    asker.answer("save_file", str(tmp_path / "aging"))
    page.save_button.click()
    settle(qtbot, window)
    assert "already exists" in str(asker.problems[-1])


def test_factoring_reports_shows_the_last_twelve_months(qtbot, window, desk):
    batch = desk.submit_all_eligible(SUB)
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    assert page.history_tabs.tabText(1) == "By month"
    chart = page.months.chart
    assert len(chart.categories) == 12
    today = dt.date.today()
    assert chart.categories[-1].startswith(f"{today:%b}")
    assert chart.values[-1] == [batch.total, Decimal("0.00"), Decimal("0.00")]
    assert sum(v[0] for v in chart.values) == batch.total
    assert f"Invoiced: ${batch.total:,.2f}" in chart.accessibleDescription()
