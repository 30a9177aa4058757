"""A lock while slow background operations run, on every page of the place registry and on
the records a place opens (issue 18's proof): the lock waits for the running work (which
still needs the key), drops its results, no callback runs after it and nothing is logged as
a warning or an error.

Each page is opened with its shortcut, every operation is held at a gate (opened when the
lock starts waiting for them), the page is told that everything changed (so it reloads what
it shows, in the background where it loads that way) and an operation owned by the page is
started too; then the window is locked."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from ld_desktop.domain.roles import PERMISSIONS
from ld_desktop.services.demo_setup import DEMO_ACCOUNTS
from ld_desktop.services.views import Changes
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.operations import Operation
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.places import PLACES, Place
from tests.helpers.gates import Gate, deliver_late_results
from tests.helpers.shown_window import shown_window

RECORDS = ("case", "person")
#: the pages that reload in the background on a change notice, and how many loads they start
#: (the others still read on the GUI thread: a page moved to operations is added here)
BACKGROUND_LOADS = {"Caseload": 2, "Cases": 1, "People": 1, "Reports": 2, "Screening": 1,
                    "Conflicts": 1, "Rota": 1, "Admin": 1,
                    "Handover": 4, "Sync": 2,
                    "case": 1, "person": 1}


class _Everything(Changes):
    """A change notice that touches every entity."""

    def touches(self, *entities: object) -> bool:
        return True


def _who_sees(place: Place) -> str:
    """The senior where a senior may see the place (every clinical one), else the admin."""
    return next(name for name in ("demo.senior", "demo.admin")
                if place.permission is None
                or place.permission in PERMISSIONS[DEMO_ACCOUNTS[name][0]])


@pytest.fixture
def window(qtbot, demo_dir: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with shown_window(qtbot, Workstation(demo_dir), banner="DEMO") as win:
        yield win


def _unlock(qtbot, window: MainWindow, username: str, passphrase: str) -> None:  # type: ignore[no-untyped-def]
    window.unlock_page.username.setCurrentText(username)
    window.unlock_page.passphrase.setText(passphrase)
    qtbot.mouseClick(window.unlock_page.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)


def _open(qtbot, window: MainWindow, where: str) -> PageWidget:  # type: ignore[no-untyped-def]
    session = window.session
    assert session is not None
    if where in RECORDS:
        row = session.cases.caseload()[0]
        if where == "case":
            window.open_case(row.id)
        else:
            window.open_person(row.person_id)
        page = window.detail
    else:
        keys = QKeySequence(next(p for p in PLACES if p.name == where).shortcut)[0]
        qtbot.keyClick(QApplication.focusWidget() or window, keys.key(),
                       keys.keyboardModifiers())
        page = window.page_by_name.get(where)
        assert page is window.pages.currentWidget(), "the shortcut did not open it"
    assert page is not None
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)
    return page


@pytest.mark.parametrize("where", [place.name for place in PLACES] + list(RECORDS))
def test_lock_while_work_runs_on_a_page(qtbot, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                        monkeypatch: pytest.MonkeyPatch, gate: Gate,
                                        caplog: pytest.LogCaptureFixture, where: str) -> None:
    place = next((p for p in PLACES if p.name == where), None)
    username = _who_sees(place) if place is not None else "demo.senior"
    _unlock(qtbot, window, username, accounts[username])
    page = _open(qtbot, window, where)

    locked = threading.Event()
    work_errors: list[BaseException] = []
    called_after_lock: list[str] = []
    real_run, real_success = Operation.run, Operation.success
    real_failure = Operation.failure

    def slow_run(self: Operation) -> Operation:
        work: Callable[[], Any] = self._work

        def slow() -> Any:
            gate.hold()
            try:
                return work()
            except BaseException as exc:   # the key went while the work ran
                work_errors.append(exc)
                raise

        self._work = slow
        return real_run(self)

    def watched(handler: Callable[[Any], None], kind: str) -> Callable[[Any], None]:
        def call(value: Any) -> None:
            if locked.is_set():
                called_after_lock.append(f"{kind} {getattr(handler, '__name__', handler)}")
            handler(value)
        return call

    monkeypatch.setattr(Operation, "run", slow_run)
    monkeypatch.setattr(Operation, "success",
                        lambda self, handler: real_success(self, watched(handler, "success")))
    monkeypatch.setattr(Operation, "failure",
                        lambda self, handler: real_failure(self, watched(handler, "failure")))

    caplog.set_level(logging.WARNING)
    page.on_changes(_Everything(frozenset()))   # as a change notice does
    own_work = operations.in_flight()
    assert own_work == BACKGROUND_LOADS.get(where, 0), "update BACKGROUND_LOADS"
    Operation(page, lambda: None, doing="test work").success(lambda _v: None).run()
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)
    assert operations.in_flight() == own_work + 1

    window.lock("on demand")
    locked.set()
    assert gate.opened_by_lock.is_set(), "the lock did not wait for the running work"
    assert operations.in_flight() == 0, "the lock returned with work still out"
    deliver_late_results()                 # any late result would be delivered now

    assert work_errors == [], "the work ran on after the key was dropped"
    assert called_after_lock == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
