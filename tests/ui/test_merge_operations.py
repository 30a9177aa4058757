"""Issue 18, the merge dialog as a hurried senior drives it: the two records are compared
off the GUI thread, Merge is off until the preview for the pair now chosen is shown (so a
merge is never made on a comparison the user has not seen), and a lock while comparing
calls nothing back."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.person_merge import PersonMergeService
from ld_desktop.services.session import UserSession
from ld_desktop.ui import operations
from ld_desktop.ui.records.merge_dialogs import MergeDialog
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.ui.test_record_corrections import _focus, _key, _page, _person, _results_back, _type

SLOW_S = 0.6


def _merge_dialog(qtbot, s: UserSession) -> tuple[MergeDialog, Any, Any]:  # type: ignore[no-untyped-def]
    keep = _person(s, "Quinn", "Testperson")
    dupe = _person(s, "Quin", "Mergeme")
    s.cases.new_referral(ReferralDraft(dupe.id, s.sites[0].id, "custody-sergeant",  # type: ignore[attr-defined]
                                       "arrested", custody_record_number="MM/2"))
    page = _page(qtbot, s, keep.id)  # type: ignore[attr-defined]
    _focus(qtbot, page.merge_button)
    _key(qtbot, Qt.Key.Key_Space)
    dialog = page.dialog
    assert isinstance(dialog, MergeDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.picker.search)
    return dialog, keep, dupe


def _choose(qtbot) -> None:  # type: ignore[no-untyped-def]
    _type(qtbot, "Mergeme")
    _key(qtbot, Qt.Key.Key_Down)
    results = QApplication.focusWidget()
    _results_back(qtbot, results.parentWidget())  # type: ignore[union-attr]
    _key(qtbot, Qt.Key.Key_Return)


def _gated_preview(monkeypatch: pytest.MonkeyPatch, gate: threading.Event,
                   started: threading.Event) -> list[threading.Thread]:
    ran_on: list[threading.Thread] = []
    real = PersonMergeService.preview

    def slow(self: PersonMergeService, *args: Any) -> Any:
        ran_on.append(threading.current_thread())
        started.set()
        if threading.current_thread() is not threading.main_thread():
            gate.wait(10)   # (never blocks the GUI thread: the test fails instead)
        return real(self, *args)

    monkeypatch.setattr(PersonMergeService, "preview", slow)
    return ran_on


def test_choosing_by_keys_compares_off_the_gui_thread(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    dialog, _keep, _dupe = _merge_dialog(qtbot, one_site_senior)
    gui_thread_store.clear()
    _choose(qtbot)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    assert "1 case(s) will move" in dialog.preview.text()
    assert not {p for p in gui_thread_store.places() if "merge_dialogs" in p}, \
        gui_thread_store.unexpected({})


def test_merge_pressed_straight_after_changing_keep_waits_for_its_preview(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep is switched to the other record and Merge pressed at once: nothing is merged
    until the comparison for that pair is shown; then the merge keeps the other record."""
    s = one_site_senior
    dialog, keep, dupe = _merge_dialog(qtbot, s)
    _choose(qtbot)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    gate, started = threading.Event(), threading.Event()
    ran_on = _gated_preview(monkeypatch, gate, started)
    try:
        _key(qtbot, Qt.Key.Key_Tab)                            # Keep
        assert QApplication.focusWidget() is dialog.keep
        _key(qtbot, Qt.Key.Key_Down)                           # keep the other record
        dialog.reason.setPlainText("Same custody photo (fictional)")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)   # at once
        assert dialog.isVisible(), "merged on the comparison of the other pair"
        assert s.persons.open(dupe.id).id == dupe.id  # type: ignore[attr-defined]
        qtbot.waitUntil(started.is_set, timeout=5_000)
        assert ran_on[0] is not threading.main_thread()
        assert not dialog.save_button.isEnabled()
    finally:
        gate.set()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert s.persons.open(keep.id).id == dupe.id  # type: ignore[attr-defined]


def test_lock_while_comparing_calls_nothing_back(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    dialog, _keep, _dupe = _merge_dialog(qtbot, one_site_senior)
    started = threading.Event()
    ran_on: list[threading.Thread] = []
    real = PersonMergeService.preview

    def slow(self: PersonMergeService, *args: Any) -> Any:
        ran_on.append(threading.current_thread())
        started.set()
        time.sleep(SLOW_S)
        return real(self, *args)

    monkeypatch.setattr(PersonMergeService, "preview", slow)
    shown: list[str] = []
    monkeypatch.setattr(dialog.preview, "setText", lambda text: shown.append(text))
    caplog.set_level(logging.WARNING)
    _choose(qtbot)
    qtbot.waitUntil(started.is_set, timeout=5_000)
    assert ran_on[0] is not threading.main_thread(), "compared on the GUI thread"
    shown.clear()

    operations.settle_for_lock()                   # what the lock does before the key goes
    assert operations.in_flight() == 0
    qtbot.wait(int(SLOW_S * 1000) + 300)           # a late callback would come by now
    assert shown == []
    assert not dialog.save_button.isEnabled()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
