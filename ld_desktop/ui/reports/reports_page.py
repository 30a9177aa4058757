"""The Reports place: a period chooser (this shift, week, month, quarter or custom), a site
filter, the dashboard (each figure a chart with its accessible table, compared with the
period before), the data-quality report whose lines open the record, and the monthly return.
Every query runs off the GUI thread; a late answer to an old question is dropped."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.reports import period as periods
from ld_desktop.services.reports.data_quality import DataQualityReport
from ld_desktop.services.reports.figures import Dashboard, DrillRow
from ld_desktop.services.reports.service import ReportService
from ld_desktop.services.reports.table_export import write_csv, write_xlsx
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.ui.operations import LatestOnly, run_in_background
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.reports import choosers
from ld_desktop.ui.reports.dashboard_pdf import write_dashboard_pdf
from ld_desktop.ui.reports.figure_panel import FigurePanel
from ld_desktop.ui.reports.record_lists import CaseListDialog, QualityList
from ld_desktop.ui.reports.return_panel import ReturnPanel

PERIOD_CHOICES = [("This shift", "shift"), ("This week", "week"), ("This month", "month"),
                  ("This quarter", "quarter"), ("Custom dates", "custom")]


class ReportsPage(PageWidget):
    title = "Reports"
    dashboard_shown = Signal(object)      # Dashboard: for tests and the screenshot stage

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self.reports = ReportService(session)
        self.dashboard: Dashboard | None = None
        self.panels: list[FigurePanel] = []
        self.drill_dialog: CaseListDialog | None = None
        self._latest = LatestOnly(self)
        self._latest_quality = LatestOnly(self)
        title = QLabel(self.title)
        title.setObjectName("title")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(self._controls())
        self.subtitle = QLabel("")
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.subtitle)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.title)
        self.figures_box = QWidget()
        self.figures_layout = QVBoxLayout(self.figures_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.figures_box)
        self.tabs.addTab(scroll, "&Dashboard")
        self.quality = QualityList()
        self.quality.open_case.connect(self.open_case)
        self.quality.open_person.connect(self.open_person)
        self.tabs.addTab(self.quality, "Data &quality")
        self.return_panel: ReturnPanel | None = None
        if session.can(Permission.PRODUCE_RETURNS):
            self.return_panel = ReturnPanel(self.reports, session.now().date())
            self.tabs.addTab(self.return_panel, "Monthly &return")
        layout.addWidget(self.tabs, 1)
        self.refresh()

    # ------------------------------------------------------------------ controls
    def _controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.period_choice = QComboBox()
        self.period_choice.setAccessibleName("Period")
        for label, kind in PERIOD_CHOICES:
            self.period_choice.addItem(label, kind)
        self.period_choice.setCurrentIndex(2)
        period_label = QLabel("&Period")
        period_label.setBuddy(self.period_choice)
        today = QDate.currentDate()
        self.first_day = QDateEdit(today.addDays(-6))
        self.last_day = QDateEdit(today)
        for edit, name in ((self.first_day, "From"), (self.last_day, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setAccessibleName(f"Custom period {name.lower()}")
            edit.setVisible(False)
        self.site_choice = QComboBox()
        self.site_choice.setAccessibleName("Sites")
        self.site_choice.addItem("All my sites", None)
        for site in self._s.sites:
            self.site_choice.addItem(site.name, site.id)
        site_label = QLabel("&Sites")
        site_label.setBuddy(self.site_choice)
        self.pdf_button = QPushButton("Save dash&board as PDF…")
        row.addWidget(period_label)
        row.addWidget(self.period_choice)
        row.addWidget(self.first_day)
        row.addWidget(self.last_day)
        row.addWidget(site_label)
        row.addWidget(self.site_choice)
        row.addStretch(1)
        row.addWidget(self.pdf_button)
        self.period_choice.currentIndexChanged.connect(self._period_changed)
        self.first_day.dateChanged.connect(self.refresh)
        self.last_day.dateChanged.connect(self.refresh)
        self.site_choice.currentIndexChanged.connect(self.refresh)
        self.pdf_button.clicked.connect(self.save_pdf)
        return row

    def _period_changed(self) -> None:
        custom = self.period_choice.currentData() == "custom"
        self.first_day.setVisible(custom)
        self.last_day.setVisible(custom)
        self.refresh()

    def current_period(self) -> periods.Period:
        kind = self.period_choice.currentData()
        if kind == "custom":
            first, last = self.first_day.date(), self.last_day.date()
            return periods.custom(date(first.year(), first.month(), first.day()),
                                  date(last.year(), last.month(), last.day()))
        return periods.of_kind(kind, self._s.now())

    def site_ids(self) -> list[uuid.UUID] | None:
        chosen = self.site_choice.currentData()
        return None if chosen is None else [chosen]

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        try:
            period = self.current_period()
        except ValueError as exc:
            self.subtitle.setText(str(exc))
            return
        sites = self.site_ids()
        if self.return_panel is not None:
            self.return_panel.site_ids = sites  # type: ignore[assignment]
        self.subtitle.setText(f"Loading {period.label}…")
        reports = self.reports
        self._latest.run(lambda: reports.dashboard(period, sites), self._show, self._failed)
        self._latest_quality.run(lambda: reports.data_quality(period, sites),
                                 self._show_quality, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.subtitle.setText(f"The report could not be produced: {exc}")

    def _show(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        whose = ("Your own work (the cases you hold)" if dashboard.own_work_of
                 else "Sites: " + ", ".join(dashboard.site_names))
        self.subtitle.setText(f"{dashboard.period.label} · {whose} · compared with "
                              f"{dashboard.previous_period.label} (grey bars)")
        while self.figures_layout.count():
            item = self.figures_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.panels = []
        for figure in dashboard.figures:
            panel = FigurePanel(figure)
            panel.drill.connect(self.drill_down)
            panel.export.connect(self.export_table)
            self.figures_layout.addWidget(panel)
            panel.show()                          # now, not when a posted event gets round
            self.panels.append(panel)
        self.figures_layout.addStretch(1)
        self.figures_layout.activate()            # lay out now, not on a later event
        self.figures_box.adjustSize()
        self.dashboard_shown.emit(dashboard)

    def _show_quality(self, report: DataQualityReport) -> None:
        self.quality.show_report(report)
        self.tabs.setTabText(1, "Data &quality" if report.is_clean
                             else f"Data &quality ({report.problem_count})")

    # ------------------------------------------------------------------ actions
    def drill_down(self, figure_id: str, key: str) -> None:
        if self.dashboard is None:
            return
        period, sites = self.dashboard.period, self.site_ids()
        figure = self.dashboard.figure(figure_id)
        label = next((b.label for b in figure.bars if b.key == key), key)
        reports = self.reports
        run_in_background(lambda: reports.drill_down(figure_id, key, period, sites),
                          lambda rows: self._show_cases(f"{figure.title}: {label}", rows),
                          self._failed, owner=self)

    def _show_cases(self, title: str, rows: list[DrillRow]) -> None:
        if self.drill_dialog is not None:
            self.drill_dialog.close()
        self.drill_dialog = CaseListDialog(self, title, rows)
        self.drill_dialog.open_case.connect(self.open_case)
        self.drill_dialog.show()
        self.drill_dialog.activateWindow()
        self.drill_dialog.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def export_table(self, figure_id: str, kind: str) -> None:
        if self.dashboard is None:
            return
        figure = self.dashboard.figure(figure_id)
        suffix = {"csv": ("csv", "CSV (*.csv)"), "xlsx": ("xlsx", "Excel workbook (*.xlsx)")}
        extension, filter_text = suffix[kind]
        name = f"{figure.id}-{self.dashboard.period.start:%Y-%m-%d}.{extension}"
        path = choosers.ask_save_path(self, f"Save {figure.title}", name, filter_text)
        if path is None:
            return
        path = path if path.suffix == f".{extension}" else path.with_suffix(f".{extension}")
        writer = write_csv if kind == "csv" else write_xlsx
        try:
            writer(self.dashboard, figure, path)
        except OSError as exc:
            self.subtitle.setText(f"{path} could not be saved: {exc.strerror or exc}")
            return
        self.subtitle.setText(f"Saved {figure.title} to {path}.")

    def save_pdf(self) -> Path | None:
        if self.dashboard is None:
            return None
        name = f"ld-dashboard-{self.dashboard.period.start:%Y-%m-%d}.pdf"
        path = choosers.ask_save_path(self, "Save the dashboard as PDF", name, "PDF (*.pdf)")
        if path is None:
            return None
        path = path if path.suffix == ".pdf" else path.with_suffix(".pdf")
        try:
            write_dashboard_pdf(self.dashboard, path)
        except OSError as exc:
            self.subtitle.setText(f"{path} could not be saved: {exc.strerror or exc}")
            return None
        self.subtitle.setText(f"Saved the dashboard to {path} (OFFICIAL-SENSITIVE).")
        return path

    def on_changes(self, changes: Changes) -> None:
        if changes.touches(SyncedEntity.CASE, SyncedEntity.PERSON, SyncedEntity.SCREENING,
                           SyncedEntity.OUTCOME, SyncedEntity.ONWARD_REFERRAL,
                           SyncedEntity.ESCALATION, SyncedEntity.INFORMATION_SHARE,
                           SyncedEntity.CONSENT, SyncedEntity.ROTA_ENTRY,
                           "settings"):
            self.refresh()

    def show_quality(self) -> None:
        """The data-quality tab (the ``reports-quality`` screenshot stage)."""
        self.tabs.setCurrentWidget(self.quality)

    def close_for_lock(self) -> None:
        self._latest.cancel()
        self._latest_quality.cancel()


