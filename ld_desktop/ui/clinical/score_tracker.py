"""The score tracker: for each instrument a small chart (drawn with QPainter, so the same
drawing goes to the screen and to a PDF) with its numbers in an accessible table beside it.
A returning person's rising PHQ-9 is visible at a glance."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
    QPdfWriter,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.clinical.score_history import ScoreHistoryService
from ld_desktop.services.session import UserSession
from ld_desktop.ui.models.score_tracker_model import (
    Geometry,
    Tracker,
    build_trackers,
    point_positions,
    table_rows,
)
from ld_desktop.ui.operations import LatestOnly

NHS_BLUE = QColor("#005eb8")
GREY = QColor("#4c6272")
PALE = QColor("#d8dde0")


def paint_tracker(painter: QPainter, area: QRectF, tracker: Tracker) -> None:
    """Draw one tracker into ``area`` on any paint device (widget, image, PDF page)."""
    font = QFont("DejaVu Sans")
    font.setPixelSize(max(8, int(area.height() / 14)))
    painter.setFont(font)
    label_width = painter.fontMetrics().horizontalAdvance("50") + 6
    radius = max(3.0, area.height() / 40)
    pad = radius + 4                        # points at the edges are drawn whole
    geometry = Geometry(area.left() + label_width + pad, area.top() + pad,
                        area.width() - label_width - 2 * pad, area.height() - 2 * pad)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(PALE, 1))
    for value in (tracker.minimum, *tracker.cut_offs, tracker.maximum):
        y = geometry.y(tracker, value)
        painter.drawLine(QPointF(geometry.left - pad, y),
                         QPointF(geometry.left + geometry.width + pad, y))
        painter.setPen(QPen(GREY, 1))
        painter.drawText(QRectF(area.left(), y - 8, label_width - 4, 16),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                         f"{value:g}")
        painter.setPen(QPen(PALE, 1))
    positions = point_positions(tracker, geometry)
    painter.setPen(QPen(NHS_BLUE, 2))
    for (x1, y1), (x2, y2) in itertools.pairwise(positions):
        painter.drawLine(QPointF(x1, y1), QPointF(x2, y2))
    for (x, y), point in zip(positions, tracker.points, strict=True):
        painter.setBrush(Qt.BrushStyle.NoBrush if point.partial else NHS_BLUE)
        painter.drawEllipse(QPointF(x, y), radius, radius)
    painter.restore()


class TrackerChart(QWidget):
    def __init__(self, tracker: Tracker) -> None:
        super().__init__()
        self.tracker = tracker
        self.setMinimumSize(QSize(220, 120))
        self.setAccessibleName(f"{tracker.title} chart")
        self.setAccessibleDescription(tracker.trend())
        self.setToolTip(tracker.trend())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_tracker(painter, QRectF(self.rect()), self.tracker)
        painter.end()


def tracker_table(tracker: Tracker) -> QTableWidget:
    rows = table_rows(tracker)
    table = QTableWidget(len(rows), 4)
    table.setHorizontalHeaderLabels(["Date", "Score", "Band", "Note"])
    table.setAccessibleName(f"{tracker.title} scores over time")
    table.setAccessibleDescription(tracker.trend())
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    return table


class ScoreTrackerPanel(QWidget):
    """Every tracker for one person; says so plainly when there is nothing to track. It has
    no heading of its own: the page it sits on titles it (once)."""

    def __init__(self, trackers: list[Tracker]) -> None:
        super().__init__()
        self.trackers = trackers
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tables: list[QTableWidget] = []
        if not trackers:
            layout.addWidget(QLabel("No completed screening scores yet."))
        for tracker in trackers:
            box = QGroupBox(tracker.title)
            row = QHBoxLayout(box)
            row.addWidget(TrackerChart(tracker), 3)
            table = tracker_table(tracker)
            self.tables.append(table)
            row.addWidget(table, 2)
            layout.addWidget(box)
            trend = QLabel(tracker.trend())
            trend.setWordWrap(True)
            layout.addWidget(trend)


def write_trackers_pdf(trackers: list[Tracker], path: Path, title: str) -> Path:
    """Print the trackers on A4 with the same drawing as on screen, numbers beside them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("L&D Desktop")
    writer.setResolution(150)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    painter = QPainter(writer)
    page = QRectF(0, 0, writer.width(), writer.height())
    font = QFont("DejaVu Sans")
    font.setPixelSize(22)
    y = page.top()
    painter.setFont(font)
    painter.drawText(QRectF(0, y, page.width(), 40), title)
    y += 60
    for tracker in trackers:
        if y + 360 > page.bottom():
            writer.newPage()
            y = page.top()
        painter.setFont(font)
        painter.drawText(QRectF(0, y, page.width(), 30), tracker.trend())
        chart = QRectF(0, y + 40, page.width() * 0.6, 300)
        paint_tracker(painter, chart, tracker)
        painter.setFont(font)
        for i, row in enumerate(table_rows(tracker)[-10:]):
            painter.drawText(QRectF(page.width() * 0.63, y + 40 + i * 28, page.width() * 0.37,
                                    28), "  ".join(t for t in row if t))
        y += 380
    painter.end()
    return path


class PersonScoreTracker(QWidget):
    """The person page's trackers. The scores and the instrument library are read in the
    background (a ``LatestOnly`` owned by this widget): "Loading scores…" until they are
    back, and nothing is shown after a lock or once the page has gone. Drawing them, on
    screen or to a PDF, stays on the GUI thread (it reads nothing)."""

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self._session = session
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.shown: QWidget = QLabel("Loading scores…")
        self._layout.addWidget(self.shown)
        self._latest = LatestOnly(self)

    def show_person(self, person_id: uuid.UUID) -> None:
        """Read (again: a merge brings screenings) and show the person's trackers."""
        history, screenings = ScoreHistoryService(self._session), self._session.screenings

        def read() -> list[Tracker]:
            definitions = {d.id: d for d in screenings.library().all()}
            return build_trackers(history.for_person(person_id), definitions)

        self._latest.run(read, self._show, doing="loading the scores over time")

    def _show(self, trackers: list[Tracker]) -> None:
        panel = ScoreTrackerPanel(trackers)
        self._layout.replaceWidget(self.shown, panel)
        self.shown.deleteLater()
        self.shown = panel

    def cancel(self) -> None:
        self._latest.cancel()
