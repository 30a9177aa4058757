"""The person record (opening it is audited as a view by services). The case view is in
ui/clinical/case_page.py.

The page is a column of titled sections; another part of the app adds its own with
``add_section`` (e.g. a score tracker) without touching this layout."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.nhs_number import formatted
from ld_desktop.services.person_codes import ethnic_category_label, sex_label
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import PersonView
from ld_desktop.ui.person_history_panel import PersonHistoryPanel


def person_details_form(person: PersonView) -> QFormLayout:
    nhs = "none recorded"
    if person.nhs_number:
        nhs = formatted(person.nhs_number) + (
            "" if person.nhs_number_status == "verified" else "  (unverified: not traced)")
    form = QFormLayout()
    form.addRow("Date of birth", QLabel(f"{person.date_of_birth:%d/%m/%Y}"
                                        if person.date_of_birth else "not known"))
    form.addRow("NHS number", QLabel(nhs))
    form.addRow("Sex", QLabel(sex_label(person.sex)))
    form.addRow("Gender", QLabel(person.gender.replace("-", " ")))
    form.addRow("Ethnic category", QLabel(ethnic_category_label(person.ethnic_category)))
    form.addRow("Also known as", QLabel(", ".join(person.aliases) or "none"))
    form.addRow("Address", QLabel("No fixed abode" if person.no_fixed_abode
                                  else person.address or "not recorded"))
    form.addRow("GP practice", QLabel(person.gp_practice or "not recorded"))
    form.addRow("Communication needs", QLabel(person.communication_needs or "none recorded"))
    form.addRow("Interpreter", QLabel(person.interpreter_language or "not needed"))
    if person.parent_carer:
        form.addRow("Parent or carer", QLabel(person.parent_carer))
    return form


class PersonPage(QWidget):
    open_case = Signal(object)

    def __init__(self, session: UserSession, person: PersonView) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self.person = person
        title = QLabel(person.display_name)
        title.setObjectName("title")
        self.action_row = QHBoxLayout()        # buttons acting on the person
        self.history = PersonHistoryPanel(session)
        self.history.show_person(person.id)
        self.history.open_case.connect(self.open_case.emit)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(title)
        self._layout.addLayout(self.action_row)
        self._layout.addLayout(person_details_form(person))
        self.add_section("Previous contacts and alerts", self.history)

    def add_section(self, heading: str, widget: QWidget) -> None:
        """A titled block at the foot of the page."""
        label = QLabel(heading)
        label.setObjectName("subtitle")
        self._layout.addWidget(label)
        self._layout.addWidget(widget)
