"""Loads that start while a re-key swaps the store's key (issue: pages fell back to the
default failure display). The rotation is started by keys on the focused Rotate button; while
the key is being swapped the page's users list loads again, and another load starts, as change
notices and the status timer make them do. They wait for the swap and show the new data."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

import ld_desktop.store.store as store_module
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.admin_page import AdminPage
from tests.ui.test_admin_keys import ADMIN, _answer_yes, _type_unlock, store

__all__ = ["store"]


def test_loads_during_a_rekey_wait_for_the_new_key(  # type: ignore[no-untyped-def]
        qtbot, store: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    window = MainWindow(Workstation(store), banner="TEST")
    qtbot.addWidget(window)
    _type_unlock(qtbot, window)
    page = window.page("Admin")
    assert isinstance(page, AdminPage)
    qtbot.waitUntil(lambda: page.users.count() > 0 and operations.in_flight() == 0,
                    timeout=5_000)
    real = store_module.execute_key_pragma
    swapping, swapped = threading.Event(), threading.Event()

    def slow_swap(conn, pragma, key):  # type: ignore[no-untyped-def]
        if pragma == "rekey":          # the engine is gone and the file is changing
            swapping.set()
            time.sleep(0.8)
            real(conn, pragma, key)
            swapped.set()
            return None
        return real(conn, pragma, key)

    monkeypatch.setattr(store_module, "execute_key_pragma", slow_swap)
    caplog.set_level(logging.WARNING)
    session = window.session
    assert session is not None
    counted: list[object] = []
    failed: list[str] = []
    real_failed = AdminPage._users_failed

    def users_failed(self: AdminPage, exc: Exception) -> None:
        failed.append(type(exc).__name__)
        real_failed(self, exc)

    monkeypatch.setattr(AdminPage, "_users_failed", users_failed)
    window.activateWindow()
    page.rotate_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.rotate_button, timeout=3_000)
    QTimer.singleShot(0, lambda: _answer_yes([]))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(swapping.is_set, timeout=5_000)
    page.users.clear()
    page.refresh_users()                                   # a change notice's reload
    operations.Operation(page, session.accounts.list_users) \
        .success(counted.append).failure(lambda exc: failed.append(type(exc).__name__)) \
        .run()                                             # another page's load
    qtbot.waitUntil(lambda: "Keys rotated." in page.message.text(), timeout=15_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert swapped.is_set()
    assert failed == []
    assert page.users.count() > 0, page.clinical_hint.text()
    assert "could not be loaded" not in page.clinical_hint.text()
    assert len(counted) == 1
    assert not operations._open_boxes, "a load fell back to the failure display"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    window.lock("test finished")
    Workstation(store).unlock(*ADMIN).lock()
