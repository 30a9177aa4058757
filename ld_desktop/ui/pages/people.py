"""People: everyone at my sites as a lazy, sortable list, or search as you type (name, date
of birth, NHS number, custody number). Queries run off the GUI thread; only the newest
search's result is shown."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes, PersonSummary
from ld_desktop.ui.models.people_table import SORT_KEYS, LazyPeopleModel, PeopleModel
from ld_desktop.ui.models.read_only_table import LazyPages, show_model
from ld_desktop.ui.operations import Debounce, LatestOnly
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.person_lookup_dialog import PersonLookupDialog, ServiceFactory
from ld_desktop.ui.search_keys import DownToResults

SEARCH_LIMIT = 200


class PeoplePage(PageWidget):
    title = "People"

    def __init__(self, session: UserSession,
                 lookup_service: ServiceFactory | None = None) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self._lookup_service = lookup_service
        self._latest = LatestOnly(self)
        self._sort = ("family_name", False)
        title = QLabel(self.title)
        title.setObjectName("title")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: name, date of birth, NHS number, custody number")
        self.search.setAccessibleName("Search people")
        self.count = QLabel("Loading…")
        self.count.setObjectName("subtitle")
        self.model: PeopleModel = PeopleModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.title)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionsClickable(True)
        self.view.horizontalHeader().sectionClicked.connect(self._sort_by)
        self._debounce = Debounce(self, 150, self.refresh)
        self.search.textChanged.connect(self._debounce.trigger)
        DownToResults(self.search, self.view)
        self.view.activated.connect(
            lambda i: self.open_person.emit(uuid.UUID(self.model.people[i.row()].id.hex)))
        # someone first seen at another site: an explicit, recorded lookup on the server
        self.find_elsewhere = QPushButton("&Find at another site…")
        self.find_elsewhere.setToolTip("Look a person up at another site by exact NHS number,"
                                       " or name and date of birth (needs the network)")
        self.find_elsewhere.clicked.connect(self.open_lookup)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addStretch(1)
        heading.addWidget(self.find_elsewhere)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.search)
        layout.addWidget(self.count)
        layout.addWidget(self.view)
        self.refresh()

    def open_lookup(self) -> None:
        dialog = (PersonLookupDialog(self._s, self._lookup_service, self)
                  if self._lookup_service else PersonLookupDialog(self._s, parent=self))
        dialog.exec()
        self.refresh()

    def _sort_by(self, column: int) -> None:
        key = SORT_KEYS.get(column, "family_name")
        self._sort = (key, not self._sort[1] if self._sort[0] == key else False)
        self.view.horizontalHeader().setSortIndicator(
            column, Qt.SortOrder.DescendingOrder if self._sort[1] else Qt.SortOrder.AscendingOrder)
        self.refresh()

    def refresh(self) -> None:
        text = self.search.text().strip()
        sort, descending = self._sort
        persons = self._s.persons

        def work() -> tuple[str, list[PersonSummary], int]:
            if text:
                return text, persons.search(text, limit=SEARCH_LIMIT), 0
            return "", persons.page(0, LazyPeopleModel.PAGE, sort, descending), persons.count()

        self._latest.run(work, self._show, self._failed)

    def _show(self, result: tuple[str, list[PersonSummary], int]) -> None:
        text, people, total = result
        sort, descending = self._sort
        if text:
            model = PeopleModel()
            model.set_people(sorted(people, key=lambda p: _sort_value(p, sort),
                                    reverse=descending))
            more = " or more: keep typing to narrow the search" \
                if len(people) >= SEARCH_LIMIT else ""
            self.count.setText(f"{len(people)} found{more}")
        else:
            persons = self._s.persons
            model = LazyPeopleModel(lambda o, n: persons.page(o, n, sort, descending), total,
                                    people)
            self.count.setText(f"{total:,} people at your sites")
        self.model = model
        show_model(self.view, model)   # further pages load in the background as it scrolls
        self.view.resizeColumnsToContents()

    def _failed(self, exc: Exception) -> None:
        self.count.setText(f"The list could not be loaded: {exc}")

    def on_changes(self, changes: Changes) -> None:
        if changes.touches(SyncedEntity.PERSON):
            self.refresh()

    def close_for_lock(self) -> None:
        self._debounce.stop()   # a search typed just before the lock must not start after it
        self._latest.cancel()
        if isinstance(self.model, LazyPages):
            self.model.retire()   # nor a page of the list as the view scrolls


def _sort_value(person: PersonSummary, key: str) -> Any:
    if key == "date_of_birth":
        return (person.date_of_birth is None, person.date_of_birth or 0)
    if key == "nhs_number":
        return (person.nhs_number is None, person.nhs_number or "")
    return (person.family_name.lower(), person.given_name.lower())
