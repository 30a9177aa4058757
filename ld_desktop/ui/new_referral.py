"""New referral, keyboard only: find or register the person, then the referral details.
A possible duplicate is shown before registering someone who looks already known."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from ld_desktop.domain import nhs_number
from ld_desktop.domain.pathway import ContactType, ReferralSource, Urgency
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.errors import StoreError
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView, PersonSummary


def _combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for label, value in items:
        combo.addItem(label, value)
    return combo


class NewReferralDialog(QDialog):
    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setWindowTitle("New referral")
        self._s = session
        self.created: CaseView | None = None
        self._matches: list[PersonSummary] = []
        self.finder = QLineEdit()
        self.finder.setAccessibleName("Find a known person")
        self.finder.setPlaceholderText("Name, date of birth, NHS number or custody number")
        self.matches = QListWidget()
        self.matches.setAccessibleName("People found")
        self.matches.setMaximumHeight(90)
        self.given = QLineEdit()
        self.given.setAccessibleName("Given name")
        self.family = QLineEdit()
        self.family.setAccessibleName("Family name")
        self.dob = QDateEdit()
        self.dob.setAccessibleName("Date of birth")
        self.dob.setDisplayFormat("dd/MM/yyyy")
        self.dob.setDate(QDate(1990, 1, 1))
        self.dob_known = QCheckBox("Date of birth known")
        self.dob_known.setChecked(True)
        self.nhs = QLineEdit()
        self.nhs.setAccessibleName("NHS number")
        self.site = _combo("Site", [(s.name, s.id) for s in session.sites])
        self.source = _combo("Referral source", [(s.label, s.value) for s in ReferralSource])
        self.contact = _combo("Arrested, voluntary attendance or court",
                              [(c.label, c.value) for c in ContactType])
        self.crn = QLineEdit()
        self.crn.setAccessibleName("Custody record number")
        self.offences = QLineEdit()
        self.offences.setAccessibleName("Offences, separated by semicolons")
        self.urgency = _combo("Urgency", [(u.label, u.value) for u in Urgency])
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for referral")
        self.warning = QLabel("")
        self.warning.setObjectName("error")
        self.warning.setWordWrap(True)
        self.save = QPushButton("Save referral")
        self.save.setDefault(True)
        form = QFormLayout()
        form.addRow("&Find", self.finder)
        form.addRow("", self.matches)
        form.addRow("&Given name", self.given)
        form.addRow("Famil&y name", self.family)
        form.addRow("Date of &birth", self.dob)
        form.addRow("", self.dob_known)
        form.addRow("&NHS number", self.nhs)
        form.addRow("S&ite", self.site)
        form.addRow("Referral s&ource", self.source)
        form.addRow("&Contact", self.contact)
        form.addRow("Custody &record number", self.crn)
        form.addRow("O&ffences", self.offences)
        form.addRow("&Urgency", self.urgency)
        form.addRow("R&eason", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.save)
        self.finder.textChanged.connect(self._search)
        self.matches.currentRowChanged.connect(self._pick)
        self.save.clicked.connect(self.submit)
        self._picked: PersonSummary | None = None

    def _search(self, text: str) -> None:
        self._matches = self._s.persons.search(text, limit=8) if text.strip() else []
        self.matches.clear()
        for p in self._matches:
            born = f"{p.date_of_birth:%d/%m/%Y}" if p.date_of_birth else "DOB unknown"
            self.matches.addItem(f"{p.display_name} · {born}")

    def _pick(self, row: int) -> None:
        self._picked = self._matches[row] if 0 <= row < len(self._matches) else None
        if self._picked:
            self.given.setText(self._picked.given_name)
            self.family.setText(self._picked.family_name)

    def _draft(self) -> PersonDraft:
        born = self.dob.date()
        return PersonDraft(
            self.given.text(), self.family.text(),
            date(born.year(), born.month(), born.day()) if self.dob_known.isChecked() else None,
            nhs_number=self.nhs.text() or None)

    def submit(self, _checked: bool = False, *, confirm_new: bool = False) -> None:
        try:
            if self._picked is not None:
                person_id = self._picked.id
            else:
                draft = self._draft()
                if draft.nhs_number and not nhs_number.is_valid(draft.nhs_number):
                    nhs_number.normalise(draft.nhs_number)   # raises with the reason
                duplicates = self._s.persons.possible_duplicates(draft)
                if duplicates and not confirm_new:
                    names = "; ".join(d.display_name for d in duplicates[:3])
                    self.warning.setText(f"Possible duplicate: {names}. Pick them under Find, "
                                         "or press Save again to register someone new.")
                    self.save.clicked.disconnect()
                    self.save.clicked.connect(lambda: self.submit(confirm_new=True))
                    return
                person_id = self._s.persons.register(draft, self.site.currentData()).id
            self.created = self._s.cases.new_referral(ReferralDraft(
                person_id=person_id, site_id=self.site.currentData(),
                source=self.source.currentData(), contact_type=self.contact.currentData(),
                custody_record_number=self.crn.text() or None,
                offences=tuple(self.offences.text().split(";")),
                urgency=self.urgency.currentData(), reason=self.reason.text() or None))
        except (ValueError, PermissionError, StoreError) as exc:
            self.warning.setText(str(exc))
            return
        self.accept()
