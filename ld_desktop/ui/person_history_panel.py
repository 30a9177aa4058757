"""A returning person's history as a reusable, keyboard-accessible widget: active alerts,
then previous contacts at the user's sites (Enter or a double-click opens one). Used on the
person record and at referral intake. Tab moves through it (the table does not trap Tab)."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.pathway import Stage
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.services.errors import is_refusal
from ld_desktop.services.person_history import Alert, PersonHistory, PersonHistoryService
from ld_desktop.services.session import UserSession
from ld_desktop.ui.operations import LatestOnly, show_failure

CONTACT_COLUMNS = ["Referred", "Site", "Custody no.", "Stage", "Outcome", "Flags",
                   "Last scores"]
ALERT_PREFIX = {"risk": "RISK", "safeguarding": "SAFEGUARDING",
                "communication": "COMMUNICATION"}
ALERT_COLOUR = {"risk": QColor("#d5281b"), "safeguarding": QColor("#8a4500"),
                "communication": QColor("#005eb8")}


def alert_text(alert: Alert) -> str:
    since = f" (since {alert.since:%d/%m/%Y})" if alert.since else ""
    return f"{ALERT_PREFIX.get(alert.kind, alert.kind.upper())}: {alert.text}{since}"


class PersonHistoryPanel(QWidget):
    """``show_person(person_id)`` loads through the service in the background (a newer
    request supersedes an older one; nothing is shown once the panel is gone or after
    ``cancel``); ``set_history`` shows one already loaded; ``clear`` empties it."""

    open_case = Signal(object)   # uuid.UUID

    def __init__(self, session: UserSession | None = None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self._s = session
        self._history: PersonHistory | None = None
        self._load = LatestOnly(self)
        self.heading = QLabel("No person chosen")
        self.heading.setObjectName("subtitle")
        self.alerts = QListWidget()
        self.alerts.setAccessibleName("Active alerts")
        self.alerts.setMaximumHeight(90)
        self.contacts = QTableWidget(0, len(CONTACT_COLUMNS))
        self.contacts.setHorizontalHeaderLabels(CONTACT_COLUMNS)
        self.contacts.setAccessibleName("Previous contacts at your sites")
        self.contacts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.contacts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.contacts.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.contacts.setTabKeyNavigation(False)      # Tab leaves the table: no trap
        self.contacts.verticalHeader().setVisible(False)
        self.contacts.setMinimumHeight(150)
        self.contacts.setWordWrap(False)
        self.contacts.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.contacts.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (CONTACT_COLUMNS.index("Site"), CONTACT_COLUMNS.index("Outcome"),
                       CONTACT_COLUMNS.index("Flags")):   # long text: elided, in a tooltip
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.contacts.setColumnWidth(column, 190)
        self.contacts.activated.connect(lambda index: self._open(index.row()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.alerts)
        layout.addWidget(self.contacts)

    @property
    def history(self) -> PersonHistory | None:
        return self._history

    def show_person(self, person_id: uuid.UUID, *, exclude_case_id: uuid.UUID | None = None
                    ) -> None:
        """Load the person's history off the GUI thread, saying so calmly meanwhile."""
        if self._s is None:
            raise RuntimeError("PersonHistoryPanel needs a session to load a person")
        histories = PersonHistoryService(self._s)
        self.clear()
        self.heading.setText("Loading previous contacts and alerts…")
        self._load.run(lambda: histories.history(person_id, exclude_case_id=exclude_case_id),
                       self._loaded, self._not_loaded,
                       doing="loading previous contacts and alerts")

    def _loaded(self, history: PersonHistory) -> None:
        if self._s is not None and not self._s.is_locked:   # (a page outside a window)
            self.set_history(history)

    def _not_loaded(self, exc: Exception) -> None:
        if self._s is None or self._s.is_locked:
            return
        if not is_refusal(exc):
            show_failure(self, exc, "loading previous contacts and alerts")
        self.heading.setText("Previous contacts and alerts could not be loaded.")

    def cancel(self) -> None:
        """Show nothing more (the page is going, or the session is locking)."""
        self._load.cancel()

    def clear(self) -> None:
        self._history = None
        self.heading.setText("No person chosen")
        self.alerts.clear()
        self.contacts.setRowCount(0)

    def set_history(self, history: PersonHistory) -> None:
        self._history = history
        count = len(history.contacts)
        self.heading.setText(
            f"{history.display_name}: {count} previous contact{'s' if count != 1 else ''} "
            f"at your sites" if count else f"{history.display_name}: no previous contacts "
            "at your sites")
        self.alerts.clear()
        for alert in history.alerts:
            item = QListWidgetItem(alert_text(alert))
            item.setForeground(QBrush(ALERT_COLOUR.get(alert.kind, QColor("#212b32"))))
            self.alerts.addItem(item)
        if not history.alerts:
            self.alerts.addItem("No active alerts")
        self.contacts.setRowCount(count)
        for row, contact in enumerate(history.contacts):
            risk = ["HIGH RISK"] if contact.risk_level == RiskLevel.HIGH else []
            values = [
                f"{contact.referral_time.astimezone():%d/%m/%Y}", contact.site_name,
                contact.custody_record_number or "", Stage(contact.stage).label,
                contact.outcome, ", ".join(risk + list(contact.flag_labels)),
                "; ".join(contact.last_scores),
            ]
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                cell.setData(Qt.ItemDataRole.UserRole, str(contact.case_id))
                self.contacts.setItem(row, column, cell)
        if count:
            self.contacts.setCurrentCell(0, 0)

    def _open(self, row: int) -> None:
        if self._history is not None and 0 <= row < len(self._history.contacts):
            self.open_case.emit(self._history.contacts[row].case_id)
