"""Find and explicitly choose another person: type in the search box, Down into the results,
Enter (or a double-click) chooses. The choice is shown in words; typing again clears it.

The search runs off the GUI thread, after a short pause in typing (``operations.Debounce``
and a ``LatestOnly`` owned by the picker, as New referral's Find): the old results go as soon
as the text changes, so a result of an older search can never be chosen, and a late answer
to an older search is dropped. Down straight after typing searches at once. The dialog that
holds a picker calls ``stop`` when it closes, so no search starts after a lock."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ld_desktop.domain.nhs_number import formatted
from ld_desktop.services.errors import is_refusal
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import PersonSummary
from ld_desktop.ui.operations import Debounce, LatestOnly, show_failure

#: pause in typing before the search runs (ms), as New referral's Find
SEARCH_PAUSE_MS = 200
SEARCH_LIMIT = 20


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
        # wide enough for a whole result (name, date of birth, NHS number) on one line: a
        # sideways scroll bar hid the end of it
        self.results.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 44))
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.choice = QLabel("Nobody chosen yet: Enter on a result chooses it.")
        self.choice.setAccessibleName("Chosen person")
        self.choice.setWordWrap(True)
        # room for two lines from the start: a choice that wraps was drawn over the results
        # (the dialog keeps its size at its minimum, which a wrapping label's height misses)
        self.choice.setMinimumHeight(2 * self.choice.fontMetrics().lineSpacing() + 4)
        self.choice.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.search, self.results, self.choice):
            layout.addWidget(widget)
        self._latest = LatestOnly(self)
        self._debounce = Debounce(self, SEARCH_PAUSE_MS, self.search_now)
        self.search.textChanged.connect(self._find)
        self.search.down.connect(self._into_results)
        self.results.itemActivated.connect(lambda item: self._choose(self.results.row(item)))

    def _find(self, _text: str) -> None:
        """The text changed: the choice and the old results go at once (none can be chosen
        while the new search runs), and the search waits for a pause in typing."""
        self._set_choice(None)
        self._latest.cancel()
        self._show([], "Searching\u2026" if self.search.text().strip() else "")
        self._debounce.trigger()

    def search_now(self) -> None:
        self._debounce.stop()
        text = self.search.text().strip()
        if not text:
            self._latest.cancel()
            self._show([], "")
            return
        persons, exclude = self._s.persons, frozenset(self._exclude)
        self._latest.run(
            lambda: [p for p in persons.search(text, limit=SEARCH_LIMIT)
                     if p.id not in exclude],
            lambda people: self._show(people, "No one found"), self._not_searched,
            doing="searching for the other person")

    def searching(self) -> bool:
        """A search is waiting for a pause in typing or has not answered yet."""
        return self._debounce.is_pending() or self._latest.running()

    def stop(self) -> None:
        """The dialog closed (saved, cancelled or locked): no search starts or is shown."""
        self._debounce.stop()
        self._latest.cancel()

    def _not_searched(self, exc: Exception) -> None:
        self._show([], str(exc) if is_refusal(exc) else "The search did not finish.")
        if not is_refusal(exc):
            show_failure(self, exc, "searching for the other person")

    def _show(self, people: list[PersonSummary], empty_text: str) -> None:
        self._found = people
        self.results.clear()
        self.results.addItems([describe(p) for p in people])
        if not people and empty_text:
            item = QListWidgetItem(empty_text)
            item.setFlags(Qt.ItemFlag.NoItemFlags)   # says so; cannot be chosen
            self.results.addItem(item)
        elif people and self.results.hasFocus():     # Down came before the answer
            self.results.setCurrentRow(0)

    def _into_results(self) -> None:
        if self._debounce.is_pending():   # Down straight after typing: search now
            self.search_now()
        if not self.results.count():       # nothing typed
            return
        self.results.setFocus()
        if self._found:
            self.results.setCurrentRow(0)

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self._found):
            self._set_choice(self._found[row])

    def _set_choice(self, person: PersonSummary | None) -> None:
        if person is None and self.chosen is None:
            return
        self.chosen = person
        self.choice.setText(f"Chosen: {describe(person)}" if person else
                            "Nobody chosen yet: Enter on a result chooses it.")
        self.chosen_changed.emit(person)
