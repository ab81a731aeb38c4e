"""The money of the last twelve months on Factoring Reports: invoiced, purchased and paid
side by side per month (services/aging.py ``money_by_month``), in the colours of the Home
page's weeks (Invoiced blue, Purchased purple, Paid green)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from factor_desk.gui.bar_chart import BarChart, Series
from factor_desk.services.aging import MONTH_SERIES, MonthFigures

MONTHS = 12
_COLOURS = {"invoiced": "#1f6feb", "purchased": "#8250df", "paid": "#1a7f37"}


class MonthChart(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("monthChartBox")
        self.chart = BarChart([Series(key.title(), _COLOURS[key]) for key in MONTH_SERIES],
                              stacked=False, horizontal=False, name="monthChart",
                              empty="Nothing invoiced, purchased or paid in these months.")
        self.chart.setMinimumSize(240, 100)
        QVBoxLayout(self).addWidget(self.chart)

    def show_months(self, months: list[MonthFigures]) -> None:
        self.chart.set_data(
            [f"{m.start:%b}" + (f" {m.start:%y}" if m.start.month == 1 or i == 0 else "")
             for i, m in enumerate(months)],
            [[getattr(m, key) for key in MONTH_SERIES] for m in months])
