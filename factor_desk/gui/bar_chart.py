"""A bar chart of money drawn with QPainter: bars side by side (grouped: invoiced, purchased,
paid per month) or stacked (the aging buckets of each debtor), standing up or lying down
(long debtor names read best beside a lying bar). Drawn, not QtCharts: QtCharts comes with
PySide6-Addons, tens of MB the installed bundle (at most 150 MB) would carry for two charts;
a paint method is a few hundred lines, starts at once and follows the palette (dark mode).

Hovering a bar tells its category's figures in words; the same words are the accessible
description, for a screen reader."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from factor_desk.domain.money import format_money
from factor_desk.gui.week_chart import short_money


def nice_top(amount: Decimal) -> Decimal:
    """The end of the value axis: the smallest 1, 2, 2.5 or 5 times a power of ten at or
    above ``amount`` (its half is a round figure too: $25k, $50k)."""
    if amount <= 0:
        return Decimal(0)
    scale = Decimal(10) ** (len(str(int(amount))) - 1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if scale * step >= amount:
            return scale * step
    return scale * 10  # pragma: no cover - 10 always reaches it


@dataclass(frozen=True)
class Series:
    title: str
    colour: str  # "#rrggbb"


class BarChart(QWidget):
    """``set_data(categories, values)``: ``values[i][k]`` is category i's figure of series
    k (Decimal, never negative)."""

    def __init__(self, series: list[Series], *, stacked: bool, horizontal: bool,
                 empty: str, name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.series = list(series)
        self.stacked = stacked
        self.horizontal = horizontal
        self.empty = empty
        self.categories: list[str] = []
        self.values: list[list[Decimal]] = []
        self.setMinimumSize(240, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setAccessibleName(name)

    def set_data(self, categories: list[str], values: list[list[Decimal]]) -> None:
        self.categories = list(categories)
        self.values = [list(v) for v in values]
        self.setAccessibleDescription(
            "; ".join(self.category_text(i).replace("\n", ", ")
                      for i in range(len(self.categories))) if self.top else self.empty)
        self.update()

    @property
    def top(self) -> Decimal:
        """The highest bar: a stack's sum, or the highest single figure."""
        if self.stacked:
            return max((sum(v, Decimal(0)) for v in self.values), default=Decimal(0))
        return max((x for v in self.values for x in v), default=Decimal(0))

    def category_text(self, i: int) -> str:
        """What category ``i``'s bars say, in words (the tooltip)."""
        lines = [self.categories[i]]
        lines += [f"{s.title}: {format_money(v)}"
                  for s, v in zip(self.series, self.values[i], strict=True)]
        if self.stacked:
            lines.append(f"Total: {format_money(sum(self.values[i], Decimal(0)))}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ geometry

    def _label_width(self) -> float:
        fm = self.fontMetrics()
        if self.horizontal:
            widest = max((fm.horizontalAdvance(c) for c in self.categories), default=0)
            return float(min(widest, max(80, self.width() // 3)) + 10)
        return float(fm.horizontalAdvance("$000k") + 10)

    def _plot(self) -> QRectF:
        fm = self.fontMetrics()
        left = self._label_width()
        top = fm.height() + 14  # the legend
        bottom = fm.height() + 10  # the axis labels below
        return QRectF(left, top, max(10, self.width() - left - 12),
                      max(10, self.height() - top - bottom))

    def _slot(self, i: int) -> QRectF:
        """The band of category ``i``: a row (lying bars) or a column (standing bars)."""
        plot = self._plot()
        n = max(1, len(self.categories))
        if self.horizontal:
            h = plot.height() / n
            return QRectF(plot.left(), plot.top() + i * h, plot.width(), h)
        w = plot.width() / n
        return QRectF(plot.left() + i * w, plot.top(), w, plot.height())

    def category_at(self, x: float, y: float) -> int | None:
        for i in range(len(self.categories)):
            slot = self._slot(i)
            if slot.contains(x, y) or (not self.horizontal and slot.left() <= x < slot.right()
                                       and self._plot().top() <= y):
                return i
        return None

    def bar_rects(self, i: int) -> list[QRectF]:
        """The rectangles of category ``i``'s bars, one per series (empty ones too)."""
        plot, slot, top = self._plot(), self._slot(i), nice_top(self.top)
        if not top:
            return [QRectF() for _ in self.series]
        length = plot.width() if self.horizontal else plot.height()
        band = slot.height() if self.horizontal else slot.width()
        thick = band * (0.7 if self.stacked else 0.8 / len(self.series))
        start = (band - (thick if self.stacked else thick * len(self.series))) / 2
        rects, done = [], 0.0
        for k, value in enumerate(self.values[i]):
            size = float(value / top) * length
            offset = start + (0 if self.stacked else k * thick)
            base = done if self.stacked else 0.0
            if self.horizontal:
                rects.append(QRectF(plot.left() + base, slot.top() + offset, size,
                                    thick - (0 if self.stacked else 1)))
            else:
                rects.append(QRectF(slot.left() + offset, plot.bottom() - base - size,
                                    thick - (0 if self.stacked else 1), size))
            if self.stacked:
                done += size
        return rects

    # ------------------------------------------------------------------ drawing

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        palette = self.palette()
        ink = palette.color(QPalette.ColorRole.WindowText)
        quiet = palette.color(QPalette.ColorRole.PlaceholderText)
        grid = palette.color(QPalette.ColorRole.Mid)
        plot = self._plot()
        # the legend
        x = plot.left()
        for s in self.series:
            p.fillRect(QRectF(x, 4 + fm.height() / 2 - 5, 10, 10), QColor(s.colour))
            p.setPen(ink)
            p.drawText(int(x + 14), 4 + fm.ascent(), s.title)
            x += 14 + fm.horizontalAdvance(s.title) + 16
        top = nice_top(self.top)
        # the value axis: zero, half and the end, with light lines
        p.setPen(QPen(grid, 1))
        for share in ((0.0, 0.5, 1.0) if top else (0.0,)):
            if self.horizontal:
                gx = plot.left() + share * plot.width()
                p.drawLine(int(gx), int(plot.top()), int(gx), int(plot.bottom()))
            else:
                gy = plot.bottom() - share * plot.height()
                p.drawLine(int(plot.left()), int(gy), int(plot.right()), int(gy))
        p.setPen(quiet)
        for share in ((0.0, 0.5, 1.0) if top else (0.0,)):
            label = short_money(top * Decimal(str(share)))
            if self.horizontal:
                gx = plot.left() + share * plot.width()
                w = fm.horizontalAdvance(label) + 4
                p.drawText(QRectF(min(gx - w / 2, self.width() - w), plot.bottom() + 4, w,
                                  fm.height()), Qt.AlignmentFlag.AlignHCenter, label)
            else:
                gy = plot.bottom() - share * plot.height()
                p.drawText(QRectF(0, gy - fm.height() / 2, plot.left() - 6, fm.height()),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           label)
        # the bars
        for i in range(len(self.categories)):
            for s, rect in zip(self.series, self.bar_rects(i), strict=True):
                if rect.width() > 0 and rect.height() > 0:
                    p.fillRect(rect, QColor(s.colour))
        # the categories' labels: beside lying bars (elided), under standing ones (as
        # many as have room, always the last)
        p.setPen(ink)
        if self.horizontal:
            room = int(plot.left() - 8)
            for i, name in enumerate(self.categories):
                slot = self._slot(i)
                if slot.height() < fm.height() * 0.8 and i % 2:
                    continue  # too many rows for every name: every other one
                p.drawText(QRectF(0, slot.top(), room, slot.height()),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           fm.elidedText(name, Qt.TextElideMode.ElideRight, room))
        else:
            widest = max((fm.horizontalAdvance(c) for c in self.categories), default=0)
            every = 1
            while every < len(self.categories) and \
                    self._slot(0).width() * every < widest + 6:
                every += 1
            for i, name in enumerate(self.categories):
                if (len(self.categories) - 1 - i) % every == 0:
                    slot = self._slot(i)
                    p.drawText(QRectF(slot.left() - 20, plot.bottom() + 4,
                                      slot.width() + 40, fm.height()),
                               Qt.AlignmentFlag.AlignHCenter, name)
        if not top:
            p.setPen(quiet)
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.empty)
        p.end()

    # ------------------------------------------------------------------ the mouse

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()  # a QHelpEvent
            i = self.category_at(pos.x(), pos.y())
            if i is None or not self.top:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.category_text(i), self)
            return True
        return super().event(event)
