"""Issue 18, the merge dialog as a hurried senior drives it: the two records are compared
off the GUI thread, Merge is off until the preview for the pair now chosen is shown (so a
merge is never made on a comparison the user has not seen), and a lock while comparing
calls nothing back."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.person_merge import PersonMergeService
from ld_desktop.services.session import UserSession
from ld_desktop.ui import operations
from tests.helpers.gates import Gate, deliver_late_results
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.helpers.person_page import choose_by_keys, key, merge_dialog


def test_choosing_by_keys_compares_off_the_gui_thread(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    dialog = merge_dialog(qtbot, one_site_senior, "MM/2")[1]
    gui_thread_store.clear()
    choose_by_keys(qtbot, "Mergeme")
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    assert "1 case(s) will move" in dialog.preview.text()
    assert not {p for p in gui_thread_store.places() if "merge_dialogs" in p}, \
        gui_thread_store.unexpected({})


def test_merge_pressed_straight_after_changing_keep_waits_for_its_preview(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, gate: Gate) -> None:
    """Keep is switched to the other record and Merge pressed at once: nothing is merged
    until the comparison for that pair is shown; then the merge keeps the other record."""
    s = one_site_senior
    _page, dialog, keep, dupe = merge_dialog(qtbot, s, "MM/2")
    choose_by_keys(qtbot, "Mergeme")
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    gate.hold_calls(monkeypatch, PersonMergeService, "preview")
    key(qtbot, Qt.Key.Key_Tab)                                # Keep
    assert QApplication.focusWidget() is dialog.keep
    key(qtbot, Qt.Key.Key_Down)                               # keep the other record
    dialog.reason.setPlainText("Same custody photo (fictional)")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)   # at once
    assert dialog.isVisible(), "merged on the comparison of the other pair"
    assert s.persons.open(dupe.id).id == dupe.id  # type: ignore[attr-defined]
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)
    assert gate.on_worker()
    assert not dialog.save_button.isEnabled()
    gate.open()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert s.persons.open(keep.id).id == dupe.id  # type: ignore[attr-defined]


def test_lock_while_comparing_calls_nothing_back(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, gate: Gate) -> None:
    dialog = merge_dialog(qtbot, one_site_senior, "MM/2")[1]
    gate.hold_calls(monkeypatch, PersonMergeService, "preview")
    shown: list[str] = []
    monkeypatch.setattr(dialog.preview, "setText", lambda text: shown.append(text))
    caplog.set_level(logging.WARNING)
    choose_by_keys(qtbot, "Mergeme")
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)
    assert gate.on_worker(), "compared on the GUI thread"
    shown.clear()

    operations.settle_for_lock()                   # what the lock does before the key goes
    assert gate.opened_by_lock.is_set(), "the lock did not wait for the comparison"
    assert operations.in_flight() == 0
    deliver_late_results()                         # a late callback would come now
    assert shown == []
    assert not dialog.save_button.isEnabled()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
