"""A practitioner's own end of shift: what they still have open, what has not synced, and
a one-click sync."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.handover import HandoverItem
from ld_desktop.services.session import UserSession
from ld_desktop.ui.handover.sync_runner import SyncFactory, SyncRunner
from ld_desktop.ui.operations import LatestOnly
from sync.client import SyncReport


class EndOfShiftPanel(QWidget):
    open_case = Signal(object)

    def __init__(self, session: UserSession, factory: SyncFactory) -> None:
        super().__init__()
        self._s = session
        self.runner = SyncRunner(session, factory)
        self.items: list[HandoverItem] = []
        self._latest = LatestOnly(self)
        self.listing = QListWidget()
        self.listing.setAccessibleName("My open items")
        self.listing.itemActivated.connect(self._activated)
        self.pending = QLabel("Loading…")
        self.sync_button = QPushButton("&Sync my work now")
        self.sync_button.setAccessibleName("Sync my work now")
        self.sync_button.setEnabled(False)   # until we know this workstation is enrolled
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.progress.setAccessibleName("Sync progress")
        self.message = QLabel()
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.sync_button)
        row.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Still open in your name (Enter opens the case):"))
        layout.addWidget(self.listing, 1)
        layout.addWidget(self.pending)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.sync_button.clicked.connect(self.sync_now)
        self.runner.progress.connect(self.message.setText)
        self.runner.finished.connect(self._synced)
        self.runner.failed.connect(self._failed)
        self.refresh()

    def refresh(self) -> None:
        """Load what is open in my name off the GUI thread; a newer load supersedes an older
        one, and nothing is shown after a lock or once the panel is gone."""
        handover, runner = self._s.handover, self.runner
        self._latest.run(lambda: (*handover.my_end_of_shift(), runner.enrolled()),
                         self._loaded, self._load_failed, doing="loading your end of shift")

    def _load_failed(self, exc: Exception) -> None:
        self.pending.setText(f"Your open items could not be loaded: {exc}")

    def _loaded(self, result: tuple[list[HandoverItem], int, bool]) -> None:
        self.items, pending, enrolled = result
        self.listing.clear()
        self.listing.addItems([i.text for i in self.items] or ["Nothing open in your name."])
        self.pending.setText(f"Changes on this workstation not yet on the server: {pending}")
        self.sync_button.setEnabled(enrolled and not self.runner.running)

    def sync_now(self) -> None:
        self.sync_button.setEnabled(False)
        self.progress.show()
        self.message.setText("Syncing…")
        self.runner.start()

    def _synced(self, report: SyncReport) -> None:
        self.progress.hide()
        self.message.setText(f"Synced: {report.pushed} sent, {report.pulled} received.")
        self.refresh()

    def _failed(self, exc: Exception) -> None:
        self.progress.hide()
        self.message.setText(f"Sync did not finish: {exc} Everything is kept here.")
        self.refresh()

    def _activated(self) -> None:
        row = self.listing.currentRow()
        if 0 <= row < len(self.items) and self.items[row].case_id is not None:
            self.open_case.emit(self.items[row].case_id)

    def close_for_lock(self) -> None:
        self._latest.cancel()
