"""Each dashboard table as CSV or XLSX (openpyxl): the same rows the accessible table shows.
Written like every export: readable by its owner only (0600), through a temporary file that
is fsynced and renamed, so a half-written file never appears. Text that a
spreadsheet would run as a formula (=, +, -, @) is written as text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ld_desktop.services.reports.figures import Dashboard, Figure
from ld_desktop.store.atomic_file import write_atomically

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | float | int


def header(figure: Figure) -> list[str]:
    columns = [figure.title, f"This period ({figure.unit})", "Previous period", "Change"]
    return [*columns, "Of which aged 10-17"] if figure.has_youth else columns


def rows(figure: Figure) -> list[list[Cell]]:
    found: list[list[Cell]] = []
    for bar in figure.bars:
        row: list[Cell] = [bar.label, bar.value, bar.previous, round(bar.change, 1)]
        if figure.has_youth:
            row.append(bar.youth if bar.youth is not None else "")
        found.append(row)
    return found


def _safe(cell: Cell) -> Cell:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _number(value: Cell) -> Cell:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _caption(dashboard: Dashboard) -> str:
    return (f"{dashboard.period.label} (compared with {dashboard.previous_period.label}); "
            f"sites: {', '.join(dashboard.site_names)}")


def write_csv(dashboard: Dashboard, figure: Figure, path: Path) -> Path:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([_caption(dashboard)])
    writer.writerow(header(figure))
    for row in rows(figure):
        writer.writerow([_safe(_number(c)) for c in row])
    for note in figure.notes:
        writer.writerow([_safe(note)])
    write_atomically(path, text.getvalue().encode("utf-8"), 0o600)
    return path


def write_xlsx(dashboard: Dashboard, figure: Figure, path: Path) -> Path:
    from openpyxl import Workbook  # here, not at start-up (~0.1 s of CPU)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = figure.id[:31]
    sheet.append([_caption(dashboard)])
    sheet.append(header(figure))
    for row in rows(figure):
        sheet.append([_safe(_number(c)) for c in row])
    for note in figure.notes:
        sheet.append([_safe(note)])
    sheet.column_dimensions["A"].width = 48
    data = io.BytesIO()
    book.save(data)
    write_atomically(path, data.getvalue(), 0o600)
    return path
