"""A lock while a slow background operation runs on a page: the lock waits for the running
work (which still needs the key), drops its result, and nothing is logged as an error.

Each page that loads through ``ui/operations`` is opened, its query made slow, and the
window locked while the query runs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ld_desktop.services.cases import CaseService
from ld_desktop.services.persons import PersonService
from ld_desktop.services.reports.service import ReportService
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.case_lists import CaseloadPage, CasesPage
from ld_desktop.ui.pages.people import PeoplePage
from ld_desktop.ui.reports.reports_page import ReportsPage

SLOW_S = 0.4

#: place, the service method its page loads with, the page's result and failure slots
PAGES: list[tuple[str, type, str, type]] = [
    ("Caseload", CaseService, "caseload_page", CaseloadPage),
    ("Cases", CaseService, "count_and_first_page", CasesPage),
    ("People", PersonService, "page", PeoplePage),
    ("Reports", ReportService, "dashboard", ReportsPage),
]


@pytest.fixture
def window(qtbot, demo_dir: Path):  # type: ignore[no-untyped-def]
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    yield win
    win.lock("test finished")


@pytest.mark.parametrize(("place", "service", "method", "page_class"), PAGES,
                         ids=[p[0] for p in PAGES])
def test_lock_while_a_page_loads(qtbot, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                 monkeypatch: pytest.MonkeyPatch,
                                 caplog: pytest.LogCaptureFixture,
                                 place: str, service: type, method: str,
                                 page_class: type) -> None:
    window.unlock_page.username.setCurrentText("demo.senior")
    window.unlock_page.passphrase.setText(accounts["demo.senior"])
    qtbot.mouseClick(window.unlock_page.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)

    started = threading.Event()
    work_errors: list[BaseException] = []
    called_after_lock: list[str] = []
    locked = threading.Event()
    original: Callable[..., Any] = getattr(service, method)

    def slow(self: object, *args: Any, **kwargs: Any) -> Any:
        started.set()
        time.sleep(SLOW_S)
        try:
            return original(self, *args, **kwargs)
        except BaseException as exc:   # the key went while the query ran
            work_errors.append(exc)
            raise

    monkeypatch.setattr(service, method, slow)
    for slot in ("_show", "_failed"):
        real = getattr(page_class, slot)

        def spy(self: object, value: object, _real: Any = real, _slot: str = slot) -> None:
            if locked.is_set():
                called_after_lock.append(_slot)
            _real(self, value)

        monkeypatch.setattr(page_class, slot, spy)

    caplog.set_level(logging.WARNING)
    window.show_page(place)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)
    started.clear()
    window.page(place).refresh()   # type: ignore[attr-defined]  # as a change notice does
    qtbot.waitUntil(started.is_set, timeout=5_000)
    assert operations.in_flight() >= 1

    window.lock("on demand")
    locked.set()
    assert operations.in_flight() == 0, "the lock returned with work still out"
    qtbot.wait(int(SLOW_S * 1000) + 300)   # any late result would be delivered by now

    assert work_errors == [], "the work ran on after the key was dropped"
    assert called_after_lock == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
