"""A person's or a case's access history for seniors: who viewed or changed the record and
when, with names, not ids (services.maintenance.access_history). Opened from the person and
case views with Alt+Y; Escape closes it. Looking at it is itself audited. It is read in the
background, owned by the page (``HistoryOpener``): a second Alt+Y while it is read
opens nothing more, and nothing opens after a lock or once the page has gone."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.maintenance import AccessEntry
from ld_desktop.ui.operations import Operation, show_failure

BUTTON_TEXT = "Access histor&y…"
COLUMNS = ("When", "Who", "What they did", "Record")


class AccessHistoryDialog(QDialog):
    def __init__(self, title: str, entries: list[AccessEntry], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(820, 480)
        self.table = QTableWidget(len(entries), len(COLUMNS))
        self.table.setAccessibleName("Access history")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, entry in enumerate(entries):
            cells = (f"{entry.at.astimezone():%d/%m/%Y %H:%M}", entry.who, entry.did, entry.what)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        count = f"{len(entries)} event{'s' if len(entries) != 1 else ''}, newest first"
        layout.addWidget(QLabel(count if entries else "No one has opened this record yet."))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.table.setFocus()


def history_button(open_history: Callable[[], None]) -> QPushButton:
    button = QPushButton(BUTTON_TEXT)
    button.setAccessibleName("Access history")
    button.clicked.connect(open_history)
    return button



class HistoryOpener:
    """Reads a history off the GUI thread as an operation owned by ``owner`` and opens it
    over the owner; the dialog is kept as ``dialog``. A second press while it is read
    opens nothing more."""

    def __init__(self, owner: QWidget) -> None:
        self._owner = owner
        self.dialog: AccessHistoryDialog | None = None
        self._reading = False

    def open(self, title: str, read: Callable[[], list[AccessEntry]]) -> None:
        """``read`` calls the service and captures no widget."""
        if self._reading:
            return
        self._reading = True
        Operation(self._owner, read, doing="reading the access history") \
            .success(lambda entries: self._show(title, entries)).failure(self._failed).run()

    def _show(self, title: str, entries: list[AccessEntry]) -> None:
        self._reading = False
        self.dialog = AccessHistoryDialog(title, entries, self._owner)
        self.dialog.open()

    def _failed(self, exc: Exception) -> None:
        self._reading = False
        show_failure(self._owner, exc, "reading the access history")
