"""One definition of "a refusal the user can fix" (``services.errors.is_refusal``) for every
form and page: a refusal is said in place with what was typed kept, whatever layer it came
from. Before, clinical forms counted ``LookupError`` but not ``StoreError`` (a full disk went
to the error window and the log) while pages counted ``StoreError`` but mostly not
``LookupError`` (a user gone elsewhere did the same)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from ld_desktop.domain.roles import Role
from ld_desktop.services.accounts import AccountService
from ld_desktop.services.clinical.notes import NoteService
from ld_desktop.services.errors import (
    DiskFull,
    RecordNotFound,
    StoreBug,
    StoreError,
    is_refusal,
)
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.admin_page import AdminPage
from tests.helpers.clinical import note_dialog

TYPED = "Seen at 14:10; calm (fictional)"


def test_the_one_definition() -> None:
    assert is_refusal(ValueError("no"))
    assert is_refusal(PermissionError("no"))
    assert is_refusal(RecordNotFound("case"))
    assert is_refusal(DiskFull())
    assert isinstance(DiskFull(), StoreError)
    assert not is_refusal(StoreBug(KeyError("x")))     # a programming error: reported
    assert not is_refusal(RuntimeError("boom"))


def test_a_full_disk_in_a_clinical_form_is_said_in_the_form(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture) -> None:
    _page, dialog = note_dialog(qtbot, window, "ZZDISKFULL", TYPED)

    def full(*_args: Any) -> Any:
        raise DiskFull()

    monkeypatch.setattr(NoteService, "add", full)
    caplog.set_level(logging.WARNING)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)   # on to Save
    dialog.save_button.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "disk is full" in dialog.error.text(), timeout=5_000)
    assert dialog.isVisible()
    assert dialog.body.toPlainText() == TYPED
    assert dialog.save_button.isEnabled()
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_lookup_error_on_a_page_is_said_on_the_page(
        qtbot, demo_dir: Path, accounts, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture) -> None:
    window = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(window)
    window.start_session(Workstation(demo_dir).unlock("demo.admin", accounts["demo.admin"]))
    window.show()
    try:
        page = window.page("Admin")
        assert isinstance(page, AdminPage)
        qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)

        def gone(*_args: Any) -> Any:   # e.g. the site was removed on another workstation
            raise RecordNotFound("site")

        monkeypatch.setattr(AccountService, "add_user", gone)
        caplog.set_level(logging.WARNING)
        page.new_username.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is page.new_username)
        qtbot.keyClicks(QApplication.focusWidget(), "zz.refused")
        page.new_role.setCurrentIndex(page.new_role.findData(Role.PRACTITIONER.value))
        page.new_passphrase.setFocus()
        qtbot.keyClicks(QApplication.focusWidget(), "a passphrase for refusal")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "not on this workstation" in page.message.text(),
                        timeout=5_000)
        assert page.new_username.text() == "zz.refused"      # what was typed is kept
        assert page.new_passphrase.text() == ""              # never a passphrase
        assert page.add_button.isEnabled()
        assert not [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.isVisible()]
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    finally:
        window.lock("test finished")
