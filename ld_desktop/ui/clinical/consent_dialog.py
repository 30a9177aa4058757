"""Record a consent decision: to the L&D assessment, or to share with one recipient."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ld_desktop.domain.age import ADULT_AGE, GILLICK_BELOW
from ld_desktop.domain.consent import ASSESSMENT_SCOPE, Capacity, Decision
from ld_desktop.domain.pathway import Recipient
from ld_desktop.services.clinical.consent import ConsentDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.form_dialog import FormDialog, InBackground, text_box

CAPACITY_LABELS = {
    Capacity.HAS_CAPACITY: "Has capacity for this decision",
    Capacity.LACKS_CAPACITY: "Lacks capacity for this decision",
    Capacity.NOT_ASSESSED: "Not assessed (no reason to doubt)",
}


def scope_label(scope: str) -> str:
    if scope == ASSESSMENT_SCOPE:
        return "The L&D assessment"
    return "Sharing with " + Recipient(scope).label


class ConsentDialog(FormDialog):
    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None,
                 scope: str = ASSESSMENT_SCOPE) -> None:
        super().__init__("Record consent", parent, "Rec&ord decision")
        self.no_default_button()    # Enter must never record a decision nobody chose
        self._session = session
        self._case = case
        age = case.age_at_referral
        self.scope = QComboBox()
        for value in (ASSESSMENT_SCOPE, *(r.value for r in Recipient)):
            self.scope.addItem(scope_label(value), value)
        self.scope.setCurrentIndex(self.scope.findData(scope))
        self.add_row("Consent &for", self.scope)
        self.recipient_name = QLineEdit()
        self.recipient_name.setPlaceholderText("e.g. the named GP practice or service")
        self.add_row("Recipient &name", self.recipient_name)
        self.decision = QComboBox()
        self.decision.addItem("Choose…", None)       # no decision is preselected
        for decision in Decision:
            self.decision.addItem(decision.label, decision.value)
        self.add_row("&Decision", self.decision)
        self.capacity = QComboBox()
        for capacity, text in CAPACITY_LABELS.items():
            self.capacity.addItem(text, capacity.value)
        self.capacity.setCurrentIndex(self.capacity.findData(Capacity.NOT_ASSESSED.value))
        self.add_row("&Capacity", self.capacity)
        self.gillick = QComboBox()
        self.gillick.addItem("Not recorded", None)
        self.gillick.addItem("Gillick competent for this decision", True)
        self.gillick.addItem("Not Gillick competent", False)
        self._asks_gillick = age is not None and age < GILLICK_BELOW
        if self._asks_gillick:
            self.add_row("&Gillick competence", self.gillick)
        else:
            self.gillick.hide()
        self.appropriate_adult = QLineEdit()
        required = age is not None and age < ADULT_AGE
        self.appropriate_adult.setPlaceholderText(
            "Required for under-18s" if required else "If one is present (vulnerable adult)")
        self.add_row("&Appropriate adult", self.appropriate_adult)
        self.reason = text_box("Why consent was declined or withdrawn", 2)
        self.add_row("&Reason", self.reason)
        self.scope.currentIndexChanged.connect(self._sync_fields)
        self.decision.currentIndexChanged.connect(self._sync_fields)
        self._sync_fields()
        self.keep_drafts(session, f"consent:{case.id}", {
            "appropriate_adult": self.appropriate_adult, "reason": self.reason,
            "recipient_name": self.recipient_name})

    def _sync_fields(self) -> None:
        other = self.scope.currentData() == Recipient.OTHER.value
        self.recipient_name.setEnabled(other)
        self.reason.setEnabled(self.decision.currentData() != Decision.GIVEN.value)

    def submit(self) -> InBackground:
        if self.decision.currentData() is None:
            raise ValueError("Choose the decision: given, declined or withdrawn.")
        draft = ConsentDraft(
            scope=self.scope.currentData(), decision=self.decision.currentData(),
            capacity=self.capacity.currentData(),
            gillick_competent=self.gillick.currentData() if self._asks_gillick else None,
            appropriate_adult=self.appropriate_adult.text().strip() or None,
            recipient_name=self.recipient_name.text().strip() or None,
            reason=self.reason.toPlainText().strip() or None)
        consent, case_id = self._session.consent, self._case.id
        return InBackground(lambda: consent.record(case_id, draft))
