"""Conflicts (seniors only): each clash from offline edits with every value side by side, who
entered it and when; the senior chooses one or writes a combined value, with a reason. The
decision syncs, is audited, and closes the conflict on every workstation."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from ld_desktop.services.conflicts import ConflictView, DecisionView
from ld_desktop.services.errors import is_refusal
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.ui.operations import LatestOnly, Operation, show_failure
from ld_desktop.ui.page import PageWidget
from sync.hlc import Timestamp


def _when(hlc: str) -> str:
    from datetime import UTC, datetime

    try:
        stamp = Timestamp.decode(hlc)
    except ValueError:
        return "time unknown"
    return f"{datetime.fromtimestamp(stamp.wall_ms / 1000, UTC).astimezone():%d/%m/%Y %H:%M}"


def shown(value: object) -> str:
    """A value as a person reads it: a date and time in local time to the minute (the wire
    form is ISO 8601 in UTC with microseconds), anything else quoted as entered."""
    from datetime import datetime

    if isinstance(value, str) and "T" in value and len(value) >= 16:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return repr(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone()
        return f"{moment:%d/%m/%Y %H:%M}"
    return repr(value)


class ConflictsPage(PageWidget):
    title = "Conflicts"

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self._conflicts: list[ConflictView] = []
        self._latest = LatestOnly(self)
        title = QLabel(self.title)
        title.setObjectName("title")
        self.summary = QLabel("")
        self.summary.setObjectName("subtitle")
        self.list = QListWidget()
        self.list.setAccessibleName("Conflicts waiting for a decision")
        self.detail = QGroupBox("Decision")
        self.detail_layout = QVBoxLayout(self.detail)
        self.choices = QButtonGroup(self)
        self.combined = QLineEdit()
        self.combined.setAccessibleName("Combined value (text fields)")
        self.combined.setPlaceholderText("Or write a combined value (text fields only)")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the decision")
        self.reason.setPlaceholderText("Reason (required), e.g. checked with both practitioners")
        self.decide_button = QPushButton("Record decision")
        self.decide_button.clicked.connect(self.decide)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.decisions = QLabel("")
        self.decisions.setWordWrap(True)
        self.decisions.setAccessibleName("Latest decisions and whether their signatures verify")
        self.open_button = QPushButton("&Open the record and its history")
        self.open_button.setAccessibleName("Open the record and its history")
        self.open_button.clicked.connect(self._open_record)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        layout.addWidget(self.detail)
        layout.addWidget(self.message)
        layout.addWidget(self.decisions)
        self.list.currentRowChanged.connect(self._show)
        self.refresh()

    def refresh(self) -> None:
        """Load the open conflicts and the latest decisions off the GUI thread; a newer load
        supersedes an older one, and nothing is shown after a lock."""
        conflicts = self._s.conflicts
        self.summary.setText("Loading…")
        self._latest.run(lambda: (conflicts.open(), conflicts.recent_decisions()),
                         self._loaded, self._load_failed, doing="loading the conflicts")

    def _load_failed(self, exc: Exception) -> None:
        self.summary.setText(f"The conflicts could not be loaded: {exc}")

    def _loaded(self, result: tuple[list[ConflictView], list[DecisionView]]) -> None:
        self._conflicts, decided = result
        self.list.clear()
        for c in self._conflicts:
            self.list.addItem(f"{c.record_label} · {c.field.replace('_', ' ')} · "
                              f"{len(c.values)} values")
        self.summary.setText(f"{len(self._conflicts)} waiting for a decision")
        self.decisions.setText("Latest decisions:\n" + "\n".join(
            f"{d.record_label} · {d.field.replace('_', ' ')}: decided by {d.decided_by} "
            f"({'signature verified' if d.signature_verified else 'signature not verified'})"
            for d in decided) if decided else "")
        self.detail.setVisible(bool(self._conflicts))
        if self._conflicts:
            self.list.setCurrentRow(0)

    def _show(self, row: int) -> None:
        while self.detail_layout.count():
            item = self.detail_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in (self.combined, self.reason,
                                                     self.decide_button, self.open_button):
                widget.deleteLater()
        for button in self.choices.buttons():
            self.choices.removeButton(button)
        if not 0 <= row < len(self._conflicts):
            return
        conflict = self._conflicts[row]
        self.detail_layout.addWidget(QLabel(
            f"Currently shown: {shown(conflict.current)}. Values entered:"))
        for n, value in enumerate(conflict.values):
            choice = QRadioButton(
                f"{shown(value.value)}  (by {value.user_label or value.user} on "
                f"{value.device_label or value.device_id}, {_when(value.hlc)})")
            choice.setAccessibleName(f"Choose value {n + 1}")
            self.choices.addButton(choice, n)
            self.detail_layout.addWidget(choice)
        self.detail_layout.addWidget(self.combined)
        self.detail_layout.addWidget(self.reason)
        self.detail_layout.addWidget(self.decide_button)
        self.detail_layout.addWidget(self.open_button)
        self.open_button.setEnabled(conflict.case_id is not None)

    def decide(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self._conflicts):
            return
        conflict = self._conflicts[row]
        combined = self.combined.text().strip()
        chosen = self.choices.checkedId()
        if combined:
            value: object = combined
        elif chosen >= 0:
            value = conflict.values[chosen].value
        else:
            self.message.setText("Choose one of the values, or write a combined value.")
            return
        conflicts, reason = self._s.conflicts, self.reason.text()
        self.decide_button.setEnabled(False)   # one decision at a time
        self.message.setText("Recording the decision…")
        Operation(self, lambda: conflicts.decide(conflict.id, value, reason),
                  doing="recording the decision"
                  ).success(self._decided).failure(self._refused).run(at_once=True)

    def _decided(self, _result: object) -> None:
        self.decide_button.setEnabled(True)
        self.message.setText("Decision recorded; it reaches the other workstations at the "
                             "next sync.")
        self.combined.clear()
        self.reason.clear()
        self.refresh()

    def _refused(self, exc: Exception) -> None:
        """A refusal is shown in place with what was typed kept; anything else goes to the
        default display."""
        self.decide_button.setEnabled(True)
        if is_refusal(exc):
            self.message.setText(str(exc))
            return
        self.message.setText("")
        show_failure(self, exc, "recording the decision")

    def _open_record(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._conflicts) and self._conflicts[row].case_id is not None:
            self.open_case.emit(self._conflicts[row].case_id)

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("conflict"):
            self.refresh()

    def close_for_lock(self) -> None:
        self._latest.cancel()
