"""Parts of the referral intake dialog: the Find field, the results list, the "Referring:"
banner, and reading a typed date of birth. Choosing an existing person is always an explicit
act (Enter or a double-click on a result); moving through the list chooses nothing."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from ld_desktop.domain import nhs_number
from ld_desktop.services.views import PersonSummary

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def describe(person: PersonSummary) -> str:
    """SURNAME, Given · date of birth · NHS number: what tells two people apart."""
    born = (f"born {person.date_of_birth:%d/%m/%Y}" if person.date_of_birth
            else "date of birth unknown")
    number = (f"NHS {nhs_number.formatted(person.nhs_number)}" if person.nhs_number
              else "no NHS number")
    return f"{person.display_name} · {born} · {number}"


def parse_date_of_birth(text: str) -> date | None:
    """A typed date of birth (dd/mm/yyyy; '-', '.' or spaces also separate), None if empty.
    ValueError says what is wrong."""
    text = text.strip()
    if not text:
        return None
    parts = re.split(r"[/.\- ]+", text)
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        raise ValueError("Type the date of birth as dd/mm/yyyy, for example 02/02/1992.")
    day, month, year = (int(p) for p in parts)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text} is not a real date: type it as dd/mm/yyyy.") from None


class FindField(QLineEdit):
    """Down, Enter or Return moves to the results (Enter never saves from here)."""

    to_results = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, *ENTER_KEYS):
            self.to_results.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class ResultsList(QListWidget):
    """People found. Enter or a double-click chooses one; moving through chooses nothing."""

    chosen = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.itemDoubleClicked.connect(lambda item: self.chosen.emit(self.row(item)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in ENTER_KEYS:
            if self.currentRow() >= 0 and self.currentItem().flags() & Qt.ItemFlag.ItemIsEnabled:
                self.chosen.emit(self.currentRow())
            event.accept()              # never reaches the dialog's default button
            return
        super().keyPressEvent(event)

    def show_people(self, people: list[PersonSummary], empty_text: str) -> None:
        self.clear()
        for person in people:
            self.addItem(describe(person))
        if not people and empty_text:
            item = QListWidgetItem(empty_text)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)


class SwallowEnter(QObject):
    """Keeps Enter in a list or table (which passes it on after 'activating' a row) from
    reaching the dialog's default button."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in ENTER_KEYS)


class ReferringBanner(QFrame):
    """"Referring: SURNAME, Given · date of birth · NHS number" and a Not this person button;
    hidden while no one is chosen. The returning person's history goes underneath."""

    cleared = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("referringBox")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel("")
        self.text.setObjectName("referring")
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Referring")
        self.not_this_person = QPushButton("&Not this person")
        self.not_this_person.setAccessibleName("Not this person: choose again or register "
                                               "someone new")
        self.not_this_person.clicked.connect(self.cleared.emit)
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(self.not_this_person)
        self.body = QVBoxLayout(self)
        self.body.addLayout(row)
        self.hide()

    def show_person(self, person: PersonSummary) -> None:
        self.text.setText("Referring: " + describe(person))
        self.show()
