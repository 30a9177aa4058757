"""The case's action bar: the clinical actions, the access history for seniors, and the
corrections. It only says which action was asked for; the case page opens it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ld_desktop.domain.roles import Permission
from ld_desktop.services.session import UserSession

ACTIONS = [("consent", "&Consent…"), ("screening", "&Screening"), ("risk", "&Risk…"),
           ("escalate", "&Escalate…"), ("refer", "Re&fer…"), ("support", "Su&pport action…"),
           ("note", "&Note…"), ("share", "S&hare…"), ("outcome", "&Outcome and close…")]
# a closed case can be corrected too
CORRECTIONS = [("correct", "Correct &details…"), ("move", "&Move to another person…")]
HISTORY = "history"


class CaseActionsBar(QWidget):
    triggered = Signal(str)          # an ACTIONS or CORRECTIONS key, or HISTORY

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self._session = session
        # two rows, so the case fits a 1280-pixel screen: recording, then looking back and
        # correcting (Tab goes along the first row, then the second)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        record, other = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(record)
        rows.addLayout(other)
        self.buttons: dict[str, QPushButton] = {}
        for key, text in ACTIONS:
            record.addWidget(self._button(key, text))
        record.addStretch(1)
        if session.can(Permission.VIEW_AUDIT):   # seniors: who looked at this case
            from ld_desktop.ui.access_history import history_button

            other.addWidget(history_button(lambda: self.triggered.emit(HISTORY)))
        other.addStretch(1)
        for key, text in CORRECTIONS:
            other.addWidget(self._button(key, text))

    def _button(self, key: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(lambda _=False, k=key: self.triggered.emit(k))
        self.buttons[key] = button
        return button

    def allow(self, *, closed: bool) -> None:
        """Nothing new is recorded on a closed case; sharing needs its own permission."""
        edit = self._session.can(Permission.EDIT_RECORDS)
        share = self._session.can(Permission.SHARE_INFORMATION)
        for key, _text in ACTIONS:
            self.buttons[key].setEnabled(edit and not closed and (key != "share" or share))
        for key, _text in CORRECTIONS:
            self.buttons[key].setEnabled(edit)
