"""Two lists whose lines open a record: the cases behind a bar (the drill-down) and the
data-quality findings. Enter or a double click opens the line's record."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.pathway import Stage
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.reports.data_quality import DataQualityReport
from ld_desktop.services.reports.figures import DrillRow


def record_table(columns: list[str], rows: list[list[str]], name: str) -> QTableWidget:
    table = QTableWidget(len(rows), len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setAccessibleName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setResizeContentsPrecision(100)   # sizes from the first rows
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    if rows:
        table.setCurrentCell(0, 0)
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _stage(code: str) -> str:
    try:
        return Stage(code).label
    except ValueError:
        return code


class CaseListDialog(QDialog):
    """The cases behind one bar. Shown (not exec'd): the page stays usable behind it."""

    open_case = Signal(object)

    def __init__(self, parent: QWidget | None, title: str, rows: list[DrillRow]) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.rows = rows
        layout = QVBoxLayout(self)
        found = QLabel(f"{len(rows)} case(s). Press Enter or double-click to open one."
                       if rows else "No cases.")
        layout.addWidget(found)
        self.table = record_table(
            ["Person", "Site", "Referred", "Stage"],
            [[r.person_name, r.site_name, f"{r.referral_time:%d %b %Y %H:%M}", _stage(r.stage)]
             for r in rows], title)
        layout.addWidget(self.table)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.table.activated.connect(self._open)
        self.resize(640, 420)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open(self, index: object) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self.open_case.emit(self.rows[row].case_id)
            self.accept()


class QualityList(QWidget):
    """The data-quality report: a summary per check and one line per finding."""

    open_case = Signal(object)
    open_person = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.report: DataQualityReport | None = None
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel("Loading the data-quality report…")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.table = record_table(["Problem", "Record", "What to do"], [],
                                  "Data-quality findings")
        layout.addWidget(self.table)
        self.table.activated.connect(self._open)

    def show_report(self, report: DataQualityReport) -> None:
        self.report = report
        self.summary.setText("\n".join(report.summary_lines()))
        advice = {c.code: c.advice for c in report.checks}
        labels = {c.code: c.label for c in report.checks}
        self.table.setRowCount(len(report.findings))
        for r, finding in enumerate(report.findings):
            for c, text in enumerate([labels[finding.check], finding.text.split(": ", 1)[0],
                                      advice[finding.check]]):
                self.table.setItem(r, c, QTableWidgetItem(text))
        if report.findings:
            self.table.setCurrentCell(0, 0)
        self.table.resizeColumnsToContents()
        # the summary grew from one line to one per check: lay the page out again now (a
        # report that arrived while the tab was hidden otherwise kept the one-line height)
        self._layout.invalidate()
        self._layout.activate()

    def _open(self, index: object) -> None:
        row = self.table.currentRow()
        if self.report is None or not 0 <= row < len(self.report.findings):
            return
        finding = self.report.findings[row]
        signal = self.open_case if finding.record_kind == SyncedEntity.CASE else self.open_person
        signal.emit(finding.record_id)
