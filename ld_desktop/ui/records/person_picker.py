"""Find and explicitly choose another person: type in the search box, Down into the results,
Enter (or a double-click) chooses. The choice is shown in words; typing again clears it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QVBoxLayout, QWidget

from ld_desktop.domain.nhs_number import formatted
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import PersonSummary


def describe(p: PersonSummary) -> str:
    dob = f"{p.date_of_birth:%d/%m/%Y}" if p.date_of_birth else "date of birth not known"
    nhs = f"NHS {formatted(p.nhs_number)}" if p.nhs_number else "no NHS number"
    return f"{p.display_name} · {dob} · {nhs}"


class _SearchBox(QLineEdit):
    down = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
            return
        super().keyPressEvent(event)


class PersonPicker(QWidget):
    chosen_changed = Signal(object)    # PersonSummary | None

    def __init__(self, session: UserSession, exclude: set[object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._s = session
        self._exclude = exclude
        self._found: list[PersonSummary] = []
        self.chosen: PersonSummary | None = None
        self.search = _SearchBox()
        self.search.setPlaceholderText("Name, date of birth, NHS number or custody number")
        self.search.setAccessibleName("Find the other person")
        self.results = QListWidget()
        self.results.setAccessibleName("People found")
        self.results.setMinimumHeight(100)
        self.results.setMaximumHeight(140)
        self.choice = QLabel("Nobody chosen yet: Enter on a result chooses it.")
        self.choice.setAccessibleName("Chosen person")
        self.choice.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.search, self.results, self.choice):
            layout.addWidget(widget)
        self.search.textChanged.connect(self._find)
        self.search.down.connect(self._into_results)
        self.results.itemActivated.connect(lambda item: self._choose(self.results.row(item)))

    def _find(self, text: str) -> None:
        self._set_choice(None)
        self._found = [p for p in (self._s.persons.search(text, limit=20) if text.strip()
                                   else []) if p.id not in self._exclude]
        self.results.clear()
        self.results.addItems([describe(p) for p in self._found])

    def _into_results(self) -> None:
        if self.results.count():
            self.results.setFocus()
            self.results.setCurrentRow(0)

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self._found):
            self._set_choice(self._found[row])

    def _set_choice(self, person: PersonSummary | None) -> None:
        self.chosen = person
        self.choice.setText(f"Chosen: {describe(person)}" if person else
                            "Nobody chosen yet: Enter on a result chooses it.")
        self.chosen_changed.emit(person)
