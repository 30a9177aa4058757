"""The person page reads the person (an audited view) and their previous contacts in the
background: it opens at once saying "Loading…", and a lock or leaving the page while the
read runs shows nothing late, calls nothing back and logs nothing (issue 18)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.person_history import PersonHistoryService
from ld_desktop.services.persons import PersonService
from ld_desktop.ui import operations
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.record_views import PersonPage
from ld_desktop.ui.person_history_panel import PersonHistoryPanel
from tests.helpers.gates import deliver_late_results

GATE_S = 10.0   # a read held longer than this is let through (a synchronous open)


@pytest.fixture
def window(senior_window: MainWindow, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)
    return senior_window


class SlowReads:
    """Opening a person ("open") and reading their history ("history") each wait at a gate
    until the test opens it: what the page shows meanwhile is decided by the code, not by
    how fast this machine is."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.gates = {"open": threading.Event(), "history": threading.Event()}
        self.finished = {"open": threading.Event(), "history": threading.Event()}

    def release(self) -> None:
        for gate in self.gates.values():
            gate.set()


@pytest.fixture
def slow_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowReads]:
    reads = SlowReads()
    for cls, name in ((PersonService, "open"), (PersonHistoryService, "history")):
        real = getattr(cls, name)

        def slow(self: object, *args: Any, _real: Any = real, _name: str = name,
                 **kw: Any) -> Any:
            reads.started.set()
            reads.gates[_name].wait(GATE_S)
            try:
                return _real(self, *args, **kw)
            finally:
                reads.finished[_name].set()

        monkeypatch.setattr(cls, name, slow)
    yield reads
    reads.release()


@pytest.fixture
def late(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The page's and the panel's result handlers that ran."""
    ran: list[str] = []
    for cls, name in ((PersonPage, "_loaded"), (PersonPage, "_load_failed"),
                      (PersonHistoryPanel, "_loaded"), (PersonHistoryPanel, "_not_loaded")):
        real = getattr(cls, name, None)
        if real is None:
            continue

        def spy(self: object, value: object, _real: Any = real, _name: str = name) -> None:
            ran.append(_name)
            _real(self, value)

        monkeypatch.setattr(cls, name, spy)
    return ran


def _person_id(window: MainWindow) -> uuid.UUID:
    assert window.session is not None
    return window.session.cases.caseload()[0].person_id


def _open_slowly(qtbot, window: MainWindow, reads: SlowReads) -> PersonPage:  # type: ignore[no-untyped-def]
    window.open_person(_person_id(window))
    page = window.pages.currentWidget()
    assert isinstance(page, PersonPage)
    assert not reads.finished["open"].is_set(), "opening the page waited for the read"
    assert page.heading.text() == "Loading…"
    assert not page.edit_button.isVisible()            # nothing to correct yet
    qtbot.waitUntil(reads.started.is_set, timeout=5_000)
    return page


def test_the_person_page_opens_at_once_and_fills_in(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                    slow_reads: SlowReads) -> None:
    page = _open_slowly(qtbot, window, slow_reads)
    slow_reads.gates["open"].set()
    qtbot.waitUntil(lambda: page.person is not None, timeout=5_000)
    assert page.person is not None
    assert page.heading.text() == page.person.display_name
    assert page.history.heading.text().startswith("Loading previous contacts")
    slow_reads.gates["history"].set()
    qtbot.waitUntil(lambda: page.history.history is not None, timeout=5_000)
    assert page.history.heading.text().startswith(page.person.display_name)


def test_a_lock_while_the_person_loads_shows_and_logs_nothing(
        qtbot, window: MainWindow, slow_reads: SlowReads, late: list[str],  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture) -> None:
    _open_slowly(qtbot, window, slow_reads)
    caplog.set_level(logging.WARNING)
    threading.Timer(0.3, slow_reads.release).start()   # while the lock waits for the read
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier)
    assert window.session is None
    assert operations.in_flight() == 0
    deliver_late_results()                             # a late result would come now
    assert late == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("stage", ["person", "history"])
def test_leaving_while_the_person_loads_shows_and_logs_nothing(
        qtbot, window: MainWindow, slow_reads: SlowReads, late: list[str],  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture, stage: str) -> None:
    """Leave with Alt+Left while the person (or, once they are shown, their previous contacts)
    is still being read: the page goes and the result is dropped unseen."""
    page = _open_slowly(qtbot, window, slow_reads)
    if stage == "history":
        slow_reads.gates["open"].set()
        qtbot.waitUntil(lambda: page.person is not None, timeout=5_000)
        late.clear()
        assert page.history.heading.text().startswith("Loading previous contacts")
    caplog.set_level(logging.WARNING)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Left,
                   Qt.KeyboardModifier.AltModifier)
    assert window.detail is None
    assert not isinstance(window.pages.currentWidget(), PersonPage)
    slow_reads.release()
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    deliver_late_results()
    assert late == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
