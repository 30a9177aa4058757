"""The case page loads in the background (issue 18): "Loading the case…" until its first,
audited load lands; its reload after its own action is an operation too, and what comes next
waits for it. Written as the hurried user would go: lock or leave while it loads, press an
action twice while it reloads, and go through a case by keyboard alone. Starting a screening
and saving its draft run in the background too, and a lock straight after typing keeps the
draft."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import CaseService
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.note_dialogs import NoteDialog
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.operations import Operation
from tests.helpers.case_page import case_settled, wizard_of
from tests.helpers.clinical import new_case
from tests.helpers.gates import Gate, deliver_late_results

ALT = Qt.KeyboardModifier.AltModifier


def _session(window: MainWindow) -> UserSession:
    assert window.session is not None
    return window.session


def _hold_case_loads(monkeypatch: pytest.MonkeyPatch, gate: Gate) -> None:
    """From now on opening a case waits at the gate (on its worker: ``gate.on_worker``)."""
    gate.hold_calls(monkeypatch, CaseService, "open")


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
        caplog: pytest.LogCaptureFixture, gate: Gate) -> None:
    case_id = new_case(_session(window), age=34, family="ZZSLOWOPEN")
    _hold_case_loads(monkeypatch, gate)
    shown = _shown_calls(monkeypatch)
    caplog.set_level(logging.WARNING)
    window.open_case(case_id)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    qtbot.waitUntil(gate.entered.is_set, timeout=3_000)
    assert gate.on_worker(), "opening the case read it on the GUI thread"
    assert page.stack.currentWidget() is page.loading
    assert page.loading.isVisible()
    assert page.loading.text() == "Loading the case…"
    assert not page.overview.isVisible()          # no action can be pressed on nothing
    assert not page.loaded

    window.lock("idle")                            # waits for the held load
    assert gate.opened_by_lock.is_set(), "the lock did not wait for the load"
    assert operations.in_flight() == 0
    deliver_late_results()                         # a late result would arrive now
    assert shown == []
    assert window.session is None
    assert _warnings(caplog) == []


def test_leaving_the_case_while_it_loads_drops_the_load_unseen(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture, gate: Gate) -> None:
    session = _session(window)
    first = new_case(session, age=34, family="ZZLEFTONE")
    second = new_case(session, age=34, family="ZZLEFTTWO")
    _hold_case_loads(monkeypatch, gate)
    shown = _shown_calls(monkeypatch)
    caplog.set_level(logging.WARNING)
    window.open_case(first)
    left = window.pages.currentWidget()
    qtbot.waitUntil(gate.entered.is_set, timeout=3_000)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Left, ALT)   # back
    assert window.pages.currentWidget() is not left
    window.open_case(second)                       # and straight into another case
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    gate.open()
    case_settled(qtbot, page)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=3_000)
    assert shown == ["ZZLEFTTWO"]                  # the case left behind never showed
    assert page.case.id == second
    assert _warnings(caplog) == []


def test_an_action_pressed_twice_while_the_case_reloads_runs_once(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gate: Gate) -> None:
    session = _session(window)
    case_id = new_case(session, age=34, family="ZZTWICE")
    window.open_case(case_id)
    page = case_settled(qtbot, window.pages.currentWidget())
    page.note()
    dialog = page.dialog
    assert isinstance(dialog, NoteDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.body)
    qtbot.keyClicks(QApplication.focusWidget(), "Seen; calm (fictional)")
    _hold_case_loads(monkeypatch, gate)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gate.entered.is_set, timeout=3_000)  # saved; the case is reloading
    assert page.is_loading()
    for _ in range(2):                              # Screening, twice, in a hurry
        qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_S, ALT)
    qtbot.mouseClick(page.action_buttons["screening"], Qt.MouseButton.LeftButton)
    assert page.wizard is None                      # nothing started on the old case
    gate.open()
    wizard = wizard_of(qtbot, page)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=3_000)
    deliver_late_results()
    assert page.wizard is wizard
    assert len(session.screenings.drafts(case_id)) == 1, "one press, one screening"
    assert [n.body for n in page.records.notes] == ["Seen; calm (fictional)"]


def test_keyboard_alone_from_the_case_list_to_a_screening_result(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = _session(window)
    new_case(session, age=34, family="Zzkeyflow")
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
        qtbot, window: MainWindow, demo_dir: Path, accounts,  # type: ignore[no-untyped-def]
        gate: Gate) -> None:
    session = _session(window)
    case_id = new_case(session, age=34, family="ZZHALFTYPED")
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
    busy = [Operation(window, gate.hold).success(lambda _v: None).run()
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


def _held_start(monkeypatch: pytest.MonkeyPatch, gate: Gate) -> Callable[[], int]:
    from ld_desktop.services.clinical.screenings import ScreeningService
    calls = gate.hold_calls(monkeypatch, ScreeningService, "start")
    return lambda: len(calls)


def test_starting_a_screening_twice_in_a_hurry_starts_one(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gate: Gate) -> None:
    session = _session(window)
    case_id = new_case(session, age=34, family="ZZSTARTTWICE")
    window.open_case(case_id)
    page = case_settled(qtbot, window.pages.currentWidget())
    starts = _held_start(monkeypatch, gate)
    page.action_buttons["screening"].setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(gate.entered.is_set, timeout=3_000)        # the start is held
    for _ in range(2):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert page.wizard is None                                  # stored first, then shown
    gate.open()
    wizard_of(qtbot, page)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=3_000)
    assert starts() == 1
    assert len(session.screenings.drafts(case_id)) == 1
