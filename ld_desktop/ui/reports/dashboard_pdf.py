"""The dashboard as an A4 PDF: the same drawing function as the screen for each chart, the
same numbers beside it, "Page N of M" and the OFFICIAL-SENSITIVE marking on every page.
Written to a temporary name and renamed, so a half-written file never appears."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from ld_desktop.services.reports.figures import Dashboard, Figure
from ld_desktop.services.reports.table_export import header, rows
from ld_desktop.ui.pdf.writer import (
    OFFICIAL_SENSITIVE,
    owner_only_file,
    paint_marking,
    paint_page_number,
    paint_watermark,
)
from ld_desktop.ui.reports.bar_chart import paint_bar_chart

FIGURES_PER_PAGE = 2
RESOLUTION = 150


def _text(cell: object) -> str:
    if isinstance(cell, float):
        return f"{cell:g}" if cell == int(cell) else f"{cell:.1f}"
    return str(cell)


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def _paint_figure(painter: QPainter, area: QRectF, figure: Figure) -> None:
    painter.setFont(_font(22, bold=True))
    painter.setPen(QColor("#005eb8"))
    painter.drawText(QRectF(area.left(), area.top(), area.width(), 32), figure.title)
    chart_height = min(area.height() * 0.45, 34.0 * max(1, len(figure.bars)) + 10)
    paint_bar_chart(painter, QRectF(area.left(), area.top() + 40, area.width(), chart_height),
                    figure)
    y = area.top() + 50 + chart_height
    painter.setPen(QColor("#212b32"))
    columns = [figure.unit.capitalize() if figure.unit != "%" else "Per cent",
               "This period", "Previous", "Change", "Aged 10-17"][:len(header(figure))]
    widths = [0.46, 0.16, 0.14, 0.1, 0.14][:len(columns)]
    painter.setFont(_font(15, bold=True))
    lines: list[list[Any]] = [list(columns), *rows(figure)]
    for line_no, line in enumerate(lines):
        if y + 22 > area.bottom() - 24 * len(figure.notes):
            painter.drawText(QRectF(area.left(), y, area.width(), 22), "… (more in the CSV)")
            y += 22
            break
        x = area.left()
        for width, cell in zip(widths, line, strict=False):
            painter.drawText(QRectF(x, y, area.width() * width - 6, 22),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             _text(cell))
            x += area.width() * width
        if line_no == 0:
            painter.setFont(_font(15))
        y += 22
    painter.setFont(_font(14))
    for note in figure.notes:
        painter.drawText(QRectF(area.left(), y, area.width(), 22), note)
        y += 22


def write_dashboard_pdf(dashboard: Dashboard, path: Path) -> Path:
    """Like every report: owner-only (0600), and no partial file is left on failure."""
    with owner_only_file(path) as temp:
        _paint_dashboard(dashboard, temp)
    return path


def _paint_dashboard(dashboard: Dashboard, temp: Path) -> None:
    writer = QPdfWriter(str(temp))
    writer.setTitle(f"L&D dashboard: {dashboard.period.label}")
    writer.setCreator("L&D Desktop")
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 12, 15, 12), QPageLayout.Unit.Millimeter))
    area = writer.pageLayout().paintRectPixels(RESOLUTION)
    page = QRectF(0, 0, area.width(), area.height())
    footer = RESOLUTION // 4
    band = 34.0                                   # the marking's line at top and bottom
    body = QRectF(0, band, page.width(), page.height() - 2 * band - footer)
    figures = list(dashboard.figures)
    chunks = [figures[i:i + FIGURES_PER_PAGE] for i in range(0, len(figures),
                                                              FIGURES_PER_PAGE)] or [[]]
    painter = QPainter(writer)
    try:
        for index, chunk in enumerate(chunks):
            if index:
                writer.newPage()
            top = body.top()
            if index == 0:
                painter.setFont(_font(30, bold=True))
                painter.setPen(QColor("#005eb8"))
                painter.drawText(QRectF(0, top, page.width(), 42),
                                 f"Liaison and Diversion: {dashboard.period.label}")
                painter.setFont(_font(17))
                painter.setPen(QColor("#4c6272"))
                whose = (f"Own work of {dashboard.own_work_of}; " if dashboard.own_work_of
                         else "")
                painter.drawText(QRectF(0, top + 44, page.width(), 26),
                                 f"{whose}sites: {', '.join(dashboard.site_names)}. Compared "
                                 f"with {dashboard.previous_period.label} (grey bars).")
                painter.drawText(QRectF(0, top + 70, page.width(), 26),
                                 f"Produced {dashboard.generated_at:%d %b %Y %H:%M} UTC.")
                top += 110
            height = (body.bottom() - top) / FIGURES_PER_PAGE
            for n, figure in enumerate(chunk):
                _paint_figure(painter, QRectF(0, top + n * height, page.width(), height - 16),
                              figure)
            paint_page_number(painter, QRectF(0, 0, page.width(), page.height() - footer),
                              footer, index, len(chunks))
            paint_marking(painter, QRectF(0, 0, page.width(), page.height() - footer),
                          OFFICIAL_SENSITIVE)
            paint_watermark(painter, page)
    finally:
        painter.end()
    del writer   # flushes and closes the file
