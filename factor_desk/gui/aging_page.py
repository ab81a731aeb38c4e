"""Reports → Aging: what the debtors still owe on open invoices (Invoiced, Financed, Charged
back) by how long past due, as of a day, per debtor, subsidiary or batch: the table, its
totals, and a bar per row stacked by bucket. Save as… writes it as .xlsx (with Excel's own
chart), .pdf (with the chart drawn) or .csv, off the GUI thread."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
)

from factor_desk.documents.aging_files import BUCKET_COLOURS
from factor_desk.domain.money import format_money
from factor_desk.gui.bar_chart import BarChart, Series
from factor_desk.gui.common import fit_columns, heading, table_view
from factor_desk.gui.jobs import Job
from factor_desk.gui.models import Column, RowTableModel
from factor_desk.gui.page import Page
from factor_desk.gui.tones import tone_style
from factor_desk.services.aging import BUCKET_TITLES, BUCKETS, GROUPINGS, Aging

SAVE_FILTERS = "Excel workbook (*.xlsx);;PDF (*.pdf);;CSV (*.csv)"
_SUFFIXES = (".xlsx", ".pdf", ".csv")


def _amount(key: str):
    return lambda row: row.amounts[key]


class AgingPage(Page):
    title = "Aging"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setObjectName("agingPage")
        self.aging: Aging | None = None

        self.as_of = QDateEdit(QDate.currentDate())
        self.as_of.setObjectName("agingAsOf")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("MM/dd/yyyy")  # "1/15/27" from the locale is ambiguous
        self.as_of.setToolTip("The day the invoices are aged to: days past due = this day "
                              "- the invoice's due date")
        self.by = QComboBox()
        self.by.setObjectName("agingBy")
        for key, title in GROUPINGS.items():
            self.by.addItem(f"By {title.lower()}", key)
        self.save_button = QPushButton("Save as…")
        self.save_button.setObjectName("agingSave")
        self.save_button.setToolTip("Save the aging as an Excel workbook (with a chart), a "
                                    "PDF (with a chart) or a CSV file")
        self.save_button.clicked.connect(self.save_as)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("As of"))
        controls.addWidget(self.as_of)
        controls.addSpacing(12)
        controls.addWidget(self.by)
        controls.addStretch(1)
        controls.addWidget(self.save_button)
        self.as_of.dateChanged.connect(lambda _d: self.refresh())
        self.by.currentIndexChanged.connect(lambda _i: self.refresh())

        self.model = RowTableModel(
            [Column("Debtor", lambda r: r.name)]
            + [Column(title, _amount(key), align_right=True)
               for key, title in zip(BUCKETS, BUCKET_TITLES, strict=True)]
            + [Column("Total", _amount("total"), align_right=True)],
            row_key=lambda r: r.name)
        self.table = table_view(self.model, name="agingTable",
                                sort=(0, Qt.SortOrder.AscendingOrder), stretch=(0,),
                                empty="No open invoice is owed anything.")
        self.totals = QLabel()
        self.totals.setObjectName("agingTotals")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals.setWordWrap(True)  # one line, it widened the window past 1024 px
        self.chart = BarChart([Series(t, c) for t, c in zip(BUCKET_TITLES, BUCKET_COLOURS,
                                                            strict=True)],
                              stacked=True, horizontal=True, name="agingChart",
                              empty="Nothing is open: no invoice is owed anything.")
        upper = QSplitter(Qt.Orientation.Vertical)
        upper.addWidget(self.table)
        upper.addWidget(self.chart)
        upper.setSizes([300, 300])
        upper.setChildrenCollapsible(False)

        hint = QLabel("Every open invoice (Invoiced, Financed, Charged back) still owed "
                      "something, by days past its due date.")
        hint.setStyleSheet(tone_style(hint, "note"))  # palette(mid) was too faint
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Aging"))
        layout.addWidget(hint)
        layout.addLayout(controls)
        layout.addWidget(upper, 1)
        layout.addWidget(self.totals)

    # ------------------------------------------------------------------ data

    def chosen(self) -> tuple[dt.date, str]:
        d = self.as_of.date()
        return dt.date(d.year(), d.month(), d.day()), str(self.by.currentData())

    def refresh(self) -> None:
        as_of, by = self.chosen()
        self.run(Job("Aging the invoices", partial(self.desk.aging, as_of, by),
                     done=self._loaded, user=False))

    def _loaded(self, aging: Aging) -> None:
        if (aging.as_of, aging.by) != self.chosen():
            return  # the clerk chose another day or grouping since; its job follows
        self.aging = aging
        self.model.columns[0].title = GROUPINGS[aging.by]
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)
        self.model.set_rows(aging.rows)
        fit_columns(self.table)
        totals = aging.totals.amounts
        self.totals.setText(
            f"<b>Open balance {format_money(totals['total'])}</b> &nbsp; — &nbsp; "
            + " &nbsp;·&nbsp; ".join(f"{title} {format_money(totals[key])}"
                                     for key, title in zip(BUCKETS, BUCKET_TITLES,
                                                           strict=True)))
        # the chart: the largest balances first (a long list shows the ones that matter)
        rows = sorted(aging.rows, key=lambda r: -r.total_cents)[:25]
        self.chart.set_data([r.name for r in rows],
                            [[r.amounts[k] for k in BUCKETS] for r in rows])

    # ------------------------------------------------------------------ save

    def save_as(self) -> None:
        as_of, by = self.chosen()
        start = str(self.settings.value("folders/aging", str(Path.home()), str))
        name = f"Aging by {by} {as_of.isoformat()}.xlsx"
        chosen = self.asker.save_file("Save aging", str(Path(start) / name), SAVE_FILTERS)
        if not chosen:
            return
        target = Path(chosen)
        # The save dialog asked before replacing a file it showed; a name it did not see
        # (an ending added here) is never replaced.
        replace = target.suffix.lower() in _SUFFIXES and target.exists()
        if target.suffix.lower() not in _SUFFIXES:
            target = target.with_name(target.name + ".xlsx")
        self.settings.setValue("folders/aging", str(target.parent))

        def saved(path: Path) -> None:
            self.status.emit(f"Aging saved to {path}.")
            self.asker.info("Save aging", f"The aging as of {as_of:%m/%d/%Y} by {by} was "
                            f"saved to {path}.")

        self.run(Job("Saving the aging", partial(self.desk.save_aging, str(target),
                                                 as_of=as_of, by=by, replace=replace),
                     done=saved))
