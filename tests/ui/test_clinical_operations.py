"""Clinical saves run as operations owned by their dialog, wizard or page: a refusal keeps
the dialog and what was typed; a second press while saving records nothing more; a lock
while a note saves or a screening completes logs nothing, calls nothing back and leaves the
record whole; moving to another case while a note saves drops the result unseen."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.services.cases import CaseService
from ld_desktop.services.clinical.notes import NoteService
from ld_desktop.services.clinical.screenings import ScreeningService
from ld_desktop.services.drafts import DraftService
from ld_desktop.services.views import Changes
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.form_dialog import FormDialog
from ld_desktop.ui.clinical.note_dialogs import NoteDialog
from ld_desktop.ui.main_window import MainWindow
from tests.helpers.case_page import case_settled
from tests.helpers.clinical import new_case, note_dialog
from tests.helpers.drafts import drafts_back
from tests.helpers.gates import Gate, deliver_late_results
from tests.helpers.gui_thread_store import GuiThreadStoreWatch

TYPED = "Seen at 14:10; calm and talking (fictional)"


def _held_saves(monkeypatch: pytest.MonkeyPatch, gate: Gate) -> list[tuple[Any, ...]]:
    """NoteService.add waits at the gate; returns the (case, body) it was asked to save."""
    return gate.hold_calls(monkeypatch, NoteService, "add")


def test_a_refused_save_keeps_the_dialog_and_the_typed_text(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gate: Gate) -> None:
    page, dialog = note_dialog(qtbot, window, "ZZREFUSED", TYPED)

    def refuse(_self: NoteService, *_args: Any) -> Any:
        raise ValueError("This case was closed on another workstation (fictional).")

    monkeypatch.setattr(NoteService, "add", refuse)
    _held_saves(monkeypatch, gate)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)
    assert not dialog.save_button.isEnabled()           # saving: no second submit
    gate.open()
    qtbot.waitUntil(lambda: "closed on another workstation" in dialog.error.text())
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    assert dialog.body.toPlainText() == TYPED          # nothing typed is lost
    assert dialog.save_button.isEnabled()              # and it can be tried again
    assert page.records.notes == []


def test_a_second_press_while_saving_records_one_note(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gate: Gate) -> None:
    page, dialog = note_dialog(qtbot, window, "ZZDOUBLE", TYPED)
    calls = _held_saves(monkeypatch, gate)
    gate.open_when_the_gui_waits(monkeypatch)   # see the xfail test below
    dialog.save_button.setFocus()
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)   # the save is held: still saving
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)   # (Cancel has the focus now)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    dialog.accept()                                    # an Enter already queued
    gate.open()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0)
    assert [body for _case_id, body in calls] == [TYPED]
    assert [n.body for n in page.records.notes] == [TYPED]


@pytest.mark.xfail(strict=True, reason=(
    "found 30/11 when the sleep became a gate: FormDialog.reject offers the empty draft "
    "(SaveLatest._offer) under the save's lock on the GUI thread, so Escape or a second "
    "Enter (which lands on Cancel once Save is disabled) freezes the window until the "
    "save commits; ld_desktop/ui/clinical/form_dialog.py, left to the dialogs' owner"))
def test_escape_while_a_note_saves_does_not_freeze_the_window(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gate: Gate) -> None:
    _page, dialog = note_dialog(qtbot, window, "ZZESCAPE", TYPED)
    _held_saves(monkeypatch, gate)
    froze = gate.open_when_the_gui_waits(monkeypatch)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
    assert not froze.is_set(), "the GUI thread waited for the save"


def test_lock_while_a_note_saves(qtbot, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                 monkeypatch: pytest.MonkeyPatch, gate: Gate,
                                 caplog: pytest.LogCaptureFixture, demo_dir: Path) -> None:
    page, dialog = note_dialog(qtbot, window, "ZZLOCKSAVE", TYPED)
    case_id = page.case_id
    _held_saves(monkeypatch, gate)
    called_back: list[str] = []
    for hook in ("_saved", "_refused"):
        real = getattr(FormDialog, hook)

        def spy(self: FormDialog, value: object, _real: Any = real, _hook: str = hook) -> None:
            called_back.append(_hook)
            _real(self, value)

        monkeypatch.setattr(FormDialog, hook, spy)
    caplog.set_level(logging.WARNING)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)

    window.lock("idle")                                 # waits for the held save
    assert gate.opened_by_lock.is_set(), "the lock did not wait for the save"
    assert operations.in_flight() == 0, "the lock returned with the save still out"
    deliver_late_results()                              # a late callback would come now
    assert called_back == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []

    # The save ran to its end before the key went: the note is whole, the draft is gone.
    window.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    assert window.session is not None
    assert [n.body for n in window.session.notes.for_case(case_id)] == [TYPED]
    assert window.session.drafts.load(f"note:{case_id}") is None


def test_lock_while_a_screening_completes(qtbot, wizard_of, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch, gate: Gate,
                                          caplog: pytest.LogCaptureFixture,
                                          demo_dir: Path) -> None:
    """Enter twice on the last question, then a lock while the completion runs: one
    completion, no callback, nothing logged, and the screening completed whole."""
    assert window.session is not None
    window.open_case(new_case(window.session, age=35, family="ZZLOCKDONE"))
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    case_id = page.case_id
    page.start_screening("phq9")
    wizard = wizard_of(page)
    calls = gate.hold_calls(monkeypatch, ScreeningService, "complete")
    completed: list[object] = []
    wizard.completed.connect(completed.append)
    caplog.set_level(logging.WARNING)
    while not wizard.flow.at_end:
        qtbot.keyClick(wizard, Qt.Key.Key_1)
        qtbot.keyClick(wizard, Qt.Key.Key_Return)
    qtbot.keyClick(wizard, Qt.Key.Key_1)
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    qtbot.keyClick(wizard, Qt.Key.Key_Return)          # in a hurry
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)

    window.lock("idle")                                 # flushes drafts, then settles
    assert gate.opened_by_lock.is_set(), "the lock did not wait for the completion"
    assert operations.in_flight() == 0
    deliver_late_results()
    assert completed == []
    assert len(calls) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    window.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    assert window.session is not None
    [screening] = window.session.screenings.for_case(case_id)
    assert screening.state == ScreeningState.COMPLETED
    assert len(screening.answers) == 9


def test_closing_the_case_page_while_it_saves_raises_nothing(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gate: Gate) -> None:
    """The person moves to another case while the note saves: the old page and its dialog
    go, the save finishes, and its result is dropped unseen (nothing raised or logged)."""
    page, dialog = note_dialog(qtbot, window, "ZZCLOSING", TYPED)
    assert window.session is not None
    other = new_case(window.session, age=35, family="ZZNEXTONE")
    calls = _held_saves(monkeypatch, gate)
    reloaded: list[CasePage] = []
    real_reload = CasePage.reload

    def spy(self: CasePage, audit: bool = False) -> None:
        reloaded.append(self)
        real_reload(self, audit)

    monkeypatch.setattr(CasePage, "reload", spy)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)
    saving = dialog.saving
    assert saving is not None
    window.open_case(other)                            # the case page goes
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=1_000)
    assert saving.dropped                              # its result will go unseen
    assert operations.in_flight() >= 1                 # still saving (the next case loads)
    gate.open()
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert [body for _case_id, body in calls] == [TYPED]
    assert page not in reloaded                        # the old page was not called back
    assert window.session.notes.for_case(page.case_id)[0].body == TYPED


def test_closing_the_case_page_while_it_refreshes_raises_nothing(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture, gate: Gate) -> None:
    """A change notice reloads the case in the background; a second notice supersedes the
    first; the person moves to another case while it loads: nothing raised, logged or
    shown on the page that went."""
    assert window.session is not None
    window.open_case(new_case(window.session, age=35, family="ZZREFRESH"))
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    other = new_case(window.session, age=35, family="ZZELSEWHERE")
    gate.hold_calls(monkeypatch, CaseService, "open",   # only this page's refresh is held
                    only=lambda case_id, *_a, **_k: case_id == page.case_id)
    shown: list[CasePage] = []
    real_show = CasePage._show

    def spy(self: CasePage, loaded: Any) -> None:
        shown.append(self)
        real_show(self, loaded)

    monkeypatch.setattr(CasePage, "_show", spy)
    caplog.set_level(logging.WARNING)
    notice = Changes(frozenset({"case"}), frozenset({page.case_id}))
    page.on_changes(notice)
    page.on_changes(notice)                           # the newer load supersedes the older
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)
    assert page.cursor().shape() == Qt.CursorShape.BusyCursor   # calm: busy, still shown
    window.open_case(other)                           # the case page goes
    qtbot.waitUntil(lambda: not shiboken6.isValid(page), timeout=1_000)
    assert operations.in_flight() >= 1                # its load still runs
    gate.open()
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert page not in shown
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_ctrl_l_straight_after_typing_keeps_the_note_as_a_draft(
        qtbot, window: MainWindow, accounts, demo_dir: Path,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch, gate: Gate) -> None:
    """Type a note and lock at once with Ctrl+L (the pause-in-typing save has not run) while
    other work fills the pool: the lock writes the newest text before the key goes, off the
    GUI thread (a save merely queued would be dropped by the lock), and the form opened
    again after unlocking brings it back."""
    page, dialog = note_dialog(qtbot, window, "ZZCTRLL", TYPED)
    case_id = page.case_id
    assert dialog._draft_timer.is_pending()            # typed just now: nothing saved yet
    for _busy in range(operations.pool().maxThreadCount()):   # other work fills the pool,
        operations.Operation(page, gate.hold).run()            # so a save would queue
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
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gate: Gate) -> None:
    """The saved draft is slow to come back and the practitioner types at once: the field
    takes nothing until the draft is back (so nothing typed is silently replaced), then the
    draft is shown whole and typing carries on from it; Save does nothing until then."""
    session = window.session
    assert session is not None
    case_id = new_case(session, age=35, family="ZZSLOWDRAFT")
    session.drafts.save(f"note:{case_id}", {"body": "Earlier text."})
    gate.hold_calls(monkeypatch, DraftService, "load")
    window.open_case(case_id)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    page.note()
    dialog = page.dialog
    assert isinstance(dialog, NoteDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.body)
    qtbot.waitUntil(gate.entered.is_set, timeout=5_000)   # the draft is held
    qtbot.keyClicks(QApplication.focusWidget(), "lost?")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    assert dialog.body.toPlainText() == ""
    assert dialog.isVisible()
    assert dialog.saving is None                        # nothing saved before the draft
    gate.open()
    drafts_back(qtbot)
    assert dialog.body.toPlainText() == "Earlier text."
    dialog.body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(QApplication.focusWidget(), " More.")
    assert dialog.body.toPlainText() == "Earlier text. More."
