"""Render simple structured HTML to an A4 PDF with Qt.

Per the stack notes: QPdfWriter + QTextDocument.print_(writer) gives correct A4 pages; do not
call doc.setPageSize(writer.width(), writer.height()) (device pixels at 300 dpi: tiny text).
Files are written to a temporary name (owner-only, 0600) and renamed, so a half-written report
never appears; if anything fails, the temporary file is removed: no copy of the report is left.
"""

from __future__ import annotations

import contextlib
import html
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
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


_watermark: str | None = None


def set_watermark(text: str | None) -> None:
    """Every PDF this process writes from now on carries `text` across each page (training
    workstations: "TRAINING — NOT A REAL PERSON"). None removes it."""
    global _watermark
    _watermark = text


def watermark() -> str | None:
    return _watermark


OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"


def write_pdf(body_html: str, path: Path, title: str, *, marking: str | None = None) -> Path:
    """Write ``body_html`` as an A4 PDF at ``path`` (atomically); returns the path.

    Pages are painted one by one so each carries "Page N of M" in its footer, and the
    process's watermark (if any) across it; ``marking`` (a Government Security
    Classification such as ``OFFICIAL_SENSITIVE``) is printed at the top and bottom.
    """
    with owner_only_file(path) as temp:
        _render(body_html, temp, title, marking)
    return path


@contextlib.contextmanager
def owner_only_file(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` for a writer to fill (created 0600); renamed to
    ``path`` when the block ends, removed on any failure, so no partial file is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)   # created 0600; Qt reopens and truncates it, keeping that mode
    temp = Path(temp_name)
    try:
        yield temp
        if temp.stat().st_size == 0:
            raise OSError(f"The report could not be written to {path.parent}.")
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _render(body_html: str, temp: Path, title: str, marking: str | None = None) -> None:
    writer = QPdfWriter(str(temp))
    writer.setTitle(title)
    writer.setCreator("L&D Desktop")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                    QMarginsF(18, 18, 18, 18), QPageLayout.Unit.Millimeter)
    )
    document = QTextDocument()
    # Lay out at the writer's own resolution, so point sizes are true on paper.
    document.documentLayout().setPaintDevice(writer)
    document.setDefaultFont(QFont("DejaVu Sans", 9))
    document.setDefaultStyleSheet(STYLE)
    document.setHtml(f"<html><body>{body_html}</body></html>")
    area = writer.pageLayout().paintRectPixels(writer.resolution())
    footer = writer.resolution() // 4                     # a quarter of an inch
    header = footer if marking else 0
    body = QRectF(0, 0, area.width(), area.height() - footer - header)
    document.setPageSize(body.size())
    pages = document.pageCount()
    painter = QPainter(writer)
    try:
        for index in range(pages):
            if index:
                writer.newPage()
            painter.save()
            painter.translate(0, header)
            _paint_page(painter, document, body, index)
            _paint_footer(painter, body, footer, f"Page {index + 1} of {pages}")
            painter.restore()
            if marking:
                paint_marking(painter, QRectF(0, 0, area.width(), area.height()), marking)
            if _watermark:
                _paint_watermark(painter, QRectF(0, 0, area.width(), area.height()), _watermark)
    finally:
        painter.end()
    del writer  # flushes and closes the file


def _paint_page(painter: QPainter, document: QTextDocument, body: QRectF, index: int) -> None:
    painter.save()
    painter.translate(0, -index * body.height())
    context = QAbstractTextDocumentLayout.PaintContext()
    context.clip = QRectF(0, index * body.height(), body.width(), body.height())
    painter.setClipRect(context.clip)
    document.documentLayout().draw(painter, context)
    painter.restore()


def _paint_footer(painter: QPainter, body: QRectF, height: int, text: str) -> None:
    painter.save()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(7.5)
    painter.setFont(font)
    painter.setPen(QColor("#4c6272"))
    painter.drawText(QRectF(0, body.height(), body.width(), height),
                     int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), text)
    painter.restore()


def paint_marking(painter: QPainter, page: QRectF, text: str) -> None:
    """The protective marking, centred at the top and the bottom of ``page`` (the page's
    paint area: callers keep their content clear of its first and last lines)."""
    painter.save()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(8)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#212b32"))
    painter.drawText(page, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), text)
    painter.drawText(page, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                     text)
    painter.restore()


def paint_page_number(painter: QPainter, body: QRectF, height: int, index: int,
                      pages: int) -> None:
    """"Page N of M" in the footer below ``body`` (as every PDF of the app has)."""
    _paint_footer(painter, body, height, f"Page {index + 1} of {pages}")


def paint_watermark(painter: QPainter, page: QRectF) -> None:
    """The process's watermark across the page, if it has one (training mode)."""
    if _watermark:
        _paint_watermark(painter, page, _watermark)


def _paint_watermark(painter: QPainter, page: QRectF, text: str) -> None:
    painter.save()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(30)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor(213, 40, 27, 70))               # NHS red, faint: text stays legible
    painter.translate(page.center())
    painter.rotate(-35)
    span = QRectF(-page.width(), -page.height() / 8, 2 * page.width(), page.height() / 4)
    painter.drawText(span, int(Qt.AlignmentFlag.AlignCenter), text)
    painter.restore()
