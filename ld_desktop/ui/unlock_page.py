"""The unlock screen: nothing of the store is visible until someone unlocks. Key derivation
runs off the GUI thread with a busy indicator."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.errors import StoreError, is_refusal
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.operations import run_in_background

if TYPE_CHECKING:
    from ld_desktop.services.session import UserSession


class UnlockPage(QWidget):
    #: the UserSession, and what ``prepare`` read for it (``None`` without one)
    unlocked = Signal(object, object)

    def __init__(self, workstation: Workstation, demo_hint: str | None = None,
                 prepare: Callable[[UserSession], object] | None = None) -> None:
        """``prepare`` reads what the window needs before it shows the session; it runs on
        the unlock's worker, right after the key is derived."""
        super().__init__()
        self.setObjectName("page")
        self._workstation = workstation
        self._prepare = prepare
        title = QLabel("L&D Desktop")
        title.setObjectName("title")
        subtitle = QLabel("This workstation is locked. Unlock with your own passphrase.")
        subtitle.setObjectName("subtitle")
        self.username = QComboBox()
        self.username.setEditable(True)
        self.username.setAccessibleName("Username")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setDefault(True)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        self.busy.setAccessibleName("Unlocking")
        form = QFormLayout()
        form.addRow("&Username", self.username)
        form.addRow("&Passphrase", self.passphrase)
        box = QVBoxLayout()
        box.addWidget(title)
        box.addWidget(subtitle)
        box.addLayout(form)
        box.addWidget(self.unlock_button)
        box.addWidget(self.busy)
        box.addWidget(self.error)
        if demo_hint:
            hint = QLabel(demo_hint)
            hint.setObjectName("subtitle")
            # a long account line was cut off at the form's width: each fits on a line where
            # the form's width allows (and wraps, not cut off, at a larger text size)
            hint.setWordWrap(True)
            widest = max(hint.fontMetrics().horizontalAdvance(line)
                         for line in demo_hint.splitlines())
            hint.setMinimumWidth(min(widest + 8, 540))
            hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.addWidget(hint)
        box.addStretch(1)
        outer = QVBoxLayout(self)
        inner = QWidget()
        inner.setLayout(box)
        inner.setMaximumWidth(560)    # the account hints fit on a line each
        outer.addWidget(inner, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase.returnPressed.connect(self.try_unlock)
        self.refresh_usernames()

    def refresh_usernames(self, preselect: str | None = None) -> None:
        current = preselect or self.username.currentText()
        self.username.clear()
        try:
            self.username.addItems(self._workstation.usernames())
        except StoreError as exc:
            self.error.setText(str(exc))
        if current:
            self.username.setCurrentText(current)
        self.passphrase.clear()
        self.passphrase.setFocus()

    def try_unlock(self, _checked: bool = False, *, then: Callable[[], None] | None = None
                   ) -> None:
        username = self.username.currentText().strip()
        passphrase = self.passphrase.text()
        if not username or not passphrase:
            self.error.setText("Enter your username and passphrase.")
            return
        self.error.setText("")
        self._busy(True)

        def done(result: tuple[UserSession, object]) -> None:
            self._busy(False)
            self.passphrase.clear()
            self.unlocked.emit(*result)

        def failed(exc: Exception) -> None:
            self._busy(False)
            self.passphrase.clear()
            # Back to the emptied passphrase box (disabling it moved the focus on to the
            # username box, where a retyped passphrase would show in clear).
            self.passphrase.setFocus()
            if is_refusal(exc):  # incl. LockedOut
                self.error.setText(str(exc))
            else:
                self.error.setText("Unlock failed unexpectedly. Please report it to support.")

        workstation, prepare = self._workstation, self._prepare

        def unlock() -> tuple[UserSession, object]:
            session = workstation.unlock(username, passphrase)
            if prepare is None:
                return session, None
            try:
                return session, prepare(session)
            except BaseException:
                session.lock()   # not shown, so not left unlocked
                raise

        run_in_background(unlock, done, failed)

    def _busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.unlock_button.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
