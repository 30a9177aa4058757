"""The Sync page: status, last sync, changes waiting, conflicts waiting, a cancellable sync
with a progress bar (never freezing the window), and enrolment for administrators."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import RejectedChange, SyncService, SyncStatus
from ld_desktop.services.views import Changes
from ld_desktop.ui.handover.sync_runner import SyncRunner
from ld_desktop.ui.operations import LatestOnly, run_in_background
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.pages.sync_quarantine_panel import QuarantinePanel
from sync.client import SyncReport


class SyncPage(PageWidget):
    title = "Sync"

    def __init__(self, session: UserSession,
                 service_factory: Callable[[UserSession], SyncService] = SyncService) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self._service = service_factory
        self.runner = SyncRunner(session, service_factory, parent=self)
        self._latest = LatestOnly(self)
        title = QLabel(self.title)
        title.setObjectName("title")
        self.state = QLabel("Loading…")   # calm, until the status is read
        self.state.setWordWrap(True)
        self.details = QLabel("")
        self.details.setObjectName("subtitle")
        self.details.setWordWrap(True)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.setEnabled(False)   # until the status says we are enrolled
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.progress.setAccessibleName("Sync progress")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.state)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        self.rejected_title = QLabel("Changes the server refused (kept here and sent again at "
                                     "every sync; the reason says what to fix)")
        self.rejected = _rejected_table()
        layout.addWidget(self.rejected_title)
        layout.addWidget(self.rejected)
        self.quarantine = QuarantinePanel(session)
        layout.addWidget(self.quarantine)
        if session.can(Permission.ENROL_DEVICE):
            layout.addWidget(self._enrol_box())
        layout.addStretch(1)
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.runner.progress.connect(self.message.setText)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(self._failed)
        self.refresh()

    def _enrol_box(self) -> QWidget:
        box = QWidget()
        self.server = QLineEdit()
        self.server.setAccessibleName("Sync server address")
        self.server.setPlaceholderText("https://sync.example.nhs.uk")
        self.code = QLineEdit()
        self.code.setAccessibleName("One-time enrolment code")
        self.enrol_button = QPushButton("Enrol this workstation")
        self.enrol_button.clicked.connect(self.enrol)
        form = QFormLayout(box)
        form.addRow(QLabel("Enrol with the service's sync server (administrators)"))
        form.addRow("Server &address", self.server)
        form.addRow("&Code", self.code)
        form.addRow(self.enrol_button)
        return box

    def refresh(self) -> None:
        """Read the sync status and the refused changes off the GUI thread; a newer load
        supersedes an older one, and nothing is shown after a lock."""
        service = self._service(self._s)
        self._latest.run(lambda: (service.status(), service.rejected_changes()),
                         self._show, self._load_failed, doing="reading the sync status")
        self.quarantine.refresh()

    def _load_failed(self, exc: Exception) -> None:
        self.details.setText(f"The sync status could not be read: {exc}")

    def _show(self, result: tuple[SyncStatus, list[RejectedChange]]) -> None:
        status, changes = result
        if status.revoked:
            self.state.setText("This workstation has been revoked by the sync server. Tell "
                               "the service lead; an administrator will wipe it.")
            self.state.setObjectName("error")
        elif not status.enrolled:
            self.state.setText("Not enrolled: everything is kept on this workstation. An "
                               "administrator enrols it with a one-time code.")
        else:
            self.state.setText(f"Enrolled with {status.server_url} for "
                               f"{', '.join(status.site_names)}.")
        last = f"{status.last_sync_at.astimezone():%d/%m/%Y %H:%M}" if status.last_sync_at \
            else "never"
        self.details.setText(
            f"Changes waiting to go up: {status.pending_ops}"
            + (f" ({status.rejected_ops} refused by the server, kept)" if status.rejected_ops
               else "")
            + f" · conflicts waiting for a decision: {status.open_conflicts} · last sync: {last}")
        self.sync_button.setEnabled(status.enrolled and not status.revoked
                                    and not self.runner.running)
        self._show_rejected(changes)

    def _show_rejected(self, changes: list[RejectedChange]) -> None:
        self.rejected_title.setVisible(bool(changes))
        self.rejected.setVisible(bool(changes))
        self.rejected.setRowCount(len(changes))
        for row, change in enumerate(changes):
            cells = (f"{change.made_at.astimezone():%d/%m/%Y %H:%M}", change.record_type,
                     change.kind, change.reason)
            for column, text in enumerate(cells):
                self.rejected.setItem(row, column, QTableWidgetItem(text))

    def sync_now(self) -> None:
        if self.runner.running:
            return
        self.sync_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setVisible(True)
        self.message.setText("Syncing…")
        self.runner.start()

    def _done(self, report: SyncReport) -> None:
        if self._s.is_locked:   # locked (or wiped: the server revoked us) while it ran
            return
        self._finish()
        self.message.setText(
            f"Done: {report.pushed} sent, {report.pulled} received, {report.conflicts} new "
            f"conflicts; server position {report.server_seq}.")

    def _failed(self, exc: Exception) -> None:
        if self._s.is_locked:
            return
        self._finish()
        self.message.setText(f"Sync did not finish: {exc} Everything is kept on this "
                             "workstation.")

    def _finish(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.refresh()

    def enrol(self) -> None:
        service = self._service(self._s)
        server, code = self.server.text().strip(), self.code.text().strip()
        self.enrol_button.setEnabled(False)
        run_in_background(lambda: service.enrol(server, code), lambda _s: self._enrolled(),
                          self._enrol_failed, owner=self)

    def _enrolled(self) -> None:
        self.enrol_button.setEnabled(True)
        self.message.setText("Enrolled.")
        self.refresh()

    def _enrol_failed(self, exc: Exception) -> None:
        self.enrol_button.setEnabled(True)
        self.message.setText(f"Enrolment failed: {exc}")

    def close_for_lock(self) -> None:
        self._latest.cancel()
        self.quarantine.cancel()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("sync", SyncedEntity.CASE, SyncedEntity.PERSON, "conflict"):
            self.refresh()


def _rejected_table() -> QTableWidget:
    table = QTableWidget(0, 4)
    table.setHorizontalHeaderLabels(["Made", "Record", "Change", "Why the server refused it"])
    table.setAccessibleName("Changes the server refused")
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table
