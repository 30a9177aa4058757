"""Correct a case's details (urgency, custody number, offences, who holds it), opening in the
first field; only what is changed is saved, with the old value kept in the timeline.

Who can hold a case is read as the dialog opens, in the background (``read_before_use``):
"Loading…" with the fields and Save off until it is back. The correction is saved as an
operation owned by the dialog (``InBackground``): Save is off while it runs, a refusal is
shown with everything typed kept, and the dialog closes once it is saved. Once it has loaded,
what is changed and not saved is kept as the user's draft (``keep_changes``) and offered back
when the dialog opens again."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from ld_desktop.domain.pathway import Urgency
from ld_desktop.services.case_edits import CaseDetailsDraft, CaseEditService
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.form_dialog import InBackground, text_box
from ld_desktop.ui.opening_read import read_before_use
from ld_desktop.ui.records.first_field import FirstFieldDialog


class CaseDetailsDialog(FirstFieldDialog):
    def __init__(self, session: UserSession, case: CaseView,
                 parent: QWidget | None = None) -> None:
        super().__init__("Correct case details", parent, "Save changes")
        self._service = CaseEditService(session)
        self._case = case
        self._session = session
        self.loading = QLabel()
        self.loading.setWordWrap(True)
        self.loading.setAccessibleName("Loading")
        self.form.addRow(self.loading)
        self.urgency = QComboBox()
        for u in Urgency:
            self.urgency.addItem(u.label, u.value)
        self.urgency.setCurrentIndex(self.urgency.findData(case.urgency))
        self.custody = QLineEdit(case.custody_record_number or "")
        self.offences = text_box("One offence a line", 3)
        self.offences.setPlainText("\n".join(case.offences))
        self.holder = QComboBox()
        self.holder.addItem(case.holder or "Nobody (unallocated)", case.holder)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Optional: why it is corrected")
        self.add_row("&Urgency", self.urgency)
        self.add_row("&Custody number", self.custody)
        self.add_row("O&ffences", self.offences)
        self.add_row("&Held by", self.holder)
        self.add_row("&Reason", self.reason)
        self.first_field = self.urgency
        self.loaded = False
        service = self._service
        self.opening = read_before_use(
            self, service.holders, self._holders_back,
            waiting=[self.urgency, self.custody, self.offences, self.holder, self.reason,
                     self.save_button],
            status=self.loading, loading="Loading\u2026 (who can hold the case)",
            doing="reading who can hold the case")

    def _holders_back(self, holders: list[tuple[str, str]]) -> None:
        held_by = self._case.holder
        self.holder.clear()
        self.holder.addItem("Nobody (unallocated)", None)
        for username, name in holders:
            self.holder.addItem(f"{name} ({username})", username)
        if held_by and self.holder.findData(held_by) < 0:
            self.holder.addItem(held_by, held_by)     # someone no longer listed
        self.holder.setCurrentIndex(max(0, self.holder.findData(held_by)))
        self.loaded = True
        # the fields are as the case is now: changes from here on are kept as a draft
        self.keep_changes(self._session, f"case-details:{self._case.id}", {
            "urgency": self.urgency, "custody": self.custody, "offences": self.offences,
            "holder": self.holder, "reason": self.reason})

    def submit(self) -> InBackground:
        if not self.loaded:
            raise ValueError("The case details are still loading; nothing is saved yet.")
        offences = tuple(o for o in self.offences.toPlainText().splitlines() if o.strip())
        draft = CaseDetailsDraft(str(self.urgency.currentData()), self.custody.text(), offences,
                                 self.holder.currentData())
        service, case, reason = self._service, self._case, self.reason.text()
        return InBackground(lambda: service.edit_details(case, draft, reason))
