"""Render simple structured HTML to an A4 PDF with Qt.

Per the stack notes: QPdfWriter + QTextDocument.print_(writer) gives correct A4 pages; do not
call doc.setPageSize(writer.width(), writer.height()) (device pixels at 300 dpi: tiny text).
Files are written to a temporary name and renamed, so a half-written report never appears.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

STYLE = """
body { font-family: 'DejaVu Sans'; font-size: 9pt; color: #212b32; }
h1 { font-size: 14pt; color: #005eb8; margin-bottom: 2pt; }
h2 { font-size: 11pt; color: #005eb8; margin-top: 12pt; margin-bottom: 4pt; }
p.meta { color: #4c6272; margin-top: 0; }
p.warning { color: #d5281b; font-weight: bold; }
table.facts td { padding: 2pt 8pt 2pt 0; vertical-align: top; }
td.label { color: #4c6272; }
p.footer { color: #4c6272; font-size: 8pt; margin-top: 16pt; }
"""


def esc(text: object) -> str:
    return html.escape(str(text))


def facts_table(rows: Iterable[tuple[str, object]]) -> str:
    cells = "".join(
        f"<tr><td class='label'>{esc(label)}</td><td width='24'></td><td>{esc(value)}</td></tr>"
        for label, value in rows
    )
    return f"<table class='facts'>{cells}</table>"


def bullet_list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


#: room at the foot of each page for "Page N of M" (points)
FOOTER_POINTS = 16.0


def _print_with_page_numbers(document: QTextDocument, writer: QPdfWriter) -> None:
    """What QTextDocument.print_ does (lay the text out at the screen's resolution, then
    scale to the writer's), over the whole printable area, with "Page N of M" at the foot of
    every page."""
    printable = writer.pageLayout().paintRect(QPageLayout.Unit.Point)
    screen = QGuiApplication.primaryScreen()
    source_dpi = screen.logicalDotsPerInchX() if screen is not None else 96.0
    points_to_source = source_dpi / 72.0
    page = QSizeF(printable.width() * points_to_source,
                  (printable.height() - FOOTER_POINTS) * points_to_source)
    document.setPageSize(page)
    total = document.pageCount()
    scale = writer.logicalDpiX() / source_dpi
    painter = QPainter(writer)
    try:
        for number in range(1, total + 1):
            if number > 1:
                writer.newPage()
            painter.save()
            painter.scale(scale, scale)
            top = (number - 1) * page.height()
            painter.translate(0, -top)
            document.drawContents(painter, QRectF(0, top, page.width(), page.height()))
            painter.restore()
            painter.setFont(QFont("DejaVu Sans", 7))
            painter.setPen(QColor("#4c6272"))
            foot = QRectF(0, page.height() * scale, page.width() * scale,
                          FOOTER_POINTS * points_to_source * scale)
            painter.drawText(foot, int(Qt.AlignmentFlag.AlignRight
                                       | Qt.AlignmentFlag.AlignBottom),
                             f"Page {number} of {total}")
    finally:
        painter.end()


def write_pdf(body_html: str, path: Path, title: str) -> Path:
    """Write ``body_html`` as an A4 PDF at ``path`` (atomically); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.part")
    writer = QPdfWriter(str(temp))
    writer.setTitle(title)
    writer.setCreator("L&D Desktop")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                    QMarginsF(18, 18, 18, 18), QPageLayout.Unit.Millimeter)
    )
    document = QTextDocument()
    document.setDefaultFont(QFont("DejaVu Sans", 9))
    document.setDefaultStyleSheet(STYLE)
    document.setHtml(f"<html><body>{body_html}</body></html>")
    _print_with_page_numbers(document, writer)
    del writer  # flushes and closes the file
    os.replace(temp, path)
    return path
