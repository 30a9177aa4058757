"""Waiting for "nothing more is coming" without a fixed sleep. A test that proves a key or a
click did nothing (Enter submits no dialog, a late result is not shown) waits until every
background operation has reported back to the GUI thread, then lets the GUI thread run what
those reports queued: whatever the key or click set off has happened by then. A fixed wait
was both slower and weaker (an operation could report after it)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QApplication

from ld_desktop.ui import operations
from tests.helpers.gates import deliver_late_results

TIMEOUT_MS = 5_000


def operations_idle(qtbot, timeout: int = TIMEOUT_MS) -> None:  # type: ignore[no-untyped-def]
    """No operation queued, running or on its way back; the events they queued handled."""
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=timeout)
    deliver_late_results()


def _a_button_is_down() -> bool:
    """In the window the keys go to (where an Alt shortcut acts)."""
    window = QApplication.activeModalWidget() or QApplication.activeWindow()
    return window is not None and any(button.isDown()
                                      for button in window.findChildren(QAbstractButton))


def shortcut_clicked(qtbot, timeout: int = 3_000) -> None:  # type: ignore[no-untyped-def]
    """After an Alt shortcut: a button's shortcut "animates" its click (down at once,
    clicked 100 ms later, ``QAbstractButton.animateClick``); a label's moves the focus at
    once. Either way it has landed when no button is held down."""
    qtbot.waitUntil(lambda: not _a_button_is_down(), timeout=timeout)
