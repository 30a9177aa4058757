"""The Screening place: screenings at my sites still needing someone, either a draft to
finish or a completed result awaiting sign-off; for seniors, escalations to clinicians still
waiting at their sites. Enter opens the case."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QListWidget, QVBoxLayout

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.escalation import ClinicianType, EscalationView
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.ui.page import PageWidget


class ScreeningPage(PageWidget):
    title = "Screening"

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._session = session
        title = QLabel(self.title)
        title.setObjectName("title")
        hint = QLabel("Drafts to finish and results awaiting sign-off at your sites. "
                      "Press Enter to open the case; new screenings start from a case.")
        hint.setObjectName("subtitle")
        hint.setWordWrap(True)
        self.listing = QListWidget()
        self.listing.setAccessibleName("Screenings needing attention")
        self.listing.itemActivated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.listing)
        self.escalations: list[EscalationView] = []
        self.escalation_list: QListWidget | None = None
        if session.can(Permission.REVIEW_ESCALATIONS):
            heading = QLabel("Escalations waiting at your sites (oldest first)")
            heading.setObjectName("section")
            self.escalation_list = QListWidget()
            self.escalation_list.setAccessibleName("Escalations waiting")
            self.escalation_list.itemActivated.connect(self._escalation_activated)
            layout.addWidget(heading)
            layout.addWidget(self.escalation_list)
        self.refresh()

    def refresh(self) -> None:
        library = self._session.screenings.library()
        titles = {d.id: d.short_title for d in library.all()}
        self.entries = self._session.screenings.worklist()
        self.listing.clear()
        for entry in self.entries:
            view = entry.screening
            drafting = view.state == ScreeningState.DRAFT
            state = (f"in progress, {len(view.answers)} answered" if drafting
                     else "awaiting sign-off")
            self.listing.addItem(
                f"{entry.person_name} · {titles.get(view.instrument_id, view.instrument_id)}"
                f" · {state} · started {view.started_at.astimezone():%d/%m %H:%M}")
        if not self.entries:
            self.listing.addItem("Nothing waiting: every screening is finished and signed off.")
        if self.escalation_list is not None:
            self.escalations = self._session.escalations.pending_at_my_sites()
            self.escalation_list.clear()
            for e in self.escalations:
                self.escalation_list.addItem(
                    f"{e.urgency.upper()} · {ClinicianType(e.clinician_type).label} · "
                    f"{e.status} · {e.reason} · requested "
                    f"{e.requested_at.astimezone():%d/%m %H:%M} by {e.requested_by}")
            if not self.escalations:
                self.escalation_list.addItem("No escalations waiting.")

    def _activated(self) -> None:
        row = self.listing.currentRow()
        if 0 <= row < len(self.entries):
            self.open_case.emit(self.entries[row].screening.case_id)

    def _escalation_activated(self) -> None:
        row = self.escalation_list.currentRow() if self.escalation_list else -1
        if 0 <= row < len(self.escalations):
            self.open_case.emit(self.escalations[row].case_id)

    def on_changes(self, changes: Changes) -> None:
        if changes.touches(SyncedEntity.SCREENING, SyncedEntity.ESCALATION):
            self.refresh()
