"""Onward referral from the service directory, its status, and support actions."""

from __future__ import annotations

from datetime import UTC, datetime, time

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QLineEdit, QTimeEdit, QWidget

from ld_desktop.services.clinical.referrals import ReferralStatus, ReferralView
from ld_desktop.services.service_directory import load_directory
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.form_dialog import FormDialog, InBackground, as_date, text_box


def _date_box(days_ahead: int) -> QDateEdit:
    box = QDateEdit(QDate.currentDate().addDays(days_ahead))
    box.setCalendarPopup(True)
    box.setDisplayFormat("dd/MM/yyyy")
    return box


class ReferralDialog(FormDialog):
    """Youth-only services are offered only to 10-17s; adult cases see the rest."""

    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None,
                 service_code: str | None = None) -> None:
        super().__init__("Refer to a service", parent, "Make referral")
        self._session = session
        self._case = case
        self.service = QComboBox()
        for entry in load_directory():
            if entry.youth and not case.is_youth:
                continue
            self.service.addItem(entry.name, entry.code)
        if service_code:
            self.service.setCurrentIndex(max(0, self.service.findData(service_code)))
        self.add_row("&Service", self.service)
        self.other_name = QLineEdit()
        self.other_name.setPlaceholderText("Name the service (for Other)")
        self.add_row("&Other service", self.other_name)
        self.has_appointment = QCheckBox("An appointment is booked")
        self.add_row("&Appointment", self.has_appointment)
        self.appointment = _date_box(7)
        self.appointment.setEnabled(False)
        self.has_appointment.toggled.connect(self.appointment.setEnabled)
        self.add_row("Appointment da&te", self.appointment)
        self.detail = text_box("What was agreed, who to contact")
        self.add_row("&Detail", self.detail)
        self.keep_drafts(session, f"referral:{case.id}", {"detail": self.detail,
                                                          "other": self.other_name})
        self.ask_before_discarding("Discard this referral?")

    def submit(self) -> InBackground:
        appointment = (as_date(self.appointment.date())
                       if self.has_appointment.isChecked() else None)
        referrals, case_id, service = (self._session.referrals, self._case.id,
                                       self.service.currentData())
        other_name, detail = self.other_name.text().strip() or None, self.detail.toPlainText()
        return InBackground(lambda: referrals.make(case_id, service, other_name=other_name,
                                                   appointment_on=appointment, detail=detail))


class ReferralStatusDialog(FormDialog):
    def __init__(self, session: UserSession, referral: ReferralView,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Referral to {referral.service_name}", parent, "Update")
        self._session = session
        self._referral = referral
        self.status = QComboBox()
        for status in ReferralStatus:
            if status.value != referral.status:
                self.status.addItem(status.label, status.value)
        self.add_row("New &status", self.status)

    def submit(self) -> InBackground:
        referrals, referral_id = self._session.referrals, self._referral.id
        status = self.status.currentData()
        return InBackground(lambda: referrals.set_status(referral_id, status))


class SupportActionDialog(FormDialog):
    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None
                 ) -> None:
        super().__init__("Support action or follow-up", parent, "Add")
        self._session = session
        self._case = case
        self.description = QLineEdit()
        self.description.setPlaceholderText("e.g. Accompany to CMHT appointment")
        self.add_row("&Action", self.description)
        self.has_due = QCheckBox("Has a due date")
        self.has_due.setChecked(True)
        self.add_row("D&ue", self.has_due)
        self.due_date = _date_box(1)
        self.add_row("Due &date", self.due_date)
        self.due_time = QTimeEdit()
        self.due_time.setDisplayFormat("HH:mm")
        self.due_time.setTime(self.due_time.time().fromString("12:00", "HH:mm"))
        self.add_row("Due &time", self.due_time)
        self.has_due.toggled.connect(self.due_date.setEnabled)
        self.has_due.toggled.connect(self.due_time.setEnabled)

    def submit(self) -> InBackground:
        due = None
        if self.has_due.isChecked():
            local = datetime.combine(as_date(self.due_date.date()),
                                     time.fromisoformat(self.due_time.time().toString("HH:mm")))
            due = local.astimezone().astimezone(UTC)
        referrals, case_id = self._session.referrals, self._case.id
        description = self.description.text()
        return InBackground(lambda: referrals.add_action(case_id, description, due))
