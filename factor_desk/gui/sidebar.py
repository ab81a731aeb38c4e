"""The sidebar, as finance programs have it: each page an icon and its name, the
workflow's group names (Accounting Tools, Reports) as quiet headings. A QTreeWidget, so
the window's navigation keeps its items and object name."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

ICON_SIZE = 20
_INK = QColor("#2d5faa")


def _draw(key: str, p: QPainter, ink: QColor) -> None:
    """A glyph on a 20×20 grid for the page ``key``."""
    p.setPen(QPen(ink, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                  Qt.PenJoinStyle.RoundJoin))
    if key == "home":  # a house
        roof = QPainterPath(QPointF(2.5, 10))
        roof.lineTo(10, 3)
        roof.lineTo(17.5, 10)
        p.drawPath(roof)
        p.drawRect(QRectF(5, 9.5, 10, 8))
        p.drawRect(QRectF(8.5, 12.5, 3, 5))
    elif key == "company":  # a building with windows
        p.drawRect(QRectF(4, 3, 12, 14.5))
        for y in (6, 9.5, 13):
            for x in (7, 11.5):
                p.fillRect(QRectF(x, y, 1.8, 1.8), ink)
    elif key == "batch":  # a stack of invoices, ticked
        p.drawRect(QRectF(6, 2.5, 10.5, 13))
        p.drawLine(QPointF(3.5, 5.5), QPointF(3.5, 17.5))
        p.drawLine(QPointF(3.5, 17.5), QPointF(13, 17.5))
        tick = QPainterPath(QPointF(8.5, 9))
        tick.lineTo(10.5, 11.5)
        tick.lineTo(14.5, 6)
        p.drawPath(tick)
    elif key == "reports":  # a bar chart
        p.drawLine(QPointF(3, 17.5), QPointF(17.5, 17.5))
        for x, top in ((4.5, 11), (8.5, 6), (12.5, 9)):
            p.fillRect(QRectF(x, top, 3, 17.5 - top), ink)
    elif key == "aging":  # a clock over a stacked bar: money by how long it is owed
        p.drawEllipse(QPointF(10, 8), 6, 6)
        p.drawLine(QPointF(10, 8), QPointF(10, 4.5))
        p.drawLine(QPointF(10, 8), QPointF(12.5, 9.5))
        for x, width, alpha in ((3, 5, 255), (8, 5, 170), (13, 4, 90)):
            shade = QColor(ink)
            shade.setAlpha(alpha)
            p.fillRect(QRectF(x, 15.5, width, 2.5), shade)
    elif key == "audit":  # a page of entries under a magnifying glass: who did what
        p.drawRect(QRectF(3, 2.5, 10.5, 14))
        for y, end in ((6, 11), (9, 11), (12, 8)):
            p.drawLine(QPointF(5.5, y), QPointF(end, y))
        p.drawEllipse(QPointF(13.5, 13), 3.2, 3.2)
        p.drawLine(QPointF(15.8, 15.3), QPointF(18, 17.5))
    elif key == "loads":  # a truck
        p.drawRect(QRectF(2, 5, 10, 9))
        cab = QPainterPath(QPointF(12, 8))
        cab.lineTo(15.5, 8)
        cab.lineTo(18, 11)
        cab.lineTo(18, 14)
        cab.lineTo(12, 14)
        p.drawPath(cab)
        p.drawEllipse(QPointF(5.5, 15.5), 1.8, 1.8)
        p.drawEllipse(QPointF(14.5, 15.5), 1.8, 1.8)


def page_icon(key: str) -> QIcon:
    """The page's glyph: blue, and white on the selected (blue) row."""
    icon = QIcon()
    for mode, ink in ((QIcon.Mode.Normal, _INK), (QIcon.Mode.Selected, QColor("white"))):
        for scale in (1, 2):
            pixmap = QPixmap(ICON_SIZE * scale, ICON_SIZE * scale)
            pixmap.setDevicePixelRatio(scale)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            _draw(key, painter, ink)
            painter.end()
            icon.addPixmap(pixmap, mode)
    return icon


class Sidebar(QTreeWidget):
    """Pages with icons; ``add(text, key)`` a page, ``add(text, None)`` a heading."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("navigation")
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(0)
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumWidth(200)
        self.setMaximumWidth(280)
        self.setFrameShape(QTreeWidget.Shape.NoFrame)
        # A light panel in a light window, a dark one in a dark window (the system's
        # palette: macOS and Windows dark mode).
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        panel, edge, ink, hover = (("#23272e", "#3a404a", "#e3e8ef", "#313843") if dark else
                                   ("#eef2f7", "#d5dce6", "#1f2a3a", "#dde6f2"))
        self.heading_ink = QColor("#9aa8bb" if dark else "#5b6b80")
        self.setStyleSheet(
            f"#navigation {{ background: {panel}; border-right: 1px solid {edge}; "
            "padding-top: 8px; font-size: 14px; }"
            "#navigation::item { padding: 7px 8px; border-radius: 6px; margin: 1px 8px; "
            f"color: {ink}; }}"
            f"#navigation::item:hover {{ background: {hover}; }}"
            "#navigation::item:selected { background: #2d6cdf; color: white; }")
        self.items: dict[str, QTreeWidgetItem] = {}

    def add(self, text: str, key: str | None, parent: QTreeWidgetItem | None = None
            ) -> QTreeWidgetItem:
        item = QTreeWidgetItem([text])
        item.setData(0, Qt.ItemDataRole.UserRole, key)
        if key is None:  # a heading: not a page
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = item.font(0)
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 0.85)
            item.setFont(0, font)
            item.setForeground(0, self.heading_ink)
        else:
            item.setIcon(0, page_icon(key))
            self.items[key] = item
        if parent is None:
            self.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item
