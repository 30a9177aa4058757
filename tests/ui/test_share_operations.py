"""Issue 18, the share dialog as a hurried user drives it: the consent in force and the
preview are read off the GUI thread, Save never records a report other than the one for the
choices on screen, and a lock while the preview is being built calls nothing back."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox

from ld_desktop.services.sharing import ShareReport, SharingService
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.share_dialog import ShareDialog
from ld_desktop.ui.main_window import MainWindow
from tests.helpers import case_page
from tests.helpers.clinical import give_consent, new_case
from tests.helpers.gates import Gate, deliver_late_results
from tests.helpers.gui_thread_store import GuiThreadStoreWatch


def _case_with_police_consent(qtbot, window: MainWindow, family: str,  # type: ignore[no-untyped-def]
                              tmp_path: Path) -> CasePage:
    session = window.session
    assert session is not None
    case_id: uuid.UUID = new_case(session, age=30, family=family)
    page = case_page.open_case(qtbot, window, case_id)
    page.choose_path = lambda _parent, suggested: tmp_path / suggested
    give_consent(qtbot, page, "police")
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
        monkeypatch: pytest.MonkeyPatch, gate: Gate) -> None:
    """Untick a section and press Enter at once while the preview is still being built:
    nothing is saved; once the preview lands, Enter saves the report without that section."""
    page = _case_with_police_consent(qtbot, window, "ZZSHAREFAST", tmp_path)
    dialog = _open_share(qtbot, page)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    reports = _recorded(monkeypatch)
    gate.hold_calls(monkeypatch, SharingService, "build")
    key(qtbot, Qt.Key.Key_Tab)
    assert isinstance(QApplication.focusWidget(), QCheckBox)
    key(qtbot, Qt.Key.Key_Space)                 # leave out the vulnerabilities ...
    key(qtbot, Qt.Key.Key_Return)                # ... and save straight away
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)   # the rebuild waits on the gate
    assert gate.on_worker(), "built on the GUI thread"
    assert not dialog.save_button.isEnabled()
    key(qtbot, Qt.Key.Key_Return)                # again, while it is being built
    assert reports == [], "recorded before the preview for the choices was shown"
    assert list(tmp_path.glob("*.pdf")) == []
    assert dialog.isVisible()
    gate.open()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    assert gate.on_worker()
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    case_page.case_settled(qtbot, page)
    assert len(reports) == 1
    assert "vulnerabilities" not in reports[0].sections
    assert dialog.saved_path is not None
    assert dialog.saved_path.exists()


def test_lock_while_the_preview_is_built_calls_nothing_back(
        qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, gate: Gate) -> None:
    page = _case_with_police_consent(qtbot, window, "ZZSHARELOCK", tmp_path)
    dialog = _open_share(qtbot, page)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    gate.hold_calls(monkeypatch, SharingService, "build")
    shown: list[str] = []
    monkeypatch.setattr(dialog.preview, "setHtml", lambda html: shown.append(html))
    reports = _recorded(monkeypatch)
    caplog.set_level(logging.WARNING)
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)
    assert gate.on_worker(), "the preview was built on the GUI thread"

    window.lock("idle")                          # waits for the held build
    assert gate.opened_by_lock.is_set(), "the lock did not wait for the build"
    assert operations.in_flight() == 0
    deliver_late_results()                       # a late callback would come now
    assert shown == []
    assert reports == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
