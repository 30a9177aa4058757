"""The Caseload board (home) and the Cases list: tables of cases that open the case view."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
)

from ld_desktop.domain.pathway import OPEN_STAGES, Stage
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.cases import CaseFilter, Caseload
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseRow, Changes
from ld_desktop.ui.flag_icons import ICON_SIZE
from ld_desktop.ui.handover.staffing import StaffingLabel
from ld_desktop.ui.models.case_table import SORT_KEYS, CaseRowsModel, LazyCasesModel
from ld_desktop.ui.models.read_only_table import show_model
from ld_desktop.ui.operations import Debounce, LatestOnly
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.search_keys import DownToResults

#: rows fetched with each keystroke (a screenful and more); the rest as the view scrolls
FIRST_PAGE = 60

def _filters(session: UserSession, include_closed: bool
             ) -> tuple[QComboBox, QComboBox, QHBoxLayout]:
    """Site and stage filters (Alt+S, Alt+T)."""
    site = QComboBox()
    site.setAccessibleName("Filter by site")
    site.addItem("All my sites", None)
    for s in session.sites:
        site.addItem(s.name, s.id)
    stage = QComboBox()
    stage.setAccessibleName("Filter by stage")
    stage.addItem("All stages" if include_closed else "All open stages", None)
    for st in (Stage if include_closed else OPEN_STAGES):
        stage.addItem(st.label, st.value)
    row = QHBoxLayout()
    for text, combo in (("&Site", site), ("S&tage", stage)):
        label = QLabel(text)
        label.setBuddy(combo)
        row.addWidget(label)
        row.addWidget(combo)
    row.addStretch(1)
    return site, stage, row


SIZE_FROM_ROWS = 50


def _table(model: CaseRowsModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setIconSize(QSize(*ICON_SIZE))
    view.verticalHeader().setVisible(False)
    # Fitting columns to their contents looks at the rows on screen and this many more,
    # not at every row of a 300-line caseload (1.5 s on the GUI thread at unlock).
    view.horizontalHeader().setResizeContentsPrecision(SIZE_FROM_ROWS)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class CaseloadPage(PageWidget):
    title = "Caseload"

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self._latest = LatestOnly(self)
        self.model = CaseRowsModel()
        title = QLabel(self.title)
        title.setObjectName("title")
        self.summary = QLabel("")
        self.summary.setObjectName("subtitle")
        self.site, self.stage, filters = _filters(session, include_closed=False)
        self.view = _table(self.model, "Open cases at my sites")
        layout = QVBoxLayout(self)
        self.staffing = StaffingLabel(session)
        self.staffing.setObjectName("subtitle")
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.staffing)
        layout.addLayout(filters)
        layout.addWidget(self.view)
        self.site.currentIndexChanged.connect(self.refresh)
        self.stage.currentIndexChanged.connect(self.refresh)
        self.view.activated.connect(lambda i: self.open_case.emit(self.model.case_at(i.row()).id))
        self.refresh()

    def refresh(self) -> None:
        site = self.site.currentData()
        stage = self.stage.currentData()
        cases = self._s.cases
        self._latest.run(
            lambda: cases.caseload_page(site_ids=(site,) if site else (),
                                        stages=(stage,) if stage else ()),
            self._show, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.summary.setText(f"The caseload could not be loaded: {exc}")

    def _show(self, board: Caseload) -> None:
        self.model.set_rows(board.rows)
        shown = ("" if len(board.rows) >= board.open_cases
                 else f" · showing the {len(board.rows):,} most urgent")
        self.summary.setText(f"{board.open_cases:,} open cases · {board.overdue:,} overdue "
                             f"against targets (shaded) · {board.high_risk:,} high risk{shown}")
        self.view.resizeColumnsToContents()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches(SyncedEntity.CASE, SyncedEntity.PERSON, SyncedEntity.RISK_ASSESSMENT,
                           "settings"):
            self.refresh()
        if changes.touches(SyncedEntity.ROTA_ENTRY):
            self.staffing.refresh()

    def close_for_lock(self) -> None:
        self._latest.cancel()
        self.staffing.stop()


class CasesPage(PageWidget):
    title = "Cases"

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        title = QLabel(self.title)
        title.setObjectName("title")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: name, date of birth, NHS number, custody number")
        self.search.setAccessibleName("Search cases")
        self.count = QLabel("Loading…")
        self.count.setObjectName("subtitle")
        self._sized = False
        self._latest = LatestOnly(self)
        self._sort = ("referral_time", True)
        self.model = LazyCasesModel(lambda o, n: [], 0)
        self.view = _table(self.model, self.title)
        self.view.setSortingEnabled(False)
        self.view.horizontalHeader().setSectionsClickable(True)
        self.view.horizontalHeader().sectionClicked.connect(self._sort_by)
        self._debounce = Debounce(self, 150, self.refresh)
        self.search.textChanged.connect(self._debounce.trigger)
        self.site, self.stage, filters = _filters(session, include_closed=True)
        self.site.currentIndexChanged.connect(self.refresh)
        self.stage.currentIndexChanged.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addWidget(self.view)
        self.view.activated.connect(lambda i: self.open_case.emit(self.model.case_at(i.row()).id))
        DownToResults(self.search, self.view)
        self.refresh()

    def _filter(self) -> CaseFilter:
        key, descending = self._sort
        site, stage = self.site.currentData(), self.stage.currentData()
        return CaseFilter(text=self.search.text(), sort=key, descending=descending,
                          site_ids=(site,) if site else (), stages=(stage,) if stage else ())

    def _sort_by(self, column: int) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return
        self._sort = (key, not self._sort[1] if self._sort[0] == key else False)
        self.view.horizontalHeader().setSortIndicator(
            column, Qt.SortOrder.DescendingOrder if self._sort[1] else Qt.SortOrder.AscendingOrder)
        self.refresh()

    def refresh(self) -> None:
        filt = self._filter()
        cases = self._s.cases
        self._latest.run(lambda: (filt, *cases.count_and_first_page(filt, FIRST_PAGE)),
                         self._show, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.count.setText(f"The list could not be loaded: {exc}")

    def _show(self, result: tuple[CaseFilter, int, list[CaseRow]]) -> None:
        filt, total, first = result
        cases = self._s.cases
        model = LazyCasesModel(lambda offset, limit: cases.page(filt, offset, limit), total,
                               first)
        first_load = self.model.rowCount() == 0 and not self._sized
        self.model = model
        show_model(self.view, model)   # further pages load in the background as it scrolls
        if first_load:                  # size the columns once; later loads keep the widths
            self.view.resizeColumnsToContents()
            self._sized = True
        broad = bool(filt.text.strip()) and total >= self._s.cases.people_match_limit
        self.count.setText(f"{total:,} cases" + (" or more: keep typing to narrow the search"
                                                  if broad else ""))

    def on_changes(self, changes: Changes) -> None:
        if changes.touches(SyncedEntity.CASE, SyncedEntity.PERSON):
            self.refresh()

    def close_for_lock(self) -> None:
        self._debounce.stop()   # a search typed just before the lock must not start after it
        self._latest.cancel()
        self.model.retire()     # nor a page of the list as the view scrolls
