"""One dashboard figure: its chart, an accessible table of the same numbers beside it (every
cell reachable with the arrow keys; Enter on a row lists its cases, like clicking its bar),
its notes, and buttons to save the table as CSV or Excel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ld_desktop.services.reports.figures import Figure
from ld_desktop.services.reports.table_export import header, rows
from ld_desktop.ui.reports.bar_chart import BarChart, describe


def _text(cell: object) -> str:
    if isinstance(cell, float):
        return f"{cell:g}" if cell == int(cell) else f"{cell:.1f}"
    return str(cell)


def _two_lines(title: str) -> str:
    """A long column title over two lines, broken at the space nearest its middle, so the
    table's every column fits beside its chart."""
    if len(title) <= 12 or " " not in title:
        return title
    spaces = [i for i, ch in enumerate(title) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(title) / 2))
    return title[:cut] + "\n" + title[cut + 1:]


class FigureTable(QTableWidget):
    """The numbers, readable by a screen reader cell by cell. Tab leaves the table (so
    the page stays navigable); the arrow keys move between cells."""

    def __init__(self, figure: Figure) -> None:
        columns = header(figure)
        data = rows(figure)
        super().__init__(len(data), len(columns))
        self.figure = figure
        self.setHorizontalHeaderLabels([columns[0], *(_two_lines(c) for c in columns[1:])])
        self.setAccessibleName(f"{figure.title} table")
        self.setAccessibleDescription(describe(figure))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalHeader().setVisible(False)
        for r, row in enumerate(data):
            for c, cell in enumerate(row):
                item = QTableWidgetItem(_text(cell))
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setData(Qt.ItemDataRole.AccessibleTextRole,
                             f"{columns[c]}: {_text(cell)}" if c else _text(cell))
                self.setItem(r, c, item)
        if data:
            self.setCurrentCell(0, 0)
        self.resizeColumnsToContents()
        height = self.horizontalHeader().height() + sum(self.rowHeight(r)
                                                        for r in range(len(data)))
        self.setMinimumHeight(min(320, height + 6))
        # every column in view (the youth column last of them): no sideways scrolling
        width = sum(self.columnWidth(c) for c in range(len(columns))) + 2 * self.frameWidth()
        if height + 6 > 320:
            width += self.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(width)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

    def key_at_row(self, row: int) -> str:
        return self.figure.bars[row].key


class FigurePanel(QGroupBox):
    drill = Signal(str, str)            # figure id, bar key
    export = Signal(str, str)           # figure id, "csv" | "xlsx"

    def __init__(self, figure: Figure) -> None:
        super().__init__(figure.title)
        self.figure = figure
        self.setAccessibleName(figure.title)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.chart = BarChart(figure)
        self.table = FigureTable(figure)
        row.addWidget(self.chart, 1)       # the chart takes what the table leaves
        row.addWidget(self.table, 0)
        layout.addLayout(row)
        for note in figure.notes:
            label = QLabel(note)
            label.setWordWrap(True)
            layout.addWidget(label)
        buttons = QHBoxLayout()
        if figure.drill:
            hint = QLabel("Click a bar, or press Enter on a row, to list its cases.")
            hint.setObjectName("subtitle")
            buttons.addWidget(hint)
        buttons.addStretch(1)
        self.csv_button = QPushButton("Save table as CSV…")
        self.xlsx_button = QPushButton("Save table as Excel…")
        self.csv_button.setAccessibleName(f"Save {figure.title} as CSV")
        self.xlsx_button.setAccessibleName(f"Save {figure.title} as Excel")
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.xlsx_button)
        layout.addLayout(buttons)
        self.csv_button.clicked.connect(lambda: self.export.emit(figure.id, "csv"))
        self.xlsx_button.clicked.connect(lambda: self.export.emit(figure.id, "xlsx"))
        if figure.drill:
            self.chart.bar_clicked.connect(lambda key: self.drill.emit(figure.id, key))
            self.table.activated.connect(
                lambda index: self.drill.emit(figure.id, self.table.key_at_row(index.row())))
