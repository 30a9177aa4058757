"""People: search as you type (name, date of birth, NHS number, custody number)."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.ui.models.people_table import PeopleModel


class PeoplePage(QWidget):
    open_person = Signal(object)

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        title = QLabel("People")
        title.setObjectName("title")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: name, date of birth, NHS number, custody number")
        self.search.setAccessibleName("Search people")
        self.count = QLabel("")
        self.count.setObjectName("subtitle")
        self.model = PeopleModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("People")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.view.activated.connect(
            lambda i: self.open_person.emit(uuid.UUID(self.model.people[i.row()].id.hex)))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addWidget(self.count)
        layout.addWidget(self.view)
        self.refresh()

    def refresh(self) -> None:
        text = self.search.text().strip()
        people = self._s.persons.search(text, limit=200) if text else self._s.persons.page(0, 200)
        self.model.set_people(people)
        total = self._s.persons.count()
        self.count.setText(f"{len(people)} shown" + ("" if text else f" of {total:,}"))
        self.view.resizeColumnsToContents()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("person"):
            self.refresh()
