"""“Find at another site…”: look a person up on the sync server by exact NHS number, or
surname, given name and date of birth, for one of my open cases. Needs the network, and
says so plainly when it cannot reach the server. Keyboard: Tab through the fields, Enter
looks up, Esc closes.

The open cases a lookup can be for are read as the dialog opens, in the background
(``read_before_use``): "Loading…" with the fields and Look up off until they are back. The
lookup itself is an operation owned by the dialog, with Look up off while it runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from ld_desktop.services.person_lookup import (
    CaseChoice,
    LookupOutcome,
    LookupUnavailable,
    PersonLookupService,
)
from ld_desktop.services.session import UserSession
from ld_desktop.ui.opening_read import read_before_use
from ld_desktop.ui.operations import run_in_background

ServiceFactory = Callable[[UserSession], PersonLookupService]


class PersonLookupDialog(QDialog):
    def __init__(self, session: UserSession, service: ServiceFactory = PersonLookupService,
                 parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setWindowTitle("Find a person at another site")
        self._service = service(session)
        intro = QLabel("Looks the person up on the sync server, for one of your open cases. "
                       "Exact matches only. The lookup is recorded, with your name and "
                       "reason, in the person's audit.")
        intro.setWordWrap(True)
        self.case = QComboBox()
        self.case.setAccessibleName("Case")
        self._cases: list[CaseChoice] = []
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("e.g. says they were seen at York custody last year")
        self.nhs_number = QLineEdit()
        self.nhs_number.setAccessibleName("NHS number")
        self.family_name = QLineEdit()
        self.family_name.setAccessibleName("Surname")
        self.given_name = QLineEdit()
        self.given_name.setAccessibleName("Given name")
        self.date_of_birth = QLineEdit()
        self.date_of_birth.setAccessibleName("Date of birth")
        self.date_of_birth.setPlaceholderText("dd/mm/yyyy")
        form = QFormLayout()
        form.addRow("&Case", self.case)
        form.addRow("&Reason", self.reason)
        form.addRow("&NHS number", self.nhs_number)
        form.addRow(QLabel("or all three of:"))
        form.addRow("&Surname", self.family_name)
        form.addRow("&Given name", self.given_name)
        form.addRow("&Date of birth", self.date_of_birth)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Lookup result")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.look_up_button = buttons.addButton("&Look up",
                                                QDialogButtonBox.ButtonRole.ActionRole)
        self.look_up_button.clicked.connect(self.look_up)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.look_up_button.setDefault(True)   # Enter looks up (once the button is ours)
        self.opening = read_before_use(
            self, self._service.cases, self._cases_back,
            waiting=[self.case, self.reason, self.nhs_number, self.family_name,
                     self.given_name, self.date_of_birth, self.look_up_button],
            status=self.message, loading="Loading… (your open cases)",
            doing="reading your open cases")

    def _cases_back(self, cases: list[CaseChoice]) -> None:
        self._cases = cases
        for choice in cases:
            self.case.addItem(choice.label)
        self.message.show()   # the line now says how lookups went
        if not cases:
            self.message.setText("You have no open case at your sites to look a person up "
                                 "for.")
            self.look_up_button.setEnabled(False)

    def look_up(self) -> None:
        if not self._cases:
            return
        try:
            born = _uk_date(self.date_of_birth.text())
        except ValueError:
            self.message.setText("Date of birth: use dd/mm/yyyy, e.g. 02/01/1990.")
            self.date_of_birth.setFocus()
            return
        case = self._cases[self.case.currentIndex()]
        service = self._service
        reason, number = self.reason.text(), self.nhs_number.text()
        family, given = self.family_name.text(), self.given_name.text()
        self.look_up_button.setEnabled(False)
        self.message.setText("Looking up on the sync server…")
        run_in_background(
            lambda: service.find(case, reason, nhs_number=number, family_name=family,
                                 given_name=given, date_of_birth=born),
            self._found, self._failed, owner=self)

    def _found(self, outcome: LookupOutcome) -> None:
        self.look_up_button.setEnabled(True)
        if outcome.too_many:
            text = "Too many people match: nothing was shared. Use the NHS number."
        elif not outcome.found:
            text = "No one at another site matches exactly. The lookup was recorded."
        else:
            text = "Found and now shared with your site: " + "; ".join(outcome.found) + "."
            if not outcome.synced:
                text += " They arrive on this workstation with the next sync."
            else:
                text += (" They are on this workstation now: a new referral offers them "
                         "as a possible match.")
        self.message.setText(text)

    def _failed(self, exc: Exception) -> None:
        self.look_up_button.setEnabled(True)
        if isinstance(exc, LookupUnavailable | ValueError):
            self.message.setText(str(exc))
        else:
            self.message.setText(f"The lookup failed: {exc}")


def _uk_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    return datetime.strptime(text, "%d/%m/%Y").date()
