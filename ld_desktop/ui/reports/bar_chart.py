"""One drawing function for every dashboard figure, on any paint device (the screen, an
image, a PDF page): horizontal bars (labels can be long), this period in NHS blue, the
previous period as a thin grey bar beneath, the value at the end of each bar."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ld_desktop.services.reports.figures import Figure

NHS_BLUE = QColor("#005eb8")
GREY = QColor("#768692")
PALE = QColor("#d8dde0")
TEXT = QColor("#212b32")
ROW_PIXELS = 30


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def describe(figure: Figure) -> str:
    """What the chart shows, in words (its accessible description)."""
    if not figure.bars:
        return f"{figure.title}: nothing in this period."
    parts = [f"{b.label} {_number(b.value)} (before {_number(b.previous)})"
             for b in figure.bars]
    return f"{figure.title}, {figure.unit}: " + "; ".join(parts) + "."


def paint_bar_chart(painter: QPainter, area: QRectF, figure: Figure,
                    highlight: str | None = None) -> list[tuple[QRectF, str]]:
    """Draw ``figure`` into ``area``; returns each bar's row rectangle and key (for clicks)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont("DejaVu Sans")
    row = area.height() / max(1, len(figure.bars)) if figure.bars else area.height()
    font.setPixelSize(int(max(9, min(14, row * 0.42))))
    painter.setFont(font)
    metrics = painter.fontMetrics()
    hits: list[tuple[QRectF, str]] = []
    if not figure.bars:
        painter.setPen(GREY)
        painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter), "Nothing in this period")
        painter.restore()
        return hits
    label_width = min(area.width() * 0.42,
                      max(metrics.horizontalAdvance(b.label) for b in figure.bars) + 8)
    value_width = metrics.horizontalAdvance("8888.8") + 6
    left = area.left() + label_width
    span = max(1.0, area.width() - label_width - value_width)
    top_value = max(max(b.value, b.previous) for b in figure.bars) or 1.0
    for i, bar in enumerate(figure.bars):
        y = area.top() + i * row
        box = QRectF(area.left(), y, area.width(), row)
        hits.append((box, bar.key))
        if bar.key == highlight:
            painter.fillRect(box, QColor("#fff9c4"))
        painter.setPen(TEXT)
        label = metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, int(label_width - 8))
        painter.drawText(QRectF(area.left(), y, label_width - 8, row),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label)
        now = QRectF(left, y + row * 0.18, span * bar.value / top_value, row * 0.44)
        before = QRectF(left, y + row * 0.66, span * bar.previous / top_value, row * 0.14)
        painter.fillRect(now, NHS_BLUE)
        painter.fillRect(before, GREY)
        painter.drawText(QRectF(now.right() + 4, y, value_width, row),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         _number(bar.value))
    painter.setPen(QPen(PALE, 1))
    painter.drawLine(QPointF(left, area.top()), QPointF(left, area.bottom()))
    painter.restore()
    return hits


class BarChart(QWidget):
    """The chart on screen. Clicking a bar emits its key; the table beside it is the
    keyboard and screen-reader way to the same numbers and the same drill-down."""

    bar_clicked = Signal(str)

    def __init__(self, figure: Figure) -> None:
        super().__init__()
        self.figure = figure
        self.highlight: str | None = None
        self._hits: list[tuple[QRectF, str]] = []
        self.setMinimumSize(QSize(280, max(80, ROW_PIXELS * len(figure.bars))))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(f"{figure.title} chart")
        self.setAccessibleDescription(describe(figure))
        self.setToolTip(describe(figure))
        if figure.drill:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(420, max(80, ROW_PIXELS * len(self.figure.bars)))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self._hits = paint_bar_chart(painter, QRectF(self.rect()), self.figure, self.highlight)
        painter.end()

    def bar_at(self, point: QPointF) -> str | None:
        if not self._hits:                       # not painted yet: lay it out off screen
            image = QImage(self.size(), QImage.Format.Format_ARGB32)
            painter = QPainter(image)
            self._hits = paint_bar_chart(painter, QRectF(self.rect()), self.figure)
            painter.end()
        return next((key for box, key in self._hits if box.contains(point)), None)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        key = self.bar_at(event.position())
        if key is not None and self.figure.drill:
            self.highlight = key
            self.update()
            self.bar_clicked.emit(key)
        super().mousePressEvent(event)
