"""New referral, keyboard only: find and explicitly choose a known person, or register
someone new, then the referral details. Saved in one service call (``IntakeService.refer``):
a refused referral leaves nothing behind.

Choosing a known person is an explicit act: Enter or a double-click on a result fills the
"Referring:" banner. Tabbing or arrowing through the results chooses nothing, and typing a new
person's details clears any choice (hazard H4, wrong person). The search runs off the GUI
thread, after a short pause in typing."""

from __future__ import annotations

import itertools
import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.pathway import ContactType, ReferralSource, Urgency
from ld_desktop.services.errors import is_refusal
from ld_desktop.services.intake import Intake, PossibleDuplicates
from ld_desktop.services.person_history import PersonHistoryService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView, PersonSummary
from ld_desktop.ui.intake_parts import (
    FindField,
    ReferringBanner,
    ResultsList,
    SwallowEnter,
    parse_date_of_birth,
)
from ld_desktop.ui.operations import Debounce, LatestOnly, Operation, show_failure
from ld_desktop.ui.person_history_panel import PersonHistoryPanel

#: pause in typing before the Find search runs (ms)
SEARCH_PAUSE_MS = 200


def _combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for label, value in items:
        combo.addItem(label, value)
    return combo


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


class NewReferralDialog(QDialog):
    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New referral")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._s = session
        self.created: CaseView | None = None
        self._found: list[PersonSummary] = []
        self.chosen: PersonSummary | None = None
        self._confirmed_new: PersonDraft | None = None
        self.saving: Operation | None = None    # the referral being filed, if any
        self._latest = LatestOnly(self)
        self._history_load = LatestOnly(self)
        self.finished.connect(self._latest.cancel)
        self.finished.connect(self._history_load.cancel)
        self._build()
        self._debounce = Debounce(self, SEARCH_PAUSE_MS, self.search_now)
        self.finder.textEdited.connect(self._find_edited)
        self.finder.to_results.connect(self._to_results)
        self.results.chosen.connect(self._choose_row)
        self.banner.cleared.connect(self._not_this_person)
        for edit in (self.given, self.family, self.dob, self.nhs):
            edit.textEdited.connect(self._typing_someone_new)
        self.dob_unknown.toggled.connect(self._dob_unknown_toggled)
        self.save.clicked.connect(self.submit)
        self.finder.setFocus()

    def _build(self) -> None:
        self.finder = FindField()
        self.finder.setAccessibleName("Find a known person")
        self.finder.setPlaceholderText("Name, date of birth, NHS number or custody number")
        self.results = ResultsList()
        self.results.setAccessibleName("People found: Enter or double-click to choose")
        self.results.setMaximumHeight(110)
        self.banner = ReferringBanner()
        self.history = PersonHistoryPanel()     # previous contacts and active alerts
        self.history.setAccessibleName("The chosen person's previous contacts and alerts")
        self.history.setMinimumHeight(190)
        self._no_enter = SwallowEnter(self)
        self.history.contacts.installEventFilter(self._no_enter)
        self.history.alerts.installEventFilter(self._no_enter)
        self.banner.body.addWidget(self.history)
        self.given = _line("Given name")
        self.family = _line("Family name")
        self.dob = _line("Date of birth", "dd/mm/yyyy")
        self.dob_unknown = QCheckBox("Date of birth not &known")
        self.estimated_age = _line("Estimated age in years")
        self.estimated_age.setValidator(QIntValidator(0, 130, self))
        self.estimated_age.setEnabled(False)
        self.nhs = _line("NHS number", "10 digits, if known")
        s = self._s
        self.site = _combo("Site", [(x.name, x.id) for x in s.sites])
        self.source = _combo("Referral source", [(x.label, x.value) for x in ReferralSource])
        self.contact = _combo("Arrested, voluntary attendance or court",
                              [(c.label, c.value) for c in ContactType])
        self.crn = _line("Custody record number")
        self.offences = _line("Offences, separated by semicolons")
        self.urgency = _combo("Urgency", [(u.label, u.value) for u in Urgency])
        self.reason = _line("Reason for referral")
        self.warning = QLabel("")
        self.warning.setObjectName("error")
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName("Problem")
        self.save = QPushButton("Sa&ve referral")
        self.save.setDefault(True)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        find = QFormLayout()
        find.addRow("&Find", self.finder)
        find.addRow("&People found", self.results)
        self.new_heading = QLabel("Or register someone new")
        self.new_heading.setObjectName("section")
        self.new_heading.setWordWrap(True)
        person = QFormLayout()
        person.addRow("&Given name", self.given)
        person.addRow("Famil&y name", self.family)
        person.addRow("Date of &birth", self.dob)
        person.addRow("", self.dob_unknown)
        person.addRow("Estimated &age", self.estimated_age)
        person.addRow("N&HS number", self.nhs)
        referral = QFormLayout()
        referral.addRow("S&ite", self.site)
        referral.addRow("Referral s&ource", self.source)
        referral.addRow("&Contact", self.contact)
        referral.addRow("Custody &record number", self.crn)
        referral.addRow("Offence&s", self.offences)
        referral.addRow("&Urgency", self.urgency)
        referral.addRow("R&eason", self.reason)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save)
        person_box = QVBoxLayout()
        person_box.addWidget(self.new_heading)
        person_box.addLayout(person)
        person_box.addStretch(1)
        referral_heading = QLabel("Referral")
        referral_heading.setObjectName("section")
        referral_box = QVBoxLayout()
        referral_box.addWidget(referral_heading)
        referral_box.addLayout(referral)
        columns = QHBoxLayout()
        columns.addLayout(person_box, 1)
        columns.addSpacing(16)
        columns.addLayout(referral_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(find)
        layout.addWidget(self.banner)
        layout.addLayout(columns)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)
        self.setMinimumWidth(860)
        chain = [self.finder, self.results, self.banner.not_this_person, self.history.alerts,
                 self.history.contacts, self.given, self.family, self.dob, self.dob_unknown,
                 self.estimated_age, self.nhs, self.site, self.source, self.contact, self.crn,
                 self.offences, self.urgency, self.reason, cancel, self.save]
        for before, after in itertools.pairwise(chain):
            self.setTabOrder(before, after)

    # ------------------------------------------------------------------ finding
    def _find_edited(self, _text: str) -> None:
        """Old results go at once (none can be chosen while the new search runs)."""
        self._latest.cancel()
        self._show_found([], "Searching…")
        self._debounce.trigger()

    def search_now(self) -> None:
        text = self.finder.text().strip()
        if not text:
            self._show_found([], "")
            return
        persons = self._s.persons
        self._latest.run(lambda: persons.search(text, limit=8),
                         lambda people: self._show_found(people, "No one found"),
                         lambda exc: self.warning.setText(f"The search failed: {exc}"))

    def _show_found(self, people: list[PersonSummary], empty_text: str) -> None:
        self._found = people
        self.results.show_people(people, empty_text)

    def _to_results(self) -> None:
        if self._debounce.is_pending():       # Enter straight after typing: search now
            self._debounce.stop()
            self.search_now()
        self.results.setFocus()
        if self._found and self.results.currentRow() < 0:
            self.results.setCurrentRow(0)

    def _choose_row(self, row: int) -> None:
        if 0 <= row < len(self._found):
            self.choose(self._found[row])

    def choose(self, person: PersonSummary) -> None:
        """An explicit choice of a known person: shown in the banner, new details cleared."""
        self.chosen = person
        self.banner.show_person(person)
        self.history.clear()
        self.history.heading.setText("Loading previous contacts and alerts…")
        histories = PersonHistoryService(self._s)
        self._history_load.run(
            lambda: histories.history(person.id), self.history.set_history,
            lambda exc: self.history.heading.setText(f"History could not be loaded: {exc}"))
        for edit in (self.given, self.family, self.dob, self.nhs, self.estimated_age):
            edit.clear()
        self.dob_unknown.setChecked(False)
        self.new_heading.setText("Or type a new person's details instead (this clears the "
                                 "choice above)")
        self.warning.setText("")
        self.site.setFocus()

    def _not_this_person(self) -> None:
        self._clear_choice()
        self.finder.setFocus()
        self.finder.selectAll()

    def _clear_choice(self) -> None:
        self.chosen = None
        self._history_load.cancel()
        self.history.clear()
        self.banner.hide()
        self.new_heading.setText("Or register someone new")

    def _typing_someone_new(self, _text: str) -> None:
        if self.chosen is not None:
            self._clear_choice()
            self.warning.setText("The chosen person was cleared: registering someone new.")

    def _dob_unknown_toggled(self, unknown: bool) -> None:
        self.estimated_age.setEnabled(unknown)
        if unknown:
            self.dob.clear()
            self._typing_someone_new("")
        else:
            self.estimated_age.clear()

    # ------------------------------------------------------------------ saving
    def _new_person(self) -> PersonDraft:
        if not self.given.text().strip() or not self.family.text().strip():
            raise ValueError("Choose a known person under Find (Enter on their name), or enter "
                             "a new person's given name and family name.")
        born = parse_date_of_birth(self.dob.text())
        estimated_year = None
        if born is None:
            if not self.dob_unknown.isChecked():
                raise ValueError("Enter the date of birth, or tick 'Date of birth not known' "
                                 "and give an estimated age.")
            if not self.estimated_age.text().strip():
                raise ValueError("Give an estimated age, as the date of birth is not known.")
            estimated_year = self._s.now().year - int(self.estimated_age.text())
        elif self.dob_unknown.isChecked():
            raise ValueError("Untick 'Date of birth not known', or clear the date of birth.")
        return PersonDraft(self.given.text(), self.family.text(), born,
                           nhs_number=self.nhs.text() or None,
                           estimated_birth_year=estimated_year)

    def submit(self, _checked: bool = False) -> None:
        """Read the form here, then file the referral as an operation owned by the dialog:
        Save is off while it runs (a second Enter files nothing twice), a refusal is shown
        in place with everything typed kept, and the dialog closes once it is filed."""
        if self.saving is not None:         # a second Enter or click while filing
            return
        try:
            person: uuid.UUID | PersonDraft = (self.chosen.id if self.chosen
                                                else self._new_person())
        except Exception as exc:
            if not is_refusal(exc):
                raise
            self.warning.setText(str(exc))
            return
        confirmed = isinstance(person, PersonDraft) and person == self._confirmed_new
        details = Intake(
            person=person,
            site_id=self.site.currentData(), source=self.source.currentData(),
            contact_type=self.contact.currentData(),
            custody_record_number=self.crn.text() or None,
            offences=tuple(self.offences.text().split(";")),
            urgency=self.urgency.currentData(), reason=self.reason.text() or None,
            new_person_confirmed=confirmed)
        intake = self._s.intake
        self.save.setEnabled(False)
        self.saving = Operation(self, lambda: intake.refer(details), doing="filing the referral") \
            .success(self._filed).failure(lambda exc: self._not_filed(exc, person)) \
            .run(at_once=True)

    def _filed(self, created: CaseView) -> None:
        self.saving = None
        self.save.setEnabled(True)
        self.created = created
        self.accept()

    def _not_filed(self, exc: Exception, person: uuid.UUID | PersonDraft) -> None:
        self.saving = None
        self.save.setEnabled(True)
        if isinstance(exc, PossibleDuplicates):
            # Save again registers these details (as checked), unless they are changed
            self._confirmed_new = person if isinstance(person, PersonDraft) else None
            self._show_found(exc.people, "")
            self.warning.setText(
                f"{exc} To refer one of them, choose them in People found (Enter). To register "
                "someone new with these details, press Save again.")
            self.results.setFocus()
            self.results.setCurrentRow(0)
        elif is_refusal(exc):
            self.warning.setText(str(exc))
        else:
            show_failure(self, exc, "filing the referral")
