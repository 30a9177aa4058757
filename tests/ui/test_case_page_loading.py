"""The case page loads in the background (issue 18): "Loading the case…" until its first,
audited load lands; its reload after its own action is an operation too, and what comes next
waits for it. Written as the hurried user would go: lock or leave while it loads, press an
action twice while it reloads, and go through a case by keyboard alone. Starting a screening
and saving its draft run in the background too, and a lock straight after typing keeps the
draft."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import CaseService, ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.note_dialogs import NoteDialog
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.operations import Operation
from tests.helpers.case_page import case_settled, wizard_of

ALT = Qt.KeyboardModifier.AltModifier
HELD_S = 0.6     # how long a held case load waits at most (the lock waits for it)


@pytest.fixture
def window(qtbot, demo_dir: Path, accounts) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    win.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.lock("test finished")


def _session(window: MainWindow) -> UserSession:
    assert window.session is not None
    return window.session


def _case(session: UserSession, family: str) -> uuid.UUID:
    site = session.sites[0].id
    born = date.today() - timedelta(days=365 * 34)
    person = session.persons.register(PersonDraft("Testcase", family, born), site)
    return session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested",
        custody_record_number=f"LOAD/{family}")).id


def _hold_case_loads(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """From now on opening a case waits (on its worker) until ``release`` is set, or
    HELD_S at most; ``entered`` is set when a load is waiting."""
    release, entered = threading.Event(), threading.Event()
    real_open = CaseService.open

    def held_open(self: CaseService, case_id: uuid.UUID, *, audit: bool = True) -> Any:
        assert threading.current_thread() is not threading.main_thread(), \
            "the case was read on the GUI thread"
        entered.set()
        release.wait(HELD_S)
        return real_open(self, case_id, audit=audit)

    monkeypatch.setattr(CaseService, "open", held_open)
    return release, entered


def _shown_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time a case page shows a load (after the patch)."""
    shown: list[str] = []
    real_show = CasePage._show

    def show(self: CasePage, loaded: Any) -> None:
        shown.append(loaded[0].person.family_name)
        real_show(self, loaded)

    monkeypatch.setattr(CasePage, "_show", show)
    return shown


def _back_to_the_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The offscreen platform leaves no window active once the wizard opens (so before
    this change too); a person's window keeps the keyboard, so the test gives it back."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3_000)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_case_says_loading_and_a_lock_while_it_loads_leaves_nothing(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture) -> None:
    case_id = _case(_session(window), "ZZSLOWOPEN")
    release, entered = _hold_case_loads(monkeypatch)
    shown = _shown_calls(monkeypatch)
    caplog.set_level(logging.WARNING)
    started = time.monotonic()
    window.open_case(case_id)
    assert time.monotonic() - started < HELD_S / 2, "opening the case waited for its load"
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    qtbot.waitUntil(entered.is_set, timeout=3_000)
    assert page.stack.currentWidget() is page.loading
    assert page.loading.isVisible()
    assert page.loading.text() == "Loading the case…"
    assert not page.overview.isVisible()          # no action can be pressed on nothing
    assert not page.loaded

    window.lock("idle")                            # the held load ends by HELD_S
    assert operations.in_flight() == 0
    qtbot.wait(int(HELD_S * 1000) + 200)           # a late result would have arrived
    release.set()
    assert shown == []
    assert window.session is None
    assert _warnings(caplog) == []


def test_leaving_the_case_while_it_loads_drops_the_load_unseen(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture) -> None:
    session = _session(window)
    first, second = _case(session, "ZZLEFTONE"), _case(session, "ZZLEFTTWO")
    release, entered = _hold_case_loads(monkeypatch)
    shown = _shown_calls(monkeypatch)
    caplog.set_level(logging.WARNING)
    window.open_case(first)
    left = window.pages.currentWidget()
    qtbot.waitUntil(entered.is_set, timeout=3_000)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Left, ALT)   # back
    assert window.pages.currentWidget() is not left
    window.open_case(second)                       # and straight into another case
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    release.set()
    case_settled(qtbot, page)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=3_000)
    assert shown == ["ZZLEFTTWO"]                  # the case left behind never showed
    assert page.case.id == second
    assert _warnings(caplog) == []


