"""Clinical saves run as operations owned by their dialog, wizard or page: a refusal keeps
the dialog and what was typed; a second press while saving records nothing more; a lock
while a note saves or a screening completes logs nothing, calls nothing back and leaves the
record whole; moving to another case while a note saves drops the result unseen."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.services.cases import CaseService, ReferralDraft
from ld_desktop.services.clinical.notes import NoteService
from ld_desktop.services.clinical.screenings import ScreeningService
from ld_desktop.services.drafts import DraftService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.form_dialog import FormDialog
from ld_desktop.ui.clinical.note_dialogs import NoteDialog
from ld_desktop.ui.main_window import MainWindow
from tests.helpers.case_page import case_settled
from tests.helpers.drafts import drafts_back
from tests.helpers.gui_thread_store import GuiThreadStoreWatch

TYPED = "Seen at 14:10; calm and talking (fictional)"
SLOW_S = 0.4


@pytest.fixture
def window(qtbot, demo_dir: Path, accounts):  # type: ignore[no-untyped-def]
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    win.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    win.show()
    yield win
    win.lock("test finished")


def _case(session: UserSession, family: str) -> uuid.UUID:
    site = session.sites[0].id
    born = date.today() - timedelta(days=365 * 35)
    person = session.persons.register(PersonDraft("Testcase", family, born), site)
    return session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested",
        custody_record_number=f"TEST/{family}")).id


def _note_dialog(qtbot, window: MainWindow, family: str) -> tuple[CasePage, NoteDialog]:  # type: ignore[no-untyped-def]
    assert window.session is not None
    window.open_case(_case(window.session, family))
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    page.note()
    drafts_back(qtbot)
    dialog = page.dialog
    assert isinstance(dialog, NoteDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.body)
    for char in TYPED:                                  # typed, as a practitioner would
        qtbot.keyClick(QApplication.focusWidget(), char)
    return page, dialog


def _slow(monkeypatch: pytest.MonkeyPatch, started: threading.Event,
          then: Callable[..., Any] | None = None) -> list[str]:
    """NoteService.add takes SLOW_S; returns the bodies it was asked to save."""
    original = NoteService.add
    calls: list[str] = []

    def slow_add(self: NoteService, case_id: uuid.UUID, body: str) -> Any:
        calls.append(body)
        started.set()
        time.sleep(SLOW_S)
        if then is not None:
            return then()
        return original(self, case_id, body)

    monkeypatch.setattr(NoteService, "add", slow_add)
    return calls


def test_a_refused_save_keeps_the_dialog_and_the_typed_text(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    page, dialog = _note_dialog(qtbot, window, "ZZREFUSED")

    def refuse() -> Any:
        raise ValueError("This case was closed on another workstation (fictional).")

    started = threading.Event()
    _slow(monkeypatch, started, then=refuse)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.save_button.isEnabled()           # saving: no second submit
    qtbot.waitUntil(lambda: "closed on another workstation" in dialog.error.text())
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    assert dialog.body.toPlainText() == TYPED          # nothing typed is lost
    assert dialog.save_button.isEnabled()              # and it can be tried again
    assert page.records.notes == []


def test_a_second_press_while_saving_records_one_note(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    page, dialog = _note_dialog(qtbot, window, "ZZDOUBLE")
    started = threading.Event()
    calls = _slow(monkeypatch, started)
    dialog.save_button.setFocus()
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    dialog.accept()                                    # an Enter already queued
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0)
    assert calls == [TYPED]
    assert [n.body for n in page.records.notes] == [TYPED]


def test_lock_while_a_note_saves(qtbot, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                 monkeypatch: pytest.MonkeyPatch,
                                 caplog: pytest.LogCaptureFixture, demo_dir: Path) -> None:
    page, dialog = _note_dialog(qtbot, window, "ZZLOCKSAVE")
    case_id = page.case_id
    started = threading.Event()
    _slow(monkeypatch, started)
    called_back: list[str] = []
    for hook in ("_saved", "_refused"):
        real = getattr(FormDialog, hook)

        def spy(self: FormDialog, value: object, _real: Any = real, _hook: str = hook) -> None:
            called_back.append(_hook)
            _real(self, value)

        monkeypatch.setattr(FormDialog, hook, spy)
    caplog.set_level(logging.WARNING)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(started.is_set, timeout=5_000)

    window.lock("idle")
    assert operations.in_flight() == 0, "the lock returned with the save still out"
    qtbot.wait(int(SLOW_S * 1000) + 300)              # a late callback would come by now
    assert called_back == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []

    # The save ran to its end before the key went: the note is whole, the draft is gone.
    window.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    assert window.session is not None
    assert [n.body for n in window.session.notes.for_case(case_id)] == [TYPED]
    assert window.session.drafts.load(f"note:{case_id}") is None


def test_lock_while_a_screening_completes(qtbot, wizard_of, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture,
                                          demo_dir: Path) -> None:
    """Enter twice on the last question, then a lock while the completion runs: one
    completion, no callback, nothing logged, and the screening completed whole."""
    assert window.session is not None
    window.open_case(_case(window.session, "ZZLOCKDONE"))
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    case_id = page.case_id
    page.start_screening("phq9")
    wizard = wizard_of(page)
    original = ScreeningService.complete
    started = threading.Event()
    calls: list[uuid.UUID] = []

    def slow_complete(self: ScreeningService, screening_id: uuid.UUID, *args: Any) -> Any:
        calls.append(screening_id)
        started.set()
        time.sleep(SLOW_S)
        return original(self, screening_id, *args)

    monkeypatch.setattr(ScreeningService, "complete", slow_complete)
    completed: list[object] = []
    wizard.completed.connect(completed.append)
    caplog.set_level(logging.WARNING)
    while not wizard.flow.at_end:
        qtbot.keyClick(wizard, Qt.Key.Key_1)
        qtbot.keyClick(wizard, Qt.Key.Key_Return)
    qtbot.keyClick(wizard, Qt.Key.Key_1)
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    qtbot.keyClick(wizard, Qt.Key.Key_Return)          # in a hurry
    qtbot.waitUntil(started.is_set, timeout=5_000)

    window.lock("idle")                                 # flushes drafts, then settles
    assert operations.in_flight() == 0
    qtbot.wait(int(SLOW_S * 1000) + 300)
    assert completed == []
    assert len(calls) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    window.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    assert window.session is not None
    [screening] = window.session.screenings.for_case(case_id)
    assert screening.state == ScreeningState.COMPLETED
    assert len(screening.answers) == 9


def test_closing_the_case_page_while_it_saves_raises_nothing(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The person moves to another case while the note saves: the old page and its dialog
    go, the save finishes, and its result is dropped unseen (nothing raised or logged)."""
    page, dialog = _note_dialog(qtbot, window, "ZZCLOSING")
    assert window.session is not None
    other = _case(window.session, "ZZNEXTONE")
    started = threading.Event()
    calls = _slow(monkeypatch, started)
    reloaded: list[CasePage] = []
    real_reload = CasePage.reload

    def spy(self: CasePage, audit: bool = False) -> None:
        reloaded.append(self)
        real_reload(self, audit)

    monkeypatch.setattr(CasePage, "reload", spy)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(started.is_set, timeout=5_000)
    saving = dialog.saving
    assert saving is not None
    window.open_case(other)                            # the case page goes
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=1_000)
    assert saving.dropped                              # its result will go unseen
    assert operations.in_flight() >= 1                 # still saving (the next case loads)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    qtbot.wait(100)
    assert calls == [TYPED]
    assert page not in reloaded                        # the old page was not called back
    assert window.session.notes.for_case(page.case_id)[0].body == TYPED


