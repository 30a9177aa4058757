"""Correct a person's details: every field the record has, typed by keyboard, opening in the
given name. Only what is changed is saved; a bad value is explained and nothing typed is
lost. NHS ethnic category and sex come from the code lists in resources/codes.

The form is read on the GUI thread (a date it cannot read is explained at once) and saved as
an operation owned by the dialog (``InBackground``): Save is off while it runs, a refusal
(a wrong check digit, a record changed elsewhere) is shown with everything typed kept, and
the dialog closes once it is saved. What is changed and not saved is kept as the user's draft
(``keep_changes``): a lock loses nothing, and the changes are offered back next time."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from ld_desktop.domain.nhs_number import formatted
from ld_desktop.domain.pathway import Gender
from ld_desktop.services.person_codes import ethnic_categories, sex_codes
from ld_desktop.services.person_edits import PersonEditService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import PersonView
from ld_desktop.ui.clinical.form_dialog import InBackground, text_box
from ld_desktop.ui.records.first_field import FirstFieldDialog


def parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise ValueError(f"Enter the date of birth as dd/mm/yyyy (not {text!r}), "
                         "or leave it empty if not known.") from None


def _combo(items: list[tuple[str, str]], current: str) -> QComboBox:
    combo = QComboBox()
    for code, label in items:
        combo.addItem(label, code)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class PersonEditDialog(FirstFieldDialog):
    def __init__(self, session: UserSession, person: PersonView,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Correct details: {person.display_name}", parent, "Save changes")
        self._service = PersonEditService(session)
        self._person = person
        self.given = QLineEdit(person.given_name)
        self.family = QLineEdit(person.family_name)
        self.dob = QLineEdit(f"{person.date_of_birth:%d/%m/%Y}" if person.date_of_birth else "")
        self.dob.setPlaceholderText("dd/mm/yyyy, or empty if not known")
        self.aliases = text_box("One name a line", 2)
        self.aliases.setPlainText("\n".join(person.aliases))
        self.sex = _combo([(c.code, c.label) for c in sex_codes()], person.sex)
        self.gender = _combo([(g.value, g.label) for g in Gender], person.gender)
        self.ethnicity = _combo([(c.code, f"{c.code}: {c.label}") for c in ethnic_categories()],
                                person.ethnic_category)
        self.nhs = QLineEdit(formatted(person.nhs_number) if person.nhs_number else "")
        self.nhs.setPlaceholderText("10 digits; checked, and unverified until traced")
        self.address = text_box("Address", 2)
        self.address.setPlainText(person.address or "")
        self.no_fixed_abode = QCheckBox("No fixed abode")
        self.no_fixed_abode.setChecked(person.no_fixed_abode)
        self.gp = QLineEdit(person.gp_practice or "")
        self.communication = QLineEdit(person.communication_needs or "")
        self.interpreter = QLineEdit(person.interpreter_language or "")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Optional: where the correction comes from")
        for label, widget in (
            ("&Given name", self.given), ("&Family name", self.family),
            ("Date of &birth", self.dob), ("Also &known as", self.aliases),
            ("Se&x", self.sex), ("G&ender", self.gender), ("E&thnic category", self.ethnicity),
            ("&NHS number", self.nhs), ("&Address", self.address),
            ("", self.no_fixed_abode), ("G&P practice", self.gp),
            ("Co&mmunication needs", self.communication), ("&Interpreter", self.interpreter),
            ("&Reason", self.reason),
        ):
            if label:
                self.add_row(label, widget)
            else:
                self.form.addRow(widget)
        self.first_field = self.given
        self.keep_changes(session, f"person-details:{person.id}", {
            "given": self.given, "family": self.family, "dob": self.dob,
            "aliases": self.aliases, "sex": self.sex, "gender": self.gender,
            "ethnicity": self.ethnicity, "nhs": self.nhs, "address": self.address,
            "no_fixed_abode": self.no_fixed_abode, "gp": self.gp,
            "communication": self.communication, "interpreter": self.interpreter,
            "reason": self.reason})

    def draft(self) -> PersonDraft:
        aliases = tuple(a for a in self.aliases.toPlainText().splitlines() if a.strip())
        return PersonDraft(
            given_name=self.given.text(), family_name=self.family.text(),
            date_of_birth=parse_date(self.dob.text()), gender=str(self.gender.currentData()),
            nhs_number=self.nhs.text() or None,
            ethnic_category=str(self.ethnicity.currentData()), aliases=aliases,
            address=self.address.toPlainText(), no_fixed_abode=self.no_fixed_abode.isChecked(),
            communication_needs=self.communication.text(),
            interpreter_language=self.interpreter.text(),
            parent_carer=self._person.parent_carer, gp_practice=self.gp.text(),
            sex=str(self.sex.currentData()),
        )

    def submit(self) -> InBackground:
        service, person, draft = self._service, self._person, self.draft()
        reason = self.reason.text()
        return InBackground(lambda: service.edit(person, draft, reason))
