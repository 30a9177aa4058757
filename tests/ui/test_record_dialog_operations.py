"""Issue 18, the record dialogs as a hurried user drives them, by keys on the focused widget:
the picker's search, the opening reads and the saves of the correction, merge and lookup
dialogs run off the GUI thread (``tests/helpers/gui_thread_store.py`` sees none of them);
the picker searches once per pause in typing and never offers an older search's people;
Enter twice saves once; a refusal keeps the dialog and what was typed; a dialog whose
opening read is out says "Loading…" with its fields off; a lock mid-save waits for the save,
calls nothing back and logs nothing, and a lock straight after typing in the picker starts
no search."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.case_edits import CaseEditService
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.person_edits import PersonEditService
from ld_desktop.services.person_lookup import PersonLookupService
from ld_desktop.services.persons import PersonService
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.form_dialog import FormDialog
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.people import PeoplePage
from ld_desktop.ui.records.person_picker import SEARCH_PAUSE_MS
from tests.helpers.case_page import case_settled
from tests.helpers.gates import Gate
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.helpers.person_page import (
    find_elsewhere_by_keys,
    focus,
    key,
    merge_dialog,
    open_dialog,
    open_first_caseload_person,
    open_person_page,
    register,
    results_back,
    retype_family_name,
    type_keys,
)
from tests.helpers.settle import operations_idle

CTRL = Qt.KeyboardModifier.ControlModifier
#: the modules whose store use on the GUI thread this file proves gone
DIALOGS = ("ui/records/", "ui/person_lookup_dialog.py")


def _in_dialogs(watch: GuiThreadStoreWatch) -> set[str]:
    return {place for place in watch.places() if place.startswith(DIALOGS)}


def _focus_in(dialog: Any) -> bool:
    focused = QApplication.focusWidget()
    return focused is not None and dialog.isActiveWindow() and dialog.isAncestorOf(focused)


def _gated(monkeypatch: pytest.MonkeyPatch, cls: type, name: str, gate: threading.Event,
           *, first_only: bool = False, then: Callable[..., Any] | None = None
           ) -> list[threading.Thread]:
    """``cls.name`` waits for ``gate`` on a worker (never on the GUI thread: a test that
    expects the work off it fails instead of hanging); the threads it ran on."""
    real = getattr(cls, name)
    ran_on: list[threading.Thread] = []

    def gated(self: Any, *args: Any, **kwargs: Any) -> Any:
        ran_on.append(threading.current_thread())
        if (len(ran_on) == 1 or not first_only) \
                and threading.current_thread() is not threading.main_thread():
            gate.wait(10)
        if then is not None:
            return then()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, gated)
    return ran_on


# ---------------------------------------------------------------------------- the picker
def test_the_picker_searches_once_per_pause_off_the_gui_thread(
        qtbot, one_site_senior: UserSession, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    _person_page, dialog, _keep, dupe = merge_dialog(qtbot, one_site_senior, "MM/2")
    searched: list[tuple[str, threading.Thread]] = []
    real = PersonService.search

    def spy(self: PersonService, text: str, limit: int = 50) -> Any:
        searched.append((text, threading.current_thread()))
        return real(self, text, limit)

    monkeypatch.setattr(PersonService, "search", spy)
    gui_thread_store.clear()
    type_keys(qtbot, "Mergeme")                     # seven keys, no pause
    key(qtbot, Qt.Key.Key_Down)                # straight on: searched now, not per key
    results_back(qtbot, dialog.picker)
    key(qtbot, Qt.Key.Key_Return)
    assert dialog.picker.chosen is not None
    assert dialog.picker.chosen.id == dupe.id  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert [text for text, _thread in searched] == ["Mergeme"], "a search per key"
    assert all(t is not threading.main_thread() for _text, t in searched)
    assert not _in_dialogs(gui_thread_store), gui_thread_store.unexpected({})


def test_an_older_search_answering_late_is_never_offered(
        qtbot, one_site_senior: UserSession, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The search for "Mergeme" is slow; the text changes to nobody's name meanwhile. When
    the old answer lands it is dropped: Down and Enter choose no one."""
    _person_page, dialog, _keep, _dupe = merge_dialog(qtbot, one_site_senior, "MM/2")
    gate = threading.Event()
    ran_on = _gated(monkeypatch, PersonService, "search", gate, first_only=True)
    try:
        type_keys(qtbot, "Mergeme")
        qtbot.waitUntil(lambda: bool(ran_on), timeout=5_000)   # after the pause in typing
        assert ran_on[0] is not threading.main_thread(), "searched on the GUI thread"
        type_keys(qtbot, "zz")                      # "Mergemezz": no one
        qtbot.waitUntil(lambda: len(ran_on) >= 2, timeout=5_000)
    finally:
        gate.set()                              # the old answer lands after the new one
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert [dialog.picker.results.item(i).text()
            for i in range(dialog.picker.results.count())] == ["No one found"]
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)
    assert dialog.picker.chosen is None
    assert dialog.isVisible()


