"""Ctrl+L locks from a dialog too. The main window's Ctrl+L shortcut is a window shortcut,
and a window-modal form (a note, a consent) blocks its window, so in a form the key did
nothing: the practitioner had to close the form (losing the chance to keep it as a draft
by locking) or wait for the idle lock. Installed on the application, this filter takes
Ctrl+L pressed in any window the main window owns and locks as the shortcut does."""

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
        """A window of ours other than the main window (its own shortcut serves it)."""
        if window is None or window is self._window:
            return False
        while window is not None:
            if window is self._window:
                return True
            window = window.parentWidget()
        return False
