"""The Handover place. Seniors: this shift's handover (summary, notes, Sync and hand over).
Everyone: their own end of shift, and previous handovers to read and acknowledge."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
)

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.views import Changes
from ld_desktop.ui.clinical.share_dialog import PathChooser, choose_pdf_path
from ld_desktop.ui.handover.end_of_shift_panel import EndOfShiftPanel
from ld_desktop.ui.handover.handover_panel import HandoverPanel
from ld_desktop.ui.handover.history_panel import HistoryPanel
from ld_desktop.ui.handover.staffing import StaffingLabel, conventional_shift, own_shift_now
from ld_desktop.ui.handover.sync_runner import SyncFactory
from ld_desktop.ui.operations import Operation
from ld_desktop.ui.page import PageWidget


class HandoverPage(PageWidget):
    title = "Handover"

    def __init__(self, session: UserSession, factory: SyncFactory = SyncService,
                 choose_path: PathChooser = choose_pdf_path,
                 now_local: datetime | None = None) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        now = now_local or datetime.now()
        # the conventional shift around now until the rota says whether the user's own
        # shift covers now (read in the background; the summary is read once it is known)
        start, end = conventional_shift(now)
        title = QLabel(self.title)
        title.setObjectName("title")
        self.shift_label = QLabel("Sites: " + ", ".join(s.name for s in session.sites))
        self.shift_label.setObjectName("subtitle")
        self.shift_start = self._time_box(start, "Shift starts")
        self.shift_end = self._time_box(end, "Shift ends")
        self._shift_edited = False
        shift_row = QHBoxLayout()
        for text, box in (("Shift &from", self.shift_start), ("&to", self.shift_end)):
            label = QLabel(text)
            label.setBuddy(box)
            shift_row.addWidget(label)
            shift_row.addWidget(box)
        shift_row.addWidget(self.shift_label, 1)
        self.staffing = StaffingLabel(session, (lambda: now_local) if now_local else datetime.now)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.tabs = QTabWidget()
        self.history = HistoryPanel(session, choose_path)
        self.history.message.connect(self.message.setText)
        self.panel: HandoverPanel | None = None
        if session.can(Permission.SIGN_OFF_HANDOVER):
            self.panel = HandoverPanel(session, factory, choose_path, (start, end))
            self.panel.open_case.connect(self.open_case)
            self.panel.handed_over.connect(lambda _r: self.history.refresh())
            self.tabs.addTab(self.panel, "Th&is shift's handover")
        self.mine = EndOfShiftPanel(session, factory)
        self.mine.open_case.connect(self.open_case)
        self.tabs.addTab(self.mine, "&My end of shift")
        self.tabs.addTab(self.history, "Previous hand&overs")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(shift_row)
        layout.addWidget(self.staffing)
        self.shift_start.dateTimeChanged.connect(self._shift_changed)
        self.shift_end.dateTimeChanged.connect(self._shift_changed)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        self._shift_known = False
        Operation(self, lambda: own_shift_now(session, now), doing="reading the rota") \
            .success(self._own_shift).failure(self._own_shift_failed).run()

    def _own_shift(self, own: tuple[datetime, datetime] | None) -> None:
        """The shift to hand over is known: the user's own, else the conventional one (kept
        if the senior has already changed the times)."""
        self._shift_known = True
        if own is not None and not self._shift_edited:
            for box, at in ((self.shift_start, own[0]), (self.shift_end, own[1])):
                box.blockSignals(True)
                box.setDateTime(QDateTime(QDate(at.year, at.month, at.day),
                                          QTime(at.hour, at.minute)))
                box.blockSignals(False)
        if self.panel is not None:
            self.panel.shift = self.shift()
            self.panel.refresh()

    def _own_shift_failed(self, exc: Exception) -> None:
        self.message.setText(f"The rota could not be read ({exc}); the shift shown is the "
                             "usual day or night shift.")
        self._own_shift(None)

    def _time_box(self, at: datetime, name: str) -> QDateTimeEdit:
        box = QDateTimeEdit(QDateTime(QDate(at.year, at.month, at.day),
                                      QTime(at.hour, at.minute)))
        box.setDisplayFormat("ddd dd/MM HH:mm")
        box.setCalendarPopup(True)
        box.setAccessibleName(name)
        return box

    def shift(self) -> tuple[datetime, datetime]:
        return (self.shift_start.dateTime().toPython(),   # type: ignore[return-value]
                self.shift_end.dateTime().toPython())

    def _shift_changed(self) -> None:
        """The senior covers a different window: gather the handover for it."""
        self._shift_edited = True
        start, end = self.shift()
        if end <= start:
            self.message.setText("The shift must end after it starts.")
            return
        self.message.clear()
        if self.panel is not None and not self.panel.busy and self._shift_known:
            self.panel.shift = (start, end)
            self.panel.refresh()

    def flush_drafts(self) -> None:
        if self.panel is not None:   # the senior's handover notes
            self.panel.flush_drafts()

    def close_for_lock(self) -> None:
        self.staffing.stop()
        if self.panel is not None:
            self.panel.close_for_lock()
        self.mine.close_for_lock()      # their loads: nothing shown after the lock
        self.history.close_for_lock()

    def on_changes(self, changes: Changes) -> None:
        if self._s.is_locked:
            return
        if changes.touches(SyncedEntity.ROTA_ENTRY):
            self.staffing.refresh()
        busy = self.panel is not None and self.panel.busy
        if changes.touches(SyncedEntity.CASE, SyncedEntity.PERSON, "sync", "conflict") and not busy:
            if self.panel is not None and self._shift_known:
                self.panel.refresh()
            self.mine.refresh()
        if changes.touches(SyncedEntity.HANDOVER_NOTE):
            self.history.refresh()
