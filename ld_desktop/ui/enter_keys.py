"""Enter on a focused button presses it everywhere in the main window (Qt does that only in
dialogs, where Enter goes to the focused or default button). Not on an option (a radio
button or a check box): there Enter is the screening wizard's "next", and pressing the
option again did nothing, so Enter after a number key left the person on the question."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QDialog, QRadioButton, QWidget

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class EnterPressesButtons(QObject):
    """Installed on the application; acts only on buttons inside ``window`` (not dialogs)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in ENTER_KEYS
                and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                          Qt.KeyboardModifier.KeypadModifier)
                and isinstance(watched, QAbstractButton) and watched.isEnabled()
                and not isinstance(watched, QRadioButton | QCheckBox)
                and watched.window() is self._window
                and not isinstance(watched.window(), QDialog)):
            watched.animateClick()
            return True
        return False
