"""Locking leaves nothing on screen (issue 13 item 6): every dialog the app has is opened,
typed into and copied from, then the workstation locks; afterwards no window but the unlock
window is visible and the clipboard no longer holds what was copied. What was typed into the
New referral dialog (a parentless exec() dialog before) comes back as the user's draft. A
failed unlock puts the focus in an emptied passphrase box, not the username box."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QWidget

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.share_dialog import choose_pdf_path
from ld_desktop.ui.main_window import MainWindow
from tests.helpers.case_page import case_settled, wizard_of
from tests.helpers.drafts import drafts_back
from tests.helpers.gui_thread_store import GuiThreadStoreWatch

TYPED = "Fictional words typed before the lock"


@pytest.fixture
def window(qtbot, demo_dir: Path):  # type: ignore[no-untyped-def]
    QApplication.clipboard().clear()   # each test copies its own text
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.lock("test finished")


def _start(qtbot, window: MainWindow, accounts: dict[str, str],  # type: ignore[no-untyped-def]
           user: str = "demo.senior") -> UserSession:
    session = window.workstation.unlock(user, accounts[user])
    window.start_session(session)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3_000)
    return session


def _new_case(session: UserSession) -> uuid.UUID:
    site = session.sites[0].id
    person = session.persons.register(
        PersonDraft("Testcase", "ZZLOCKSWEEP", date.today() - timedelta(days=365 * 30)), site)
    return session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested", custody_record_number="TEST/LOCK")).id


def _visible_windows(window: MainWindow) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]


def _type_and_copy(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Tab to the first text box of the active window, type, select all and copy."""
    def focus_in_active_window() -> bool:
        active, focus = QApplication.activeWindow(), QApplication.focusWidget()
        modal = QApplication.activeModalWidget()
        return (active is not None and focus is not None and active.isAncestorOf(focus)
                and (modal is None or active is modal))

    qtbot.waitUntil(focus_in_active_window, timeout=3_000)
    drafts_back(qtbot)   # a form's text boxes are read-only until its saved draft is back
    for _ in range(25):
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit | QPlainTextEdit) and not focus.isReadOnly():
            break
        qtbot.keyClick(focus or QApplication.activeWindow(), Qt.Key.Key_Tab)
    focus = QApplication.focusWidget()
    assert isinstance(focus, QLineEdit | QPlainTextEdit), type(focus)
    qtbot.keyClicks(focus, TYPED)
    qtbot.keyClick(focus, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(focus, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert TYPED in QApplication.clipboard().text()


def _assert_nothing_left(window: MainWindow) -> None:
    assert window.session is None
    assert window.root.currentWidget() is window.unlock_page
    assert _visible_windows(window) == []
    assert QApplication.clipboard().text() == ""


CASE_DIALOGS: dict[str, Callable[[CasePage], object]] = {
    "consent": CasePage.consent,
    "parent or carer": CasePage.record_parent_carer,
    "risk": CasePage.risk,
    "escalate": CasePage.escalate,
    "refer": CasePage.refer,
    "support action": CasePage.support,
    "note": CasePage.note,
    "share": CasePage.share,
    "outcome": CasePage.outcome,
}


@pytest.mark.parametrize("opener", list(CASE_DIALOGS), ids=list(CASE_DIALOGS))
def test_every_case_dialog_closes_on_lock_and_clipboard_is_cleared(
        qtbot, window: MainWindow, accounts, opener: str) -> None:  # type: ignore[no-untyped-def]
    session = _start(qtbot, window, accounts)
    window.open_case(_new_case(session))
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    CASE_DIALOGS[opener](page)
    qtbot.waitUntil(lambda: page.dialog.isActiveWindow(), timeout=3_000)
    _type_and_copy(qtbot)
    window.lock("idle")
    _assert_nothing_left(window)


def test_screening_dialogs_close_on_lock(qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    session = _start(qtbot, window, accounts)
    window.open_case(_new_case(session))
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    page.screening()   # a new case: the core screen's wizard
    wizard_of(qtbot, page)
    page.wizard.ask_discard()
    qtbot.waitUntil(lambda: page.wizard is not None
                    and page.wizard.discard_dialog.isActiveWindow(), timeout=3_000)
    _type_and_copy(qtbot)
    window.lock("idle")
    _assert_nothing_left(window)


def test_file_chooser_opened_with_exec_closes_on_lock(qtbot, window: MainWindow, accounts  # type: ignore[no-untyped-def]
                                                      ) -> None:
    session = _start(qtbot, window, accounts)
    window.open_case(_new_case(session))
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    seen: list[str] = []

    def drive() -> None:
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=3_000)
        chooser = QApplication.activeModalWidget()
        seen.append(type(chooser).__name__)
        try:
            _type_and_copy(qtbot)
        finally:
            window.lock("idle")
        if chooser is not None and chooser.isVisible():   # survived the lock: fail, not hang
            seen.append("survived the lock")
            chooser.close()

    QTimer.singleShot(300, drive)
    assert choose_pdf_path(page, "LD-fictional.pdf") is None   # blocks until the lock
    assert seen == ["QFileDialog"]
    _assert_nothing_left(window)


def test_new_referral_closes_on_lock_and_keeps_the_draft(qtbot, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                                         gui_thread_store: GuiThreadStoreWatch
                                                         ) -> None:
    """The draft is written at the lock and read back on the next Ctrl+N, both off the GUI
    thread (the lock waits for the write, before the key goes)."""
    _start(qtbot, window, accounts, "demo.practitioner")
    outcome: dict[str, object] = {}

    def type_then_lock() -> None:
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=3_000)
        dialog = QApplication.activeModalWidget()
        outcome["dialog"] = dialog
        try:
            _type_and_copy(qtbot)
        finally:
            window.lock("idle")   # the idle timer fires while the dialog's exec() loop runs
        if dialog is not None and dialog.isVisible():   # survived the lock: fail, not hang
            outcome["survived"] = True
            dialog.close()
        outcome["done"] = True

    # The dialog may be opened with exec() (the timer runs inside its loop) or open() (the
    # key press returns at once): either way, wait for the timer's work to finish.
    QTimer.singleShot(200, type_then_lock)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "done" in outcome, timeout=10_000)
    assert outcome.get("dialog") is not None, "Ctrl+N opened no dialog"
    assert "survived" not in outcome
    _assert_nothing_left(window)

    _start(qtbot, window, accounts, "demo.practitioner")

    def read_then_cancel() -> None:
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=3_000)
        dialog = QApplication.activeModalWidget()
        assert dialog is not None
        try:   # the kept draft is read in the background: its fields are read-only till then
            qtbot.waitUntil(lambda: not any(f.isReadOnly() for f in dialog.findChildren(
                QLineEdit) if f.accessibleName()), timeout=5_000)
        finally:
            outcome["restored"] = [f.text() for f in dialog.findChildren(QLineEdit)]
            dialog.reject()

    QTimer.singleShot(200, read_then_cancel)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "restored" in outcome, timeout=10_000)
    assert TYPED in outcome["restored"]   # type: ignore[operator]
    assert not {p for p in gui_thread_store.places() if "lock_sweep" in p}, \
        gui_thread_store.unexpected({})


