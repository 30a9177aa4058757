"""The Screening place: screenings at my sites still needing someone, either a draft to
finish or a completed result awaiting sign-off; for seniors, escalations to clinicians still
waiting at their sites. Enter opens the case."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QListWidget, QVBoxLayout

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.escalation import ClinicianType, EscalationView
from ld_desktop.services.clinical.screenings import WorklistEntry
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.ui.operations import LatestOnly
from ld_desktop.ui.page import PageWidget

#: instrument titles by id, the worklist, the escalations waiting (seniors only)
_Loaded = tuple[dict[str, str], list[WorklistEntry], list[EscalationView]]


class ScreeningPage(PageWidget):
    title = "Screening"

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._session = session
        self._latest = LatestOnly(self)
        self.entries: list[WorklistEntry] = []
        title = QLabel(self.title)
        title.setObjectName("title")
        hint = QLabel("Drafts to finish and results awaiting sign-off at your sites. "
                      "Press Enter to open the case; new screenings start from a case.")
        hint.setObjectName("subtitle")
        hint.setWordWrap(True)
        self.status = QLabel("Loading…")   # calm: the lists fill in when the load is back
        self.status.setObjectName("subtitle")
        self.listing = QListWidget()
        self.listing.setAccessibleName("Screenings needing attention")
        self.listing.itemActivated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.status)
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
        """Load the worklist (and the escalations, for seniors) off the GUI thread; a newer
        load supersedes an older one, and nothing is shown after a lock."""
        screenings, escalations = self._session.screenings, self._session.escalations
        seniors = self.escalation_list is not None

        def work() -> _Loaded:
            titles = {d.id: d.short_title for d in screenings.library().all()}
            waiting = escalations.pending_at_my_sites() if seniors else []
            return titles, screenings.worklist(), waiting

        self.status.setText("Loading…")
        self._latest.run(work, self._show, self._failed, doing="loading the screenings")

    def _failed(self, exc: Exception) -> None:
        self.status.setText(f"The screenings could not be loaded: {exc}")

    def _show(self, result: _Loaded) -> None:
        titles, self.entries, escalations = result
        self.status.setText("")
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
            self.escalations = escalations
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

    def close_for_lock(self) -> None:
        self._latest.cancel()
