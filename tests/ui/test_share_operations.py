"""Issue 18, the share dialog as a hurried user drives it: the consent in force and the
preview are read off the GUI thread, Save never records a report other than the one for the
choices on screen, and a lock while the preview is being built calls nothing back."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox

from ld_desktop.services.sharing import ShareReport, SharingService
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.share_dialog import ShareDialog
from ld_desktop.ui.main_window import MainWindow
from tests.helpers import case_page
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.ui.test_clinical_workflow import _give_consent, _new_case

SLOW_S = 0.6


@pytest.fixture
def window(qtbot, demo_dir: Path, accounts):  # type: ignore[no-untyped-def]
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    win.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    win.show()
    yield win
    win.lock("test finished")


def _case_with_police_consent(qtbot, window: MainWindow, family: str,  # type: ignore[no-untyped-def]
                              tmp_path: Path) -> CasePage:
    session = window.session
    assert session is not None
    case_id: uuid.UUID = _new_case(session, age=30, family=family)
    page = case_page.open_case(qtbot, window, case_id)
    page.choose_path = lambda _parent, suggested: tmp_path / suggested
    _give_consent(qtbot, page, "police")
    return page


def _open_share(qtbot, page: CasePage) -> ShareDialog:  # type: ignore[no-untyped-def]
    page.share()
    dialog = page.dialog
    assert isinstance(dialog, ShareDialog)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QComboBox))
    return dialog


def key(qtbot, k: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget(), k)


def _recorded(monkeypatch: pytest.MonkeyPatch) -> list[ShareReport]:
    reports: list[ShareReport] = []
    real = SharingService.record_shared

    def spy(self: SharingService, report: ShareReport, saved_as: str | None = None) -> uuid.UUID:
        reports.append(report)
        return real(self, report, saved_as)

    monkeypatch.setattr(SharingService, "record_shared", spy)
    return reports


def _gated_build(monkeypatch: pytest.MonkeyPatch, gate: threading.Event,
                 started: threading.Event) -> list[threading.Thread]:
    """Builds wait for ``gate`` (set it before the test ends: a lock waits for them)."""
    ran_on: list[threading.Thread] = []
    real = SharingService.build

    def slow(self: SharingService, *args: Any, **kwargs: Any) -> ShareReport:
        ran_on.append(threading.current_thread())
        started.set()
        if threading.current_thread() is not threading.main_thread():
            gate.wait(10)   # (never blocks the GUI thread: the test fails below instead)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SharingService, "build", slow)
    return ran_on


def test_keys_through_the_share_dialog_touch_no_store_on_the_gui_thread(
        qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    page = _case_with_police_consent(qtbot, window, "ZZSHAREKEYS", tmp_path)
    gui_thread_store.clear()
    dialog = _open_share(qtbot, page)
    assert "checking consent" in dialog.recipient.currentText() \
        or dialog.recipient.currentData() == "police"
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    assert dialog.recipient.currentData() == "police"
    key(qtbot, Qt.Key.Key_Down)                  # a recipient without consent
    qtbot.waitUntil(lambda: "no consent in force" in dialog.error.text(), timeout=5_000)
    assert not dialog.save_button.isEnabled()
    key(qtbot, Qt.Key.Key_Up)                    # back to the police
    key(qtbot, Qt.Key.Key_Tab)
    assert isinstance(QApplication.focusWidget(), QCheckBox)
    key(qtbot, Qt.Key.Key_Space)                 # leave out the vulnerabilities
    qtbot.keyClicks(dialog.recommendations, "Fictional recommendation")
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    assert "Fictional recommendation" in dialog.preview.toPlainText()
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert not {p for p in gui_thread_store.places() if "share_dialog" in p}, \
        gui_thread_store.unexpected({})


def test_save_pressed_straight_after_a_change_never_saves_an_older_report(
        qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Untick a section and press Enter at once while the preview is still being built:
    nothing is saved; once the preview lands, Enter saves the report without that section."""
    page = _case_with_police_consent(qtbot, window, "ZZSHAREFAST", tmp_path)
    dialog = _open_share(qtbot, page)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    reports = _recorded(monkeypatch)
    gate, started = threading.Event(), threading.Event()
    ran_on = _gated_build(monkeypatch, gate, started)
    try:
        key(qtbot, Qt.Key.Key_Tab)
        assert isinstance(QApplication.focusWidget(), QCheckBox)
        key(qtbot, Qt.Key.Key_Space)             # leave out the vulnerabilities ...
        key(qtbot, Qt.Key.Key_Return)            # ... and save straight away
        qtbot.waitUntil(started.is_set, timeout=5_000)   # the rebuild waits on the gate
        assert ran_on[0] is not threading.main_thread(), "built on the GUI thread"
        assert not dialog.save_button.isEnabled()
        key(qtbot, Qt.Key.Key_Return)            # again, while it is being built
        assert reports == [], "recorded before the preview for the choices was shown"
        assert list(tmp_path.glob("*.pdf")) == []
        assert dialog.isVisible()
    finally:
        gate.set()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    assert ran_on
    assert all(t is not threading.main_thread() for t in ran_on)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    case_page.case_settled(qtbot, page)
    assert len(reports) == 1
    assert "vulnerabilities" not in reports[0].sections
    assert dialog.saved_path is not None
    assert dialog.saved_path.exists()


def test_lock_while_the_preview_is_built_calls_nothing_back(
        qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    page = _case_with_police_consent(qtbot, window, "ZZSHARELOCK", tmp_path)
    dialog = _open_share(qtbot, page)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    started = threading.Event()
    ran_on: list[threading.Thread] = []
    real = SharingService.build

    def slow(self: SharingService, *args: Any, **kwargs: Any) -> ShareReport:
        ran_on.append(threading.current_thread())
        started.set()
        time.sleep(SLOW_S)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SharingService, "build", slow)
    shown: list[str] = []
    monkeypatch.setattr(dialog.preview, "setHtml", lambda html: shown.append(html))
    reports = _recorded(monkeypatch)
    caplog.set_level(logging.WARNING)
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(started.is_set, timeout=5_000)
    assert ran_on[0] is not threading.main_thread(), "the preview was built on the GUI thread"

    window.lock("idle")
    assert operations.in_flight() == 0
    qtbot.wait(int(SLOW_S * 1000) + 300)         # a late callback would come by now
    assert shown == []
    assert reports == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
