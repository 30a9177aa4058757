"""Table models over the services. The Cases model fetches a page at a time (canFetchMore /
fetchMore), so a 100k-case store never loads whole; the caseload model shows a given list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ld_desktop.domain.pathway import Stage, Urgency
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.domain.targets import waited
from ld_desktop.domain.vulnerabilities import label as flag_label
from ld_desktop.services.views import CaseRow
from ld_desktop.ui.flag_icons import badge_codes, badges_icon
from ld_desktop.ui.models.read_only_table import LazyPages, ReadOnlyTable

Index = QModelIndex | QPersistentModelIndex
# The custody number and referral date tell apart people with the same name.
COLUMNS = ["Person", "Custody no.", "Referred", "Site", "Stage", "Waiting", "Urgency", "Flags",
           "Held by"]
FLAGS_COLUMN = COLUMNS.index("Flags")
SORT_KEYS = {0: "family_name", 1: "custody_record_number", 2: "referral_time", 3: "site",
             4: "stage", 5: "referral_time", 6: "urgency"}
OVERDUE = QColor("#fde8e6")
HIGH_RISK = QColor("#d5281b")


def waiting(since: datetime, now: datetime | None = None) -> str:
    return waited(since, now or datetime.now(UTC))


class CaseRowsModel(ReadOnlyTable):
    """Rows already fetched; subclasses decide how more arrive."""

    COLUMNS = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CaseRow] = []

    def _count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return [
                row.person_name, row.custody_record_number or "",
                f"{row.referral_time.astimezone():%d/%m/%Y %H:%M}", row.site_name,
                Stage(row.stage).label,
                waiting(row.referral_time), Urgency(row.urgency).label,
                ", ".join((["HIGH RISK"] if row.risk_level == RiskLevel.HIGH else [])
                          + [flag_label(f) for f in row.flags]),
                row.holder or "",
            ][column]
        if role == Qt.ItemDataRole.DecorationRole and column == FLAGS_COLUMN:
            return badges_icon(badge_codes(row.flags, row.risk_level == RiskLevel.HIGH))
        if role == Qt.ItemDataRole.BackgroundRole and row.breaches:
            return OVERDUE
        high = row.risk_level == RiskLevel.HIGH
        if role == Qt.ItemDataRole.ForegroundRole and column == FLAGS_COLUMN and high:
            return HIGH_RISK
        if role == Qt.ItemDataRole.ToolTipRole and row.breaches:
            return "Overdue: " + "; ".join(row.breaches)
        if role == Qt.ItemDataRole.UserRole:
            return str(row.id)
        return None

    def case_at(self, row: int) -> CaseRow:
        return self.rows[row]

    def set_rows(self, rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()


class LazyCasesModel(LazyPages, CaseRowsModel):
    """Pages through ``fetch(offset, limit)`` as the view scrolls."""

    def __init__(self, fetch: Callable[[int, int], list[CaseRow]], total: int,
                 first: list[CaseRow] | None = None) -> None:
        CaseRowsModel.__init__(self)
        self._init_pages(fetch, total, first)

    def _loaded(self) -> list[CaseRow]:
        return self.rows