def test_an_action_pressed_twice_while_the_case_reloads_runs_once(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    session = _session(window)
    case_id = _case(session, "ZZTWICE")
    window.open_case(case_id)
    page = case_settled(qtbot, window.pages.currentWidget())
    page.note()
    dialog = page.dialog
    assert isinstance(dialog, NoteDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.body)
    qtbot.keyClicks(QApplication.focusWidget(), "Seen; calm (fictional)")
    release, entered = _hold_case_loads(monkeypatch)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(entered.is_set, timeout=3_000)  # saved; the case is reloading
    assert page.is_loading()
    for _ in range(2):                              # Screening, twice, in a hurry
        qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_S, ALT)
    qtbot.mouseClick(page.action_buttons["screening"], Qt.MouseButton.LeftButton)
    assert page.wizard is None                      # nothing started on the old case
    release.set()
    wizard = wizard_of(qtbot, page)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=3_000)
    qtbot.wait(200)
    assert page.wizard is wizard
    assert len(session.screenings.drafts(case_id)) == 1, "one press, one screening"
    assert [n.body for n in page.records.notes] == ["Seen; calm (fictional)"]


def test_keyboard_alone_from_the_case_list_to_a_screening_result(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = _session(window)
    _case(session, "Zzkeyflow")
    cases = window.page("Cases")
    cases.search.setFocus()
    qtbot.keyClicks(QApplication.focusWidget(), "zzkeyflow")
    qtbot.waitUntil(lambda: cases.model.total == 1, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)       # open the case
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    focus = QApplication.focusWidget()
    assert focus is not None
    assert page.isAncestorOf(focus), "the keyboard is not on the case"
    qtbot.keyClick(focus, Qt.Key.Key_S, ALT)                            # Screening
    wizard = wizard_of(qtbot, page)
    _back_to_the_window(qtbot, window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and wizard.isAncestorOf(QApplication.focusWidget()), timeout=3_000)
    for _ in range(60):
        last = wizard.flow.at_end
        if wizard.flow.current.kind.value == "text":                     # Ctrl+Enter: on
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return,
                           Qt.KeyboardModifier.ControlModifier)
        else:
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_2)    # "No"
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        if last:
            break
    qtbot.waitUntil(lambda: page.result is not None, timeout=5_000)
    assert page.records.screenings[0].state == "completed"


def test_half_an_answer_typed_then_an_instant_lock_keeps_the_draft(
        qtbot, window: MainWindow, demo_dir: Path, accounts) -> None:  # type: ignore[no-untyped-def]
    session = _session(window)
    case_id = _case(session, "ZZHALFTYPED")
    window.open_case(case_id)
    page = case_settled(qtbot, window.pages.currentWidget())
    page.screening()
    wizard = wizard_of(qtbot, page)
    while wizard.flow.current.kind.value != "text":
        qtbot.keyClick(wizard, Qt.Key.Key_2)
        qtbot.keyClick(wizard, Qt.Key.Key_Return)
    text_item = wizard.flow.current.id
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=3_000)
    _back_to_the_window(qtbot, window)
    editor = QApplication.focusWidget()
    assert editor is not None
    qtbot.keyClicks(editor, "Calm; asked for wa")             # half an answer, no pause
    # every worker busy, so a write merely queued would be cleared by the lock
    busy = [Operation(window, lambda: time.sleep(0.3)).success(lambda _v: None).run()
            for _ in range(operations.pool().maxThreadCount() + 1)]
    assert all(not b.dropped for b in busy)
    window.lock("idle")                                        # at once
    assert window.session is None

    window.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    (draft,) = _session(window).screenings.drafts(case_id)
    assert draft.answers[text_item] == "Calm; asked for wa"
    window.open_case(case_id)
    page = case_settled(qtbot, window.pages.currentWidget())
    page.screening()                                           # resumes the draft
    assert wizard_of(qtbot, page).flow.answers[text_item] == "Calm; asked for wa"


def _slow_start(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    from ld_desktop.services.clinical.screenings import ScreeningService
    real_start = ScreeningService.start
    calls: list[int] = []

    def slow(self: ScreeningService, *args: Any) -> Any:
        calls.append(1)
        time.sleep(0.3)
        return real_start(self, *args)

    monkeypatch.setattr(ScreeningService, "start", slow)
    return lambda: len(calls)


def test_starting_a_screening_twice_in_a_hurry_starts_one(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    session = _session(window)
    case_id = _case(session, "ZZSTARTTWICE")
    window.open_case(case_id)
    page = case_settled(qtbot, window.pages.currentWidget())
    starts = _slow_start(monkeypatch)
    page.action_buttons["screening"].setFocus()
    for _ in range(3):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert page.wizard is None                                  # stored first, then shown
    wizard_of(qtbot, page)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=3_000)
    assert starts() == 1
    assert len(session.screenings.drafts(case_id)) == 1
