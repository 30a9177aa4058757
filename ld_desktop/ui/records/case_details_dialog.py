"""Correct a case's details (urgency, custody number, offences, who holds it), opening in the
first field; only what is changed is saved, with the old value kept in the timeline."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ld_desktop.domain.pathway import Urgency
from ld_desktop.services.case_edits import CaseDetailsDraft, CaseEditService
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.form_dialog import text_box
from ld_desktop.ui.records.first_field import FirstFieldDialog


class CaseDetailsDialog(FirstFieldDialog):
    def __init__(self, session: UserSession, case: CaseView,
                 parent: QWidget | None = None) -> None:
        super().__init__("Correct case details", parent, "Save changes")
        self._service = CaseEditService(session)
        self._case = case
        self.urgency = QComboBox()
        for u in Urgency:
            self.urgency.addItem(u.label, u.value)
        self.urgency.setCurrentIndex(self.urgency.findData(case.urgency))
        self.custody = QLineEdit(case.custody_record_number or "")
        self.offences = text_box("One offence a line", 3)
        self.offences.setPlainText("\n".join(case.offences))
        self.holder = QComboBox()
        self.holder.addItem("Nobody (unallocated)", None)
        for username, name in self._service.holders():
            self.holder.addItem(f"{name} ({username})", username)
        if case.holder and self.holder.findData(case.holder) < 0:
            self.holder.addItem(case.holder, case.holder)     # someone no longer listed
        self.holder.setCurrentIndex(max(0, self.holder.findData(case.holder)))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Optional: why it is corrected")
        self.add_row("&Urgency", self.urgency)
        self.add_row("&Custody number", self.custody)
        self.add_row("O&ffences", self.offences)
        self.add_row("&Held by", self.holder)
        self.add_row("&Reason", self.reason)
        self.first_field = self.urgency

    def submit(self) -> Any:
        offences = tuple(o for o in self.offences.toPlainText().splitlines() if o.strip())
        draft = CaseDetailsDraft(str(self.urgency.currentData()), self.custody.text(), offences,
                                 self.holder.currentData())
        return self._service.edit_details(self._case, draft, self.reason.text())
