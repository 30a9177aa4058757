"""The Sync page's "records set aside" section: pulled records this version of the app could
not apply, with the reason, and a "Try again" button. Hidden while there are none."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_quarantine import QuarantineEntry, QuarantineRetry, SyncQuarantine
from ld_desktop.ui.operations import LatestOnly, run_in_background

COLUMNS = ("Record type", "Record", "Why it was set aside", "Since", "Tries")


class QuarantinePanel(QWidget):
    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self._session = session
        self._quarantine = SyncQuarantine(session)
        self._latest = LatestOnly(self)
        heading = QLabel("Records set aside")
        heading.setObjectName("subtitle")
        explain = QLabel(
            "These records came from the sync server but this version of L&D Desktop cannot "
            "read them. Syncing carries on without them. They are tried again automatically "
            "after an upgrade; tell the service lead if they stay here.")
        explain.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAccessibleName("Records set aside")
        self.table.setTabKeyNavigation(False)   # Tab leaves the table for "Try again"
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.retry_button = QPushButton("&Try again")
        self.retry_button.setAccessibleName("Try the records set aside again")
        self.retry_button.clicked.connect(self.retry)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.setVisible(False)   # shown once the read finds something set aside
        self.refresh()

    def refresh(self) -> None:
        """Read what is set aside off the GUI thread; a newer read supersedes an older one,
        and nothing is shown after a lock or once the panel is gone."""
        self._latest.run(self._quarantine.entries, self._show, doing="reading the set-aside "
                         "changes")

    def cancel(self) -> None:
        self._latest.cancel()

    def _show(self, entries: list[QuarantineEntry]) -> None:
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            record = "…" + str(entry.entity_id)[-12:]   # the random end of a time-ordered id
            cells = (entry.entity.replace("_", " "), record, entry.reason,
                     f"{entry.first_seen_at.astimezone():%d/%m/%Y %H:%M}", str(entry.attempts))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setToolTip(str(entry.entity_id))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.setVisible(bool(entries))

    def retry(self) -> None:
        self.retry_button.setEnabled(False)
        self.message.setText("Trying again…")
        run_in_background(self._quarantine.retry, self._retried, self._failed, owner=self)

    def _retried(self, result: QuarantineRetry) -> None:
        if self._session.is_locked:
            return
        self.retry_button.setEnabled(True)
        self.message.setText(f"Applied {result.applied}; {result.still_set_aside} still set "
                             "aside.")
        self.refresh()

    def _failed(self, exc: Exception) -> None:
        if self._session.is_locked:
            return
        self.retry_button.setEnabled(True)
        self.message.setText(f"Could not try again: {exc}")
