"""The monthly return from the Reports place: choose the month and a folder; the data-
quality report comes first, and when it is not clean the senior confirms before anything is
written. The work runs off the GUI thread."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.reports.data_quality import DataQualityReport
from ld_desktop.services.reports.monthly_return import MonthlyReturn
from ld_desktop.services.reports.period import Period, month
from ld_desktop.services.reports.service import ReportService
from ld_desktop.ui.operations import run_in_background
from ld_desktop.ui.reports import choosers


def _months(today: date, count: int = 13) -> list[Period]:
    found, day = [], today.replace(day=1)
    for _ in range(count):
        found.append(month(day))
        day = (day - timedelta(days=1)).replace(day=1)
    return found


class ReturnPanel(QWidget):
    written = Signal(object)          # MonthlyReturn

    def __init__(self, reports: ReportService, today: date) -> None:
        super().__init__()
        self._reports = reports
        self.site_ids: list[object] | None = None
        layout = QVBoxLayout(self)
        intro = QLabel("The monthly return to the commissioner: one CSV per MHSDS table and a "
                       "manifest. The data-quality report is checked first.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.month = QComboBox()
        self.month.setAccessibleName("Month of the return")
        for period in _months(today):
            self.month.addItem(period.label, period)
        self.month.setCurrentIndex(1)                 # last month: the one usually due
        form.addRow("&Month", self.month)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Folder for the return")
        self.folder.setPlaceholderText("An existing folder")
        choose = QPushButton("C&hoose…")
        choose.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(choose)
        folder_label = QLabel("&Folder")
        folder_label.setBuddy(self.folder)           # Alt+F reaches the field, not a layout
        form.addRow(folder_label, row)
        layout.addLayout(form)
        self.write_button = QPushButton("Check data quality and &write the return")
        layout.addWidget(self.write_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.write_button.clicked.connect(self.start)

    def _choose(self) -> None:
        folder = choosers.ask_folder(self, "Folder for the monthly return")
        if folder is not None:
            self.folder.setText(str(folder))

    def start(self) -> None:
        folder = Path(self.folder.text().strip())
        if not self.folder.text().strip() or not folder.is_dir():
            self.status.setText("Choose an existing folder for the return first.")
            return
        period: Period = self.month.currentData()
        self.write_button.setEnabled(False)
        self.status.setText(f"Checking data quality for {period.label}…")
        sites = self.site_ids
        run_in_background(lambda: self._reports.data_quality(period, sites),  # type: ignore[arg-type]
                          lambda report: self._checked(report, period, folder), self._failed,
                          owner=self)

    def _checked(self, report: DataQualityReport, period: Period, folder: Path) -> None:
        confirm = False
        if not report.is_clean:
            answer = QMessageBox.question(
                self, "Data quality",
                "\n".join(report.summary_lines())
                + "\n\nThe Data quality tab lists each problem and opens its record."
                + "\n\nWrite the return anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                self.status.setText("Nothing was written. Fix the problems listed in the "
                                    "Data quality tab, then try again.")
                self.write_button.setEnabled(True)
                return
            confirm = True
        self.status.setText(f"Writing the return for {period.label}…")
        sites = self.site_ids
        run_in_background(
            lambda: self._reports.monthly_return(period, folder, site_ids=sites,  # type: ignore[arg-type]
                                                 confirm_problems=confirm, quality=report),
            self._done, self._failed, owner=self)

    def _done(self, written: MonthlyReturn) -> None:
        self.write_button.setEnabled(True)
        counts = ", ".join(f"{f.table} {f.rows}" for f in written.files)
        self.status.setText(f"Wrote {written.folder} ({counts}) with its manifest.")
        self.written.emit(written)

    def _failed(self, exc: Exception) -> None:
        self.write_button.setEnabled(True)
        self.status.setText(f"The return was not written: {exc}")