def test_closing_the_case_page_while_it_refreshes_raises_nothing(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture) -> None:
    """A change notice reloads the case in the background; a second notice supersedes the
    first; the person moves to another case while it loads: nothing raised, logged or
    shown on the page that went."""
    assert window.session is not None
    window.open_case(_case(window.session, "ZZREFRESH"))
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    other = _case(window.session, "ZZELSEWHERE")
    original = CaseService.open
    started = threading.Event()

    def slow_open(self: CaseService, case_id: uuid.UUID, *args: Any, **kwargs: Any) -> Any:
        if case_id == page.case_id:                  # only this page's refresh is slow
            started.set()
            time.sleep(SLOW_S)
        return original(self, case_id, *args, **kwargs)

    shown: list[CasePage] = []
    real_show = CasePage._show

    def spy(self: CasePage, loaded: Any) -> None:
        shown.append(self)
        real_show(self, loaded)

    monkeypatch.setattr(CaseService, "open", slow_open)
    monkeypatch.setattr(CasePage, "_show", spy)
    caplog.set_level(logging.WARNING)
    notice = Changes(frozenset({"case"}), frozenset({page.case_id}))
    page.on_changes(notice)
    page.on_changes(notice)                           # the newer load supersedes the older
    qtbot.waitUntil(started.is_set, timeout=5_000)
    assert page.cursor().shape() == Qt.CursorShape.BusyCursor   # calm: busy, still shown
    window.open_case(other)                           # the case page goes
    qtbot.waitUntil(lambda: not shiboken6.isValid(page), timeout=1_000)
    assert operations.in_flight() >= 1                # its load still runs
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    qtbot.wait(100)
    assert page not in shown
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_ctrl_l_straight_after_typing_keeps_the_note_as_a_draft(
        qtbot, window: MainWindow, accounts, demo_dir: Path,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    """Type a note and lock at once with Ctrl+L (the pause-in-typing save has not run) while
    other work fills the pool: the lock writes the newest text before the key goes, off the
    GUI thread (a save merely queued would be dropped by the lock), and the form opened
    again after unlocking brings it back."""
    page, dialog = _note_dialog(qtbot, window, "ZZCTRLL")
    case_id = page.case_id
    assert dialog._draft_timer.is_pending()            # typed just now: nothing saved yet
    for _busy in range(operations.pool().maxThreadCount()):   # other work fills the pool,
        operations.Operation(page, lambda: time.sleep(SLOW_S)).run()   # so a save would queue
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier)
    assert window.session is None
    assert not {p for p in gui_thread_store.places() if "form_dialog" in p}

    window.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    window.open_case(case_id)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    page.note()
    again = page.dialog
    assert isinstance(again, NoteDialog)
    drafts_back(qtbot)
    assert again.body.toPlainText() == TYPED
    assert "Restored what you typed earlier" in again.error.text()


def test_keys_typed_before_the_draft_is_back_neither_overwrite_nor_vanish(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The saved draft is slow to come back and the practitioner types at once: the field
    takes nothing until the draft is back (so nothing typed is silently replaced), then the
    draft is shown whole and typing carries on from it; Save does nothing until then."""
    session = window.session
    assert session is not None
    case_id = _case(session, "ZZSLOWDRAFT")
    session.drafts.save(f"note:{case_id}", {"body": "Earlier text."})
    real_load = DraftService.load

    def slow_load(self: DraftService, key: str) -> Any:
        time.sleep(SLOW_S)
        return real_load(self, key)

    monkeypatch.setattr(DraftService, "load", slow_load)
    window.open_case(case_id)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    page.note()
    dialog = page.dialog
    assert isinstance(dialog, NoteDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.body)
    qtbot.keyClicks(QApplication.focusWidget(), "lost?")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    assert dialog.body.toPlainText() == ""
    assert dialog.isVisible()
    assert dialog.saving is None                        # nothing saved before the draft
    drafts_back(qtbot)
    assert dialog.body.toPlainText() == "Earlier text."
    dialog.body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(QApplication.focusWidget(), " More.")
    assert dialog.body.toPlainText() == "Earlier text. More."