def test_failed_unlock_puts_focus_in_an_emptied_passphrase_box(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                               ) -> None:
    page = window.unlock_page
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3_000)
    page.username.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(QApplication.focusWidget(), "demo.senior")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.passphrase
    qtbot.keyClicks(QApplication.focusWidget(), "not the right passphrase")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(page.error.text()), timeout=15_000)
    assert QApplication.focusWidget() is page.passphrase
    assert page.passphrase.text() == ""
    qtbot.keyClicks(QApplication.focusWidget(), "retyped secret")   # lands hidden
    assert page.passphrase.text() == "retyped secret"
    assert page.passphrase.echoMode() == QLineEdit.EchoMode.Password
    assert page.username.currentText() == "demo.senior"


def test_failed_attempts_are_shown_after_unlocking(qtbot, window: MainWindow, accounts  # type: ignore[no-untyped-def]
                                                   ) -> None:
    page = window.unlock_page
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3_000)
    for attempt in ("first wrong guess", "second wrong guess", accounts["demo.practitioner"]):
        page.error.setText("")
        page.username.setFocus()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A,
                       Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(QApplication.focusWidget(), "demo.practitioner")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClicks(QApplication.focusWidget(), attempt)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.session is not None or bool(page.error.text()),
                        timeout=15_000)
    assert window.session is not None
    notice = window.failed_notice
    assert notice is not None
    assert notice.text().startswith("2 failed attempts since your last unlock")
    assert notice.isVisible()
