"""Ctrl+L locks from a dialog too. The main window's Ctrl+L shortcut is a window shortcut,
and a window-modal form (a note, a consent) blocks its window, so in a form the key did
nothing: the practitioner had to close the form (losing the chance to keep it as a draft
by locking) or wait for the idle lock. Installed on the application, this filter takes
Ctrl+L pressed in any window the main window owns (or in the main window itself while a
dialog blocks it) and locks as the shortcut does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget


class LockKeyInDialogs(QObject):
    def __init__(self, window: QWidget, lock: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._lock = lock

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_L
                and event.modifiers() == Qt.KeyboardModifier.ControlModifier
                and isinstance(watched, QWidget) and self._owned(watched.window())):
            self._lock()
            return True
        return False

    def _owned(self, window: QWidget | None) -> bool:
        """A window of ours: the main window too, as a modal dialog blocks its shortcut
        (when the shortcut does fire, the key press never reaches this filter)."""
        while window is not None:
            if window is self._window:
                return True
            window = window.parentWidget()
        return False
