"""Record the outcome and close the case. Closing with anything still open (a pending
escalation, a referral awaiting an answer) needs a reason, which is kept with the case.
What is still open is read in the background when the dialog opens."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from ld_desktop.domain.pathway import Disposal
from ld_desktop.services.clinical.outcome import OpenItems, OutcomeDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.form_dialog import FormDialog, InBackground, text_box
from ld_desktop.ui.operations import Operation, show_failure

DIVERSION_OUTCOMES = ["", "Diverted to health or social care", "Diverted with a condition",
                      "Information shared to inform charge/sentence", "No diversion needed",
                      "Declined support"]


class OutcomeDialog(FormDialog):
    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None
                 ) -> None:
        super().__init__("Outcome and closure", parent, "&Close case")
        self.no_default_button()    # Enter must never close a case (closing cannot be undone)
        self._session = session
        self._case = case
        self.disposal = QComboBox()
        self.disposal.addItem("Choose…", None)       # no disposal is preselected
        for disposal in Disposal:
            self.disposal.addItem(disposal.label, disposal.value)
        self.add_row("&Disposal", self.disposal)
        self.diversion = QComboBox()
        self.diversion.setEditable(True)
        self.diversion.addItems(DIVERSION_OUTCOMES)
        self.add_row("Di&version outcome", self.diversion)
        self.detail = QLineEdit()
        self.add_row("De&tail", self.detail)
        self.open_items = QLabel("Checking what is still open on this case…")
        self.open_items.setWordWrap(True)
        self.form.addRow(self.open_items)
        self.reason = text_box("Why the case can close with these still open", 2)
        self.reason.setEnabled(False)
        self.add_row("&Reason", self.reason)
        self.keep_drafts(session, f"outcome:{case.id}", {"detail": self.detail,
                                                         "reason": self.reason})
        outcomes, case_id = session.outcomes, case.id
        self.checking: Operation | None = Operation(
            self, lambda: outcomes.open_items(case_id), doing="checking what is still open") \
            .success(self._show_open_items).failure(self._not_checked).run()

    def _show_open_items(self, open_items: list[str]) -> None:
        """What is still open (read in the background, owned by the dialog). Closing before
        it is back is still checked by the service, which asks for a reason."""
        self.checking = None
        self.open_items.setText("Still open: " + "; ".join(open_items) if open_items
                                else "Nothing is left open on this case.")
        self.open_items.setObjectName("error" if open_items else "")
        self.open_items.style().unpolish(self.open_items)
        self.open_items.style().polish(self.open_items)
        self.reason.setEnabled(bool(open_items) or bool(self.reason.toPlainText().strip()))

    def _not_checked(self, exc: Exception) -> None:
        self.checking = None
        self.open_items.setText("What is still open could not be checked; closing will "
                                "ask for a reason if anything is.")
        self.reason.setEnabled(True)
        show_failure(self, exc, "checking what is still open")

    def submit(self) -> InBackground:
        if self.disposal.currentData() is None:
            raise ValueError("Choose the disposal before closing the case.")
        draft = OutcomeDraft(self.disposal.currentData(), self.diversion.currentText(),
                             self.detail.text().strip() or None)
        outcomes, case_id = self._session.outcomes, self._case.id
        reason = self.reason.toPlainText().strip() or None

        def close() -> OutcomeDraft:
            outcomes.close(case_id, draft, reason)
            return draft
        return InBackground(close)

    def _refused(self, exc: Exception) -> None:
        super()._refused(exc)
        if isinstance(exc, OpenItems):      # something is still open: a reason is needed
            self.reason.setEnabled(True)
            self.reason.setFocus()
