"""People as a table (search results or a page of the list)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ld_desktop.domain.nhs_number import NhsNumberStatus, formatted
from ld_desktop.services.views import PersonSummary
from ld_desktop.ui.models.read_only_table import LazyPages, ReadOnlyTable

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ["Name", "Date of birth", "NHS number"]
SORT_KEYS = {0: "family_name", 1: "date_of_birth", 2: "nhs_number"}


class PeopleModel(ReadOnlyTable):
    COLUMNS = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.people: list[PersonSummary] = []

    def _count(self) -> int:
        return len(self.people)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.people):
            return None
        p = self.people[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return p.display_name
            if index.column() == 1:
                return f"{p.date_of_birth:%d/%m/%Y}" if p.date_of_birth else "not known"
            if p.nhs_number is None:
                return "none recorded"
            marker = "" if p.nhs_number_status == NhsNumberStatus.VERIFIED else " (unverified)"
            return formatted(p.nhs_number) + marker
        if role == Qt.ItemDataRole.UserRole:
            return str(p.id)
        return None

    def set_people(self, people: list[PersonSummary]) -> None:
        self.beginResetModel()
        self.people = list(people)
        self.endResetModel()


class LazyPeopleModel(LazyPages, PeopleModel):
    """Everyone at my sites, a page at a time, in the order the service sorts them."""

    def __init__(self, fetch: Callable[[int, int], list[PersonSummary]], total: int,
                 first: list[PersonSummary] | None = None) -> None:
        PeopleModel.__init__(self)
        self._init_pages(fetch, total, first)

    def _loaded(self) -> list[PersonSummary]:
        return self.people
