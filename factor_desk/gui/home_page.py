"""Home: what needs the clerk today, each a click away. Loads ready to factor, batches
waiting for their purchase report, invoices the factor held or rejected, invoices past
due, the money still open with the factor, and the last 12 weeks in a small chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.money import format_money
from factor_desk.gui.common import BLUE, heading, when_text
from factor_desk.gui.jobs import Job
from factor_desk.gui.page import Page
from factor_desk.gui.week_chart import WeekChart
from factor_desk.services.overview import HomeOverview

RED, GREEN, GREY = "#a4262c", "#1a7f37", "#57606a"
CARD_STYLE = ("#homeCard { background: palette(base); border: 1px solid #d0d7de; "
              "border-radius: 6px; }")
ITEM_STYLE = (f"QPushButton {{ border: none; text-align: left; color: {BLUE}; "
              "padding: 2px 0; background: transparent; }"
              "QPushButton:hover { text-decoration: underline; }")


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 load``, ``12 loads``, ``2 batches``."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def days_ago(days: int) -> str:
    """``today``, ``yesterday``, ``5 days ago``."""
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days:,} days ago"


def days_late(days: int) -> str:
    return plural(days, "day") + " late"


class ItemButton(QPushButton):
    """One line of a card that takes the clerk where it is dealt with; too long a line is
    cut with … (the whole of it in the tooltip)."""

    def __init__(self, text: str, action: Callable[[], None], parent=None):
        super().__init__(parent)
        self.full_text = text
        self.setStyleSheet(ITEM_STYLE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(text)
        self.setAccessibleName(text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(80)
        self.clicked.connect(action)
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(
            self.full_text, Qt.TextElideMode.ElideRight, max(40, self.width() - 4)))


class Card(QFrame):
    """A section of Home: a title, a big figure and a line under it, the items, or what to
    do when there are none; a click on the card opens the page that deals with it."""

    go = Signal(str)  # a link of the empty state: the page to open

    def __init__(self, title: str, link: str, action: Callable[[], None], parent=None):
        super().__init__(parent)
        self.setObjectName("homeCard")
        self.setStyleSheet(CARD_STYLE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.action = action
        self.title = QLabel(title.upper())
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
        self.title.setFont(font)
        self.title.setStyleSheet(f"color: {GREY};")
        self.big = QLabel()
        self.big.setObjectName("bigFigure")
        big = self.big.font()
        big.setPointSizeF(big.pointSizeF() * 2.0)
        big.setBold(True)
        self.big.setFont(big)
        self.sub = QLabel()
        self.sub.setWordWrap(True)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.linkActivated.connect(self.go)
        self.empty.setStyleSheet(f"color: {GREY};")
        self.items = QVBoxLayout()
        self.items.setSpacing(0)
        self.link = QPushButton(link)
        self.link.setStyleSheet(ITEM_STYLE)
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.link.clicked.connect(action)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.big)
        layout.addWidget(self.sub)
        layout.addWidget(self.empty)
        layout.addLayout(self.items)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.link)
        layout.addLayout(row)

    def show_figures(self, big: str, sub: str, items: list[tuple[str, Callable[[], None]]],
                     *, empty: str = "", color: str = "") -> None:
        self.big.setText(big)
        self.big.setStyleSheet(f"color: {color};" if color else "")
        self.sub.setText(sub)
        self.sub.setVisible(bool(sub))
        self.empty.setText(empty)
        self.empty.setVisible(bool(empty))
        for button in self.item_buttons():
            self.items.removeWidget(button)
            button.deleteLater()
        for text, action in items:
            self.items.addWidget(ItemButton(text, action, self))

    def item_buttons(self) -> list[ItemButton]:
        found = (self.items.itemAt(i) for i in range(self.items.count()))
        return [w for item in found if item is not None
                and isinstance(w := item.widget(), ItemButton)]

    def item_texts(self) -> list[str]:
        return [b.full_text for b in self.item_buttons()]

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.action()
        super().mouseReleaseEvent(event)


class HomePage(Page):
    title = "Home"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setObjectName("homePage")
        self.overview: HomeOverview | None = None
        go = self.navigate.emit
        self.ready = Card("Ready to factor", "Open Factoring Batch →", lambda: go("batch"))
        self.waiting = Card("Waiting for a purchase report", "Open Factoring Reports →",
                            lambda: go("reports"))
        self.flagged = Card("Held or rejected by the factor", "Open Loads →",
                            lambda: go("loads"))
        self.past_due = Card("Past due", "Open Factoring Reports →", lambda: go("reports"))
        self.money = Card("Open with the factor", "Open Factoring Reports →",
                          lambda: go("reports"))
        self.chart_card = Card("Last 12 weeks", "Open Factoring Reports →",
                               lambda: go("reports"))
        self.cards = (self.ready, self.waiting, self.flagged, self.past_due, self.money,
                      self.chart_card)
        # the money card's statement: what was invoiced, bought, paid, and what is open
        self.statement_box = QWidget()
        self.statement_box.hide()
        lines = QGridLayout(self.statement_box)
        lines.setContentsMargins(0, 6, 0, 0)
        lines.setColumnStretch(2, 1)
        self.statement: list[tuple[QLabel, QLabel]] = []
        for row, text in enumerate(("Invoiced to the factor", "Purchased by the factor",
                                    "Paid by the debtors", "Open balance")):
            label, amount = QLabel(text), QLabel()
            amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            amount.setObjectName(f"statement{row}")
            if row == 3:
                for w in (label, amount):
                    f = w.font()
                    f.setBold(True)
                    w.setFont(f)
            lines.addWidget(label, row, 0)
            lines.addWidget(amount, row, 1)
            self.statement.append((label, amount))
        self.money.items.addWidget(self.statement_box)
        for card in self.cards:
            card.go.connect(self.navigate)
        self.chart = WeekChart()
        self.chart.clicked.connect(lambda: go("reports"))
        self.chart_card.items.addWidget(self.chart)
        self.chart_card.big.hide()

        self.today = QLabel()
        self.today.setStyleSheet(f"color: {GREY};")
        self.updated = QLabel()
        self.updated.setStyleSheet(f"color: {GREY};")
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        title = QVBoxLayout()
        title.addWidget(heading("Home"))
        title.addWidget(self.today)
        top.addLayout(title)
        top.addStretch(1)
        top.addWidget(self.updated)
        top.addWidget(refresh)

        grid = QGridLayout()
        grid.setSpacing(12)
        for i, card in enumerate(self.cards):
            grid.addWidget(card, i // 2, i % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        content = QWidget()
        content.setObjectName("homeContent")
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 4, 0)
        inner.addLayout(grid)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        # Quick and read-only: nothing to stop half way (the parameter has a default, so
        # a runner may call it with the stop flag or without).
        self.run(Job("Loading the home page", lambda: self.desk.home(),
                     done=self.show_overview, user=False))

    def show_overview(self, o: HomeOverview) -> None:
        self.overview = o
        self.today.setText(f"{o.today:%A}, {o.today:%B} {o.today.day}, {o.today.year}")
        self.updated.setText(f"Updated {when_text(dt.datetime.now(dt.UTC), time_only=True)}")
        self._ready(o)
        self._waiting(o)
        self._flagged(o)
        self._past_due(o)
        self._money(o)
        self.chart.set_weeks(o.weeks)
        self.chart_card.sub.setText("Invoiced, purchased by the factor, and paid, each week "
                                    "(Monday to Sunday).")

    def _factor_for(self, subsidiary: str) -> None:
        """Factoring Batch, with this subsidiary chosen."""
        self.settings.setValue("subsidiary", subsidiary)
        self.navigate.emit("batch")

    def _ready(self, o: HomeOverview) -> None:
        items: list[tuple[str, Callable[[], None]]] = []
        for r in o.ready:
            if r.ready:
                text = (f"{plural(r.ready, 'load')} ready to factor — "
                        f"{format_money(r.ready_total)} — {r.subsidiary}")
                if not r.can_submit:
                    text += (" (no factoring company yet)" if r.factoring_company is None
                             else " (no Notice of Assignment yet)")
                items.append((text, partial(self._factor_for, r.subsidiary)))
        for r in o.ready:
            if r.blocked:
                items.append((f"{plural(r.blocked, 'load')} of {r.subsidiary} "
                              f"{'waits' if r.blocked == 1 else 'wait'} for documents — "
                              f"{format_money(r.blocked_total)} — attach them on the Loads "
                              "page", lambda: self.navigate.emit("loads")))
        if o.ready_loads:
            self.ready.show_figures(plural(o.ready_loads, "load"),
                                    f"{format_money(o.ready_total)} ready to send to the "
                                    "factor", items, color=BLUE)
        elif not o.subsidiaries:
            self.ready.show_figures("0 loads", "", [], empty=(
                "Nothing to factor — first add your company and its subsidiaries in "
                "<a href='company'>Company profile</a>, then import loads."))
        else:
            self.ready.show_figures(
                "0 loads", "", items,
                empty="Nothing to factor — import loads on the "
                      "<a href='loads'>Loads page</a>."
                if not o.blocked_loads else "Nothing is ready to factor yet: every Queued "
                "load still lacks a document.")

    def _waiting(self, o: HomeOverview) -> None:
        items = [(f"{b.batch} — {plural(b.invoices, 'invoice')}, {format_money(b.total)} — "
                  f"sent {days_ago(b.age_days)}", lambda: self.navigate.emit("reports"))
                 for b in o.waiting]
        if o.waiting:
            oldest = max(b.age_days for b in o.waiting)
            self.waiting.show_figures(
                plural(len(o.waiting), "batch", "batches"),
                f"{plural(o.waiting_invoices, 'invoice')}, {format_money(o.waiting_total)}"
                f"; the oldest sent {days_ago(oldest)}. Upload the purchase report when the "
                "factor sends it.", items, color=RED if oldest > 7 else "")
        else:
            self.waiting.show_figures("0 batches", "", [], empty=(
                "No batch is waiting: every batch sent has its purchase report."))

    def _flagged(self, o: HomeOverview) -> None:
        self._invoices(self.flagged, o.flagged_count, o.flagged_total, "the factor has not bought",
                       [f"Invoice {f.invoice_number} — {format_money(f.amount)} — {f.flag} "
                        f"({f.batch})" for f in o.flagged],
                       "loads", "The factor has held or rejected nothing.")

    def _past_due(self, o: HomeOverview) -> None:
        self._invoices(self.past_due, o.past_due_count, o.past_due_total,
                       "not paid by its due date",
                       [f"Invoice {p.invoice_number} — {format_money(p.amount)} — "
                        f"{days_late(p.days_late)} — {p.customer}" for p in o.past_due],
                       "reports", "No invoice is past due.")

    def _invoices(self, card, count: int, total, words: str, lines: list[str], page: str,
                  empty: str) -> None:
        """A card of invoices that need the clerk: how many, their money, the first few
        (each a click to ``page``) and how many more."""
        go = partial(self.navigate.emit, page)
        items = [(line, go) for line in lines]
        if count > len(lines):
            items.append((f"and {count - len(lines):,} more…", go))
        if count:
            card.show_figures(plural(count, "invoice"), f"{format_money(total)} {words}", items,
                              color=RED)
        else:
            card.show_figures("0 invoices", "", [], empty=empty)

    def _money(self, o: HomeOverview) -> None:
        m = o.money
        if m.invoiced == 0:
            self.money.show_figures("$0.00", "", [], empty=(
                "No batch sent yet — submit one on the <a href='batch'>Factoring Batch "
                "page</a>."))
            self.statement_box.hide()
            return
        self.money.show_figures(
            format_money(m.open_balance),
            f"not yet paid, in {plural(m.open_batches, 'batch', 'batches')}", [],
            color=GREEN if m.open_balance == 0 else "")
        for (_, amount), value in zip(self.statement, (m.invoiced, m.purchased, m.paid,
                                                       m.open_balance), strict=True):
            amount.setText(format_money(value))
        self.statement_box.show()

