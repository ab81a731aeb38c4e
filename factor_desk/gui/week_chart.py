"""A small bar chart of money per week (invoiced, purchased, paid), drawn with QPainter:
PySide6-Essentials has no QtCharts. Hovering a week tells its figures; a click emits
``clicked``."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from factor_desk.domain.money import format_money
from factor_desk.services.overview import WeekFigures

# The colours of the Loads page's statuses: Invoiced blue, Financed purple, Completed green.
SERIES = (("Invoiced", "invoiced", QColor("#1f6feb")),
          ("Purchased", "purchased", QColor("#8250df")),
          ("Paid", "paid", QColor("#1a7f37")))
EMPTY = "Nothing invoiced, purchased or paid in these weeks."


def short_money(amount: Decimal) -> str:
    """$0, $950, $12k, $1.2M: an axis label."""
    if amount >= 1_000_000:
        return f"${amount / 1_000_000:.1f}M".replace(".0M", "M")
    if amount >= 10_000:
        return f"${amount / 1000:,.0f}k"
    if amount >= 1000:
        return f"${amount / 1000:.1f}k".replace(".0k", "k")
    return f"${amount:,.0f}"


def week_label(w: WeekFigures) -> str:
    return f"{w.start:%b} {w.start.day}"


def week_text(w: WeekFigures) -> str:
    """What a week's bars say, in words (the tooltip)."""
    return (f"Week of {w.start:%B} {w.start.day}, {w.start.year}\n"
            + "\n".join(f"{title}: {format_money(getattr(w, key))}"
                        for title, key, _ in SERIES))


class WeekChart(QWidget):
    clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("weekChart")
        self.weeks: list[WeekFigures] = []
        self.setMinimumSize(320, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName("Invoiced, purchased and paid per week")

    def set_weeks(self, weeks: list[WeekFigures]) -> None:
        self.weeks = list(weeks)
        self.setAccessibleDescription(
            "; ".join(week_text(w).replace("\n", ", ") for w in self.weeks) if self.top
            else EMPTY)
        self.update()

    @property
    def top(self) -> Decimal:
        return max((getattr(w, key) for w in self.weeks for _, key, _ in SERIES),
                   default=Decimal(0))

    # ------------------------------------------------------------------ geometry

    def _plot(self) -> QRectF:
        fm = self.fontMetrics()
        left = fm.horizontalAdvance("$000k") + 10
        return QRectF(left, fm.height() + 12, max(10, self.width() - left - 8),
                      max(10, self.height() - 2 * fm.height() - 22))

    def _slot(self, i: int) -> QRectF:
        plot = self._plot()
        width = plot.width() / max(1, len(self.weeks))
        return QRectF(plot.left() + i * width, plot.top(), width, plot.height())

    def week_at(self, x: float) -> int | None:
        for i in range(len(self.weeks)):
            slot = self._slot(i)
            if slot.left() <= x < slot.right():
                return i
        return None

    # ------------------------------------------------------------------ drawing

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        text_color = self.palette().color(self.foregroundRole())
        grid = QColor("#d0d7de")
        # the legend
        x = self._plot().left()
        for title, _, color in SERIES:
            p.fillRect(QRectF(x, 4 + fm.height() / 2 - 5, 10, 10), color)
            p.setPen(text_color)
            p.drawText(int(x + 14), 4 + fm.ascent(), title)
            x += 14 + fm.horizontalAdvance(title) + 16
        plot = self._plot()
        top = self.top
        # the axis: zero and the highest figure
        p.setPen(QPen(grid, 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawLine(plot.topLeft(), plot.topRight())
        p.setPen(QColor("#57606a"))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        label_width = plot.left() - 6
        p.drawText(QRectF(0, plot.bottom() - fm.height() / 2, label_width, fm.height()),
                   right, "$0")
        if top > 0:
            p.drawText(QRectF(0, plot.top() - fm.height() / 2, label_width, fm.height()),
                       right, short_money(top))
        # the bars, three a week
        for i, w in enumerate(self.weeks):
            slot = self._slot(i)
            bar = slot.width() * 0.8 / len(SERIES)
            for k, (_, key, color) in enumerate(SERIES):
                value = getattr(w, key)
                if not value or not top:
                    continue
                height = max(1.0, float(value / top) * plot.height())
                p.fillRect(QRectF(slot.left() + slot.width() * 0.1 + k * bar,
                                  plot.bottom() - height, bar - 1, height), color)
        # a label under every week that has room
        p.setPen(QColor("#57606a"))
        every = 1
        widest = max((fm.horizontalAdvance(week_label(w)) for w in self.weeks), default=0)
        while self.weeks and every < len(self.weeks) and \
                self._slot(0).width() * every < widest + 6:
            every += 1
        for i, w in enumerate(self.weeks):
            if (len(self.weeks) - 1 - i) % every == 0:  # always the current week
                slot = self._slot(i)
                p.drawText(QRectF(slot.left() - 20, plot.bottom() + 4, slot.width() + 40,
                                  fm.height()), Qt.AlignmentFlag.AlignHCenter,
                           week_label(w))
        if not top:
            p.setPen(QColor("#57606a"))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, EMPTY)
        p.end()

    # ------------------------------------------------------------------ the mouse

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            i = self.week_at(event.pos().x())  # a QHelpEvent
            if i is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), week_text(self.weeks[i]), self)
            return True
        return super().event(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)