# ---------------------------------------------------------------------------- merge
def test_merging_by_keys_touches_no_store_on_the_gui_thread(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    s = one_site_senior
    _person_page, dialog, keep, dupe = merge_dialog(qtbot, s, "MM/2")
    gui_thread_store.clear()
    type_keys(qtbot, "Mergeme")
    key(qtbot, Qt.Key.Key_Down)
    results_back(qtbot, dialog.picker)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)   # compared
    key(qtbot, Qt.Key.Key_Tab, 2)                                  # Keep, Reason
    type_keys(qtbot, "Same custody photo (fictional)")
    key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.save_button
    key(qtbot, Qt.Key.Key_Space)
    assert not dialog.save_button.isEnabled()   # merging: no second merge
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert s.persons.open(dupe.id).id == keep.id  # type: ignore[attr-defined]
    assert not _in_dialogs(gui_thread_store), gui_thread_store.unexpected({})


# ---------------------------------------------------------------------------- person edit
def _edit_dialog(qtbot, s: UserSession, family: str) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    person = register(s, "Jordan", family)
    page = open_person_page(qtbot, s, person.id)  # type: ignore[attr-defined]
    return person, retype_family_name(qtbot, page, "Newname")


def test_enter_twice_on_a_person_correction_saves_once_off_the_gui_thread(
        qtbot, one_site_senior: UserSession, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    s = one_site_senior
    gui_thread_store.clear()
    person, dialog = _edit_dialog(qtbot, s, "Testperson")
    gate = threading.Event()
    ran_on = _gated(monkeypatch, PersonEditService, "edit", gate)
    try:
        key(qtbot, Qt.Key.Key_Return)
        assert not dialog.save_button.isEnabled(), "Save stayed on while saving"
        key(qtbot, Qt.Key.Key_Return)                             # again, at once
        assert dialog.isVisible()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert len(ran_on) == 1
    assert ran_on[0] is not threading.main_thread()
    assert s.persons.open(person.id).family_name == "Newname"  # type: ignore[attr-defined]
    assert not _in_dialogs(gui_thread_store), gui_thread_store.unexpected({})


def test_a_refused_person_correction_keeps_the_dialog_and_the_typed_text(
        qtbot, one_site_senior: UserSession, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    s = one_site_senior
    person, dialog = _edit_dialog(qtbot, s, "Testperson")

    def refuse() -> Any:
        raise ValueError("This person was changed on another workstation (fictional).")

    gate = threading.Event()
    _gated(monkeypatch, PersonEditService, "edit", gate, then=refuse)
    try:
        key(qtbot, Qt.Key.Key_Return)
        assert not dialog.save_button.isEnabled(), "saved on the GUI thread"
    finally:
        gate.set()
    qtbot.waitUntil(lambda: "another workstation" in dialog.error.text(), timeout=5_000)
    assert dialog.isVisible()
    assert dialog.family.text() == "Newname"                       # nothing typed is lost
    assert dialog.save_button.isEnabled()                          # and it can be tried again
    assert s.persons.open(person.id).family_name == "Testperson"  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- case details
def test_case_details_load_and_save_off_the_gui_thread(
        qtbot, one_site_senior: UserSession, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    """Opened by keys: "Loading…" with the fields and Save off until who can hold the case
    is back; then focus in Urgency; Enter twice saves one correction, off the GUI thread."""
    s = one_site_senior
    person = register(s, "Casey", "Detailsperson")
    case = s.cases.new_referral(ReferralDraft(person.id, s.sites[0].id,  # type: ignore[attr-defined]
                                              "custody-sergeant", "arrested",
                                              custody_record_number="CD/1"))
    page = CasePage(s, case.id)
    qtbot.addWidget(page)
    page.show()
    case_settled(qtbot, page)
    gui_thread_store.clear()
    read_gate = threading.Event()
    read_on = _gated(monkeypatch, CaseEditService, "holders", read_gate)
    try:
        focus(qtbot, page.action_buttons["correct"])
        key(qtbot, Qt.Key.Key_Space)
        details = page.dialog
        assert details is not None
        assert not details.urgency.isEnabled(), "read on the GUI thread"
        assert not details.save_button.isEnabled()
        assert details.loading.text().startswith("Loading")
        qtbot.waitUntil(lambda: _focus_in(details), timeout=3_000)
        # the dialog has placed the keyboard: not on Cancel (Enter closed it)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is details.loading, timeout=3_000)
        key(qtbot, Qt.Key.Key_Return)                             # nothing to save yet
        assert details.isVisible()
    finally:
        read_gate.set()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is details.urgency, timeout=5_000)
    assert read_on[0] is not threading.main_thread()
    assert details.loading.isHidden()
    assert details.save_button.isEnabled()
    save_gate = threading.Event()
    saved_on = _gated(monkeypatch, CaseEditService, "edit_details", save_gate)
    try:
        key(qtbot, Qt.Key.Key_Down, 2)                            # routine -> soon -> urgent
        key(qtbot, Qt.Key.Key_Return)
        assert not details.save_button.isEnabled()
        key(qtbot, Qt.Key.Key_Return)                             # again, while it saves
    finally:
        save_gate.set()
    qtbot.waitUntil(lambda: not details.isVisible(), timeout=5_000)
    case_settled(qtbot, page)
    assert len(saved_on) == 1
    assert saved_on[0] is not threading.main_thread()
    assert s.cases.open(case.id).urgency == "urgent"
    assert not _in_dialogs(gui_thread_store), gui_thread_store.unexpected({})


# ---------------------------------------------------------------------------- lock mid-save
def _open_person_edit(qtbot, window: MainWindow) -> Any:  # type: ignore[no-untyped-def]
    page = open_first_caseload_person(qtbot, window)
    retype_family_name(qtbot, page, "Lockmidsave")
    return page.person.id  # type: ignore[union-attr]


def _open_case_details(qtbot, window: MainWindow) -> Any:  # type: ignore[no-untyped-def]
    session = window.session
    assert session is not None
    case_id = session.cases.caseload()[0].id
    window.open_case(case_id)
    page = window.detail
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    open_dialog(qtbot, page, page.action_buttons["correct"], lambda d: d.urgency)
    key(qtbot, Qt.Key.Key_Tab)                                    # custody number
    key(qtbot, Qt.Key.Key_End)
    type_keys(qtbot, "L")
    return case_id


@pytest.mark.parametrize(("opener", "service", "method"), [
    (_open_person_edit, PersonEditService, "edit"),
    (_open_case_details, CaseEditService, "edit_details"),
], ids=["person-edit", "case-details"])
def test_a_lock_while_a_correction_saves_waits_and_calls_nothing_back(
        qtbot, senior_window: MainWindow, accounts, demo_dir: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        opener: Callable[..., uuid.UUID], service: type, method: str, gate: Gate) -> None:
    window = senior_window
    record_id = opener(qtbot, window)
    started = threading.Event()
    ran_on: list[threading.Thread] = []
    real = getattr(service, method)

    def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        ran_on.append(threading.current_thread())
        started.set()
        gate.hold()                                 # until the lock waits for it
        return real(self, *args, **kwargs)

    monkeypatch.setattr(service, method, slow)
    called_back: list[str] = []
    for hook in ("_saved", "_refused"):
        original = getattr(FormDialog, hook)

        def spy(self: FormDialog, value: object, _real: Any = original, _hook: str = hook
                ) -> None:
            called_back.append(_hook)
            _real(self, value)

        monkeypatch.setattr(FormDialog, hook, spy)
    caplog.set_level(logging.WARNING)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(started.is_set, timeout=5_000)
    assert ran_on[0] is not threading.main_thread(), "saved on the GUI thread"

    window.lock("idle")
    assert operations.in_flight() == 0, "the lock returned with the save still out"
    # the save has ended, and what it sent the GUI thread has been handled
    qtbot.waitUntil(lambda: not ran_on[0].is_alive(), timeout=5_000)
    QApplication.processEvents()
    assert called_back == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    # the save ran to its end before the key went
    again = Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"])
    window.start_session(again)
    if service is PersonEditService:
        assert again.persons.open(record_id).family_name == "Lockmidsave"
    else:
        assert (again.cases.open(record_id).custody_record_number or "").endswith("L")


# ---------------------------------------------------------------------------- find elsewhere
def _lookup(qtbot, session: UserSession, steps: Callable[[Any], None]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Open Find at another site from the People page (Space on its button: the dialog runs
    in exec()) and drive it with ``steps``; what went wrong, if anything."""
    page = PeoplePage(session, lambda s: PersonLookupService(s))
    qtbot.addWidget(page)
    page.show()
    return find_elsewhere_by_keys(qtbot, page, steps)


def test_find_at_another_site_reads_the_open_cases_in_the_background(
        qtbot, one_site_senior: UserSession, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    s = one_site_senior
    person = register(s, "Lou", "Lookupcase")
    s.cases.new_referral(ReferralDraft(person.id, s.sites[0].id, "custody-sergeant",  # type: ignore[attr-defined]
                                       "arrested", custody_record_number="LU/1"))
    gate = threading.Event()
    read_on = _gated(monkeypatch, PersonLookupService, "cases", gate)
    gui_thread_store.clear()

    def steps(dialog: Any) -> None:
        try:
            assert not dialog.case.isEnabled(), "read on the GUI thread"
            assert not dialog.reason.isEnabled()
            assert not dialog.look_up_button.isEnabled()
            assert dialog.message.text().startswith("Loading")
            qtbot.waitUntil(lambda: _focus_in(dialog), timeout=3_000)
            qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.message,
                            timeout=3_000)
            key(qtbot, Qt.Key.Key_Return)                         # looks up nothing
            assert dialog.isVisible()
        finally:
            gate.set()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.case, timeout=5_000)
        assert dialog.case.count() == 1
        assert "LOOKUPCASE" in dialog.case.currentText()
        assert dialog.look_up_button.isEnabled()
        assert dialog.message.text() == ""
        key(qtbot, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is dialog.reason
        type_keys(qtbot, "seen at York before (fictional)")
        key(qtbot, Qt.Key.Key_Escape)

    seen = _lookup(qtbot, s, steps)
    assert "error" not in seen, seen
    assert read_on
    assert read_on[0] is not threading.main_thread()
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert not _in_dialogs(gui_thread_store), gui_thread_store.unexpected({})


def test_find_at_another_site_without_an_open_case_says_so(
        qtbot, one_site_senior: UserSession) -> None:  # type: ignore[no-untyped-def]
    def steps(dialog: Any) -> None:
        qtbot.waitUntil(lambda: "no open case" in dialog.message.text(), timeout=5_000)
        assert dialog.message.isVisible()
        assert not dialog.look_up_button.isEnabled()

    seen = _lookup(qtbot, one_site_senior, steps)
    assert "error" not in seen, seen


def test_a_lock_straight_after_typing_in_the_picker_starts_no_search(
        qtbot, senior_window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture) -> None:
    """Ctrl+L while the picker waits for a pause in typing: the search never starts (it
    would find the key gone) and nothing is logged."""
    window = senior_window
    page = open_first_caseload_person(qtbot, window)
    open_dialog(qtbot, page, page.merge_button, lambda d: d.picker.search)
    searched: list[str] = []
    monkeypatch.setattr(PersonService, "search",
                        lambda self, text, limit=50: searched.append(text) or [])
    caplog.set_level(logging.WARNING)
    type_keys(qtbot, "Qui")
    key(qtbot, Qt.Key.Key_L, modifier=CTRL)
    assert window.session is None, "Ctrl+L did not lock"
    qtbot.wait(SEARCH_PAUSE_MS + 50)                  # past the pause in typing
    operations_idle(qtbot)                            # and any search it started is back
    assert searched == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
