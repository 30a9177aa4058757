"""The person record and the case view (opening either is audited as a view by services)."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.nhs_number import formatted
from ld_desktop.domain.pathway import ETHNIC_CATEGORIES, ContactType, Stage, Urgency
from ld_desktop.domain.vulnerabilities import label as flag_label
from ld_desktop.services.cases import CaseFilter
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView, PersonView
from ld_desktop.ui.models.case_table import waiting

CLINICAL_ACTIONS = ["Consent", "Screening", "Risk", "Escalate", "Refer", "Share", "Outcome"]


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


class CasePage(QWidget):
    def __init__(self, case: CaseView) -> None:
        super().__init__()
        self.setObjectName("page")
        person = case.person
        title = QLabel(f"{person.display_name}" + ("  ·  YOUNG PERSON" if case.is_youth else ""))
        title.setObjectName("title")
        age = f"{case.age_at_referral} years" if case.age_at_referral is not None else "age unknown"
        header = QLabel(
            f"{age} · {case.site.name} · {Stage(case.stage).label} · "
            f"{ContactType(case.contact_type).label} · urgency {Urgency(case.urgency).label} · "
            f"waiting {waiting(case.referral_time, datetime.now(UTC))}"
            + (f" · custody record {case.custody_record_number}"
               if case.custody_record_number else ""))
        header.setObjectName("subtitle")
        header.setWordWrap(True)
        named = (["HIGH RISK"] if case.risk_level == "high" else []) + [
            flag_label(f) for f in case.flags]
        flags = QLabel("Flags: " + (", ".join(named) or "none yet"))
        flags.setObjectName("flag")
        late = QLabel("Overdue: " + "; ".join(case.breaches)) if case.breaches else None
        if late:
            late.setObjectName("error")
        actions = QHBoxLayout()
        for name in CLINICAL_ACTIONS:   # the clinical workflow (issue 5) fills these in
            button = QPushButton(name)
            button.setEnabled(False)
            button.setAccessibleName(f"{name} (coming next)")
            button.setToolTip("The clinical workflow is the next piece of work")
            actions.addWidget(button)
        actions.addStretch(1)
        timeline = QListWidget()
        timeline.setAccessibleName("Case timeline")
        for entry in case.timeline:
            who = f" · {entry.by}" if entry.by else ""
            timeline.addItem(f"{entry.at.astimezone():%d/%m/%Y %H:%M}  {entry.summary}{who}")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(header)
        layout.addWidget(flags)
        if late:
            layout.addWidget(late)
        if case.offences:
            layout.addWidget(QLabel("Offences: " + "; ".join(case.offences)))
        layout.addLayout(actions)
        layout.addWidget(QLabel("Timeline"))
        layout.addWidget(timeline)
