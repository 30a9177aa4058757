"""The main window as a person meets it: shown, active and focused, so that keys pressed on
``QApplication.focusWidget()`` reach it; locked when the test is done with it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.main_window import MainWindow


@contextmanager
def shown_window(qtbot: Any, station: Workstation, *, banner: str = "TEST",
                 session: UserSession | None = None) -> Iterator[MainWindow]:
    """A ``MainWindow`` on ``station`` (on its unlock page, or with ``session`` started)."""
    win = MainWindow(station, banner=banner)
    qtbot.addWidget(win)
    if session is not None:
        win.start_session(session)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3_000)
    yield win
    win.lock("test finished")
