"""The person record (opening it is audited as a view by services). The case view is in
ui/clinical/case_page.py."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.nhs_number import formatted
from ld_desktop.domain.pathway import ETHNIC_CATEGORIES, Stage
from ld_desktop.domain.roles import Permission
from ld_desktop.services.cases import CaseFilter
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import PersonView
from ld_desktop.ui.clinical.score_tracker import person_score_tracker


class PersonPage(QWidget):
    open_case = Signal(object)

    def __init__(self, session: UserSession, person: PersonView) -> None:
        super().__init__()
        self.setObjectName("page")
        title = QLabel(person.display_name)
        title.setObjectName("title")
        nhs = "none recorded"
        if person.nhs_number:
            nhs = formatted(person.nhs_number) + (
                "" if person.nhs_number_status == "verified" else "  (unverified: not traced)")
        form = QFormLayout()
        form.addRow("Date of birth", QLabel(f"{person.date_of_birth:%d/%m/%Y}"
                                            if person.date_of_birth else "not known"))
        form.addRow("NHS number", QLabel(nhs))
        form.addRow("Gender", QLabel(person.gender.replace("-", " ")))
        form.addRow("Ethnic category", QLabel(ETHNIC_CATEGORIES.get(person.ethnic_category, "")))
        form.addRow("Also known as", QLabel(", ".join(person.aliases) or "none"))
        form.addRow("Address", QLabel("No fixed abode" if person.no_fixed_abode
                                      else person.address or "not recorded"))
        form.addRow("Communication needs", QLabel(person.communication_needs or "none recorded"))
        form.addRow("Interpreter", QLabel(person.interpreter_language or "not needed"))
        if person.parent_carer:
            form.addRow("Parent or carer", QLabel(person.parent_carer))
        contacts = QListWidget()
        contacts.setAccessibleName("Previous contacts")
        self._cases = session.cases.page(CaseFilter(person_id=person.id), 0, 500)
        for row in self._cases:
            contacts.addItem(f"{row.referral_time.astimezone():%d/%m/%Y} · {row.site_name} · "
                             f"{Stage(row.stage).label}")
        contacts.itemActivated.connect(
            lambda item: self.open_case.emit(self._cases[contacts.row(item)].id))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(QLabel("Contacts with the service (all cases)"))
        layout.addWidget(contacts)
        layout.addWidget(person_score_tracker(session, person.id))   # issue 15: tracker
        self._session, self._person = session, person
        if session.can(Permission.VIEW_AUDIT):   # seniors: who looked at this person
            from ld_desktop.ui.access_history import history_button

            layout.addWidget(history_button(self.show_access_history))

    def show_access_history(self) -> None:
        from ld_desktop.ui.access_history import AccessHistoryDialog

        entries = self._session.maintenance.access_history(person_id=self._person.id)
        self.history_dialog = AccessHistoryDialog(
            f"Access history: {self._person.display_name}", entries, self)
        self.history_dialog.open()
