"""Risk assessment, escalation to a clinician, and moving an escalation on."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QWidget

from ld_desktop.domain.pathway import Urgency
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.services.clinical.escalation import (
    ClinicianType,
    EscalationStatus,
    EscalationView,
)
from ld_desktop.services.clinical.risk import RiskDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.form_dialog import FormDialog, InBackground, as_date, text_box

RISK_AREAS = [("to_self", "Risk to &self"), ("to_others", "Risk to &others"),
              ("from_others", "Risk &from others"), ("to_children", "Risk to &children")]


def _level_box() -> QComboBox:
    """No level is preselected: each is a decision."""
    box = QComboBox()
    box.addItem("Choose…", None)
    for level in RiskLevel:
        box.addItem(level.value.capitalize(), level.value)
    return box


class RiskDialog(FormDialog):
    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None
                 ) -> None:
        super().__init__("Risk assessment", parent, "Record ris&k")
        self.no_default_button()    # Enter must never record an unconsidered risk
        self._session = session
        self._case = case
        self.areas: dict[str, QComboBox] = {}
        for key, label in RISK_AREAS:
            self.areas[key] = _level_box()
            self.add_row(label, self.areas[key])
        self.level = _level_box()
        self.add_row("Overall &level", self.level)
        self.rationale = text_box("What the level rests on (what was said, seen, known)")
        self.add_row("&Rationale", self.rationale)
        self.has_review = QCheckBox("Set a review date (required for high risk)")
        self.add_row("Re&view", self.has_review)
        self.review_date = QDateEdit(QDate.currentDate().addDays(1))
        self.review_date.setCalendarPopup(True)
        self.review_date.setDisplayFormat("dd/MM/yyyy")
        self.add_row("Review &date", self.review_date)
        self.level.currentIndexChanged.connect(self._level_changed)
        self.has_review.toggled.connect(self.review_date.setEnabled)
        self.review_date.setEnabled(False)
        self.keep_drafts(session, f"risk:{case.id}", {"rationale": self.rationale})

    def _level_changed(self) -> None:
        if self.level.currentData() == RiskLevel.HIGH.value:
            self.has_review.setChecked(True)

    def submit(self) -> InBackground:
        if any(box.currentData() is None for box in [*self.areas.values(), self.level]):
            raise ValueError("Choose a level for each area of risk and for the overall level.")
        review = as_date(self.review_date.date()) if self.has_review.isChecked() else None
        draft = RiskDraft(**{k: box.currentData() for k, box in self.areas.items()},
                          level=self.level.currentData(),
                          rationale=self.rationale.toPlainText(), review_date=review)
        risk, case_id = self._session.risk, self._case.id
        return InBackground(lambda: risk.record(case_id, draft))


class EscalationDialog(FormDialog):
    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None,
                 urgency: str | None = None, reason: str = "") -> None:
        super().__init__("Escalate to a clinician", parent, "Request")
        self._session = session
        self._case = case
        self.clinician = QComboBox()
        for kind in ClinicianType:
            self.clinician.addItem(kind.label, kind.value)
        self.add_row("&Clinician", self.clinician)
        self.urgency = QComboBox()
        for level in Urgency:
            self.urgency.addItem(level.label, level.value)
        if urgency:
            self.urgency.setCurrentIndex(max(0, self.urgency.findData(urgency)))
        self.add_row("&Urgency", self.urgency)
        self.reason = text_box("What the clinician needs to know")
        self.reason.setPlainText(reason)
        self.add_row("&Reason", self.reason)
        self.keep_drafts(session, f"escalation:{case.id}", {"reason": self.reason})

    def submit(self) -> InBackground:
        escalations, case_id = self._session.escalations, self._case.id
        clinician, urgency = self.clinician.currentData(), self.urgency.currentData()
        reason = self.reason.toPlainText()
        return InBackground(lambda: escalations.request(case_id, clinician, urgency, reason))


class EscalationStatusDialog(FormDialog):
    def __init__(self, session: UserSession, escalation: EscalationView,
                 parent: QWidget | None = None) -> None:
        super().__init__("Update escalation", parent, "Update")
        self._session = session
        self._escalation = escalation
        self.status = QComboBox()
        for status in EscalationStatus:
            if status.value != escalation.status:
                self.status.addItem(status.value.capitalize(), status.value)
        self.add_row("New &status", self.status)
        self.outcome = text_box("Outcome (required when completed or declined)")
        self.add_row("&Outcome", self.outcome)

    def submit(self) -> InBackground:
        escalations, escalation_id = self._session.escalations, self._escalation.id
        status, outcome = self.status.currentData(), self.outcome.toPlainText().strip() or None
        return InBackground(lambda: escalations.set_status(escalation_id, status, outcome))
