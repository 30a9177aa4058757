"""Referral intake in the real main window, by keyboard only: choosing an existing person is
an explicit act (Enter or a double-click on a result, shown in a "Referring:" banner); typing a
new name clears any choice; the person and the referral are saved together or not at all."""

from __future__ import annotations

import logging
import threading
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import CaseFilter
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.new_referral import NewReferralDialog
from tests.helpers.gates import Gate
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.helpers.referral_intake import (
    ALT,
    choose_first_result,
    crn_and_save,
    dialog,
    find_and_wait,
    focus,
    intake,
    key,
    opened_case,
    persons_named,
    slow_refer,
    type_new_person,
    type_text,
    window,
    workstation,
)

__all__ = ["window", "workstation"]   # the fixtures


def test_tabbing_through_results_then_typing_a_new_name_registers_the_new_person(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The wrong-patient route of issue 14: Find "Quinn", Tab, Tab, type another person."""
    session = window.session
    assert session is not None

    def steps() -> None:
        find_and_wait(qtbot, "Quinn")               # the search runs off the GUI thread
        key(qtbot, Qt.Key.Key_Tab)
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "Jordan")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "Newname")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "02/02/1992")
        key(qtbot, Qt.Key.Key_R, ALT)               # Custody &record number
        type_text(qtbot, "NG/0002/26")
        key(qtbot, Qt.Key.Key_Return)

    intake(qtbot, window, steps)
    page = opened_case(qtbot, window)
    assert page.case.person.family_name == "Newname"
    assert page.case.person.given_name == "Jordan"
    assert page.case.person.date_of_birth == date(1992, 2, 2)
    assert persons_named(session, "Quinn") == ["QUINN, Testperson"]
    quinn_cases = session.cases.count(CaseFilter(text="NG/0002/26"))
    assert quinn_cases == 1


def test_enter_on_a_result_is_an_explicit_choice_shown_in_the_banner(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}

    def steps() -> None:
        find_and_wait(qtbot, "Quinn")
        key(qtbot, Qt.Key.Key_Down)                 # from Find to the results
        assert dialog().chosen is None              # moving there chooses nothing
        assert not dialog().banner.isVisible()
        key(qtbot, Qt.Key.Key_Return)               # the explicit choice
        seen["banner"] = dialog().banner.text.text()
        seen["focus"] = focus().accessibleName()
        history = dialog().history                  # a returning person: shown at intake
        qtbot.waitUntil(lambda: history.contacts.rowCount() == 1, timeout=5_000)
        seen["contact"] = history.contacts.item(0, 2).text()
        seen["alerts"] = [history.alerts.item(i).text() for i in range(history.alerts.count())]
        history.contacts.setFocus()
        key(qtbot, Qt.Key.Key_Return)               # Enter on a previous contact: not a save
        assert dialog().isVisible()
        assert dialog().created is None
        key(qtbot, Qt.Key.Key_E, ALT)               # R&eason
        type_text(qtbot, "Found talking to himself in the cell")
        crn_and_save(qtbot, "NG/0003/26")

    intake(qtbot, window, steps)
    assert seen["banner"] == ("Referring: QUINN, Testperson · born 04/03/1985 · "
                              "NHS 943 476 5919")
    assert seen["focus"] == "Site"
    assert seen["contact"] == "NG/0001/26"
    assert seen["alerts"] == ["COMMUNICATION: Uses BSL: book an interpreter"]
    page = opened_case(qtbot, window)
    assert page.case.person.display_name == "QUINN, Testperson"
    assert page.reason_label.text() == "Reason for referral: Found talking to himself in the cell"
    assert persons_named(window.session, "Quinn") == ["QUINN, Testperson"]  # type: ignore[arg-type]


def test_double_click_on_a_result_chooses_the_person(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    def steps() -> None:
        find_and_wait(qtbot, "Quinn")
        results = dialog().results
        where = results.visualItemRect(results.item(0)).center()
        qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, pos=where)
        assert dialog().chosen is None              # a single click only selects
        qtbot.mouseDClick(results.viewport(), Qt.MouseButton.LeftButton, pos=where)
        assert dialog().chosen is not None
        assert dialog().banner.isVisible()
        crn_and_save(qtbot, "NG/0004/26")

    intake(qtbot, window, steps)
    assert opened_case(qtbot, window).case.person.display_name == "QUINN, Testperson"


def test_typing_a_new_name_after_choosing_clears_the_choice(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                           ) -> None:
    def steps() -> None:
        choose_first_result(qtbot, "Quinn")
        assert dialog().banner.isVisible()
        key(qtbot, Qt.Key.Key_G, ALT)               # &Given name
        type_text(qtbot, "Jordan")
        assert dialog().chosen is None
        assert not dialog().banner.isVisible()
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "Newname")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "02/02/1992")
        crn_and_save(qtbot, "NG/0005/26")

    intake(qtbot, window, steps)
    assert opened_case(qtbot, window).case.person.display_name == "NEWNAME, Jordan"


def test_not_this_person_clears_the_choice_and_returns_to_find(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                              ) -> None:
    def steps() -> None:
        find_and_wait(qtbot, "Quinn")
        key(qtbot, Qt.Key.Key_Return)               # Enter in Find: to the results only
        assert dialog().chosen is None
        assert dialog().isVisible()
        key(qtbot, Qt.Key.Key_Return)
        assert dialog().chosen is not None
        key(qtbot, Qt.Key.Key_N, ALT)               # &Not this person
        assert dialog().chosen is None
        assert not dialog().banner.isVisible()
        assert focus() is dialog().finder
        crn_and_save(qtbot, "NG/0006/26")           # no one chosen, no name: refused
        assert "given name" in dialog().warning.text()
        key(qtbot, Qt.Key.Key_Escape)

    intake(qtbot, window, steps)
    assert not isinstance(window.pages.currentWidget(), CasePage)


def test_a_refused_referral_by_keyboard_leaves_no_person_behind(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                               ) -> None:
    session = window.session
    assert session is not None
    warnings: list[str] = []

    def steps() -> None:
        type_new_person(qtbot, "Jordan", "Newname", "02/02/1992")
        for _press in range(3):                     # arrested, no custody record number
            dialog().warning.setText("")
            key(qtbot, Qt.Key.Key_V, ALT)           # Sa&ve referral
            qtbot.waitUntil(lambda: dialog().warning.text() != "", timeout=5_000)
            warnings.append(dialog().warning.text())
        key(qtbot, Qt.Key.Key_Escape)

    intake(qtbot, window, steps)
    assert all("custody record number" in w for w in warnings), warnings
    assert session.persons.search("Newname") == []


def test_a_possible_duplicate_offers_the_known_person_to_choose(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                               ) -> None:
    session = window.session
    assert session is not None
    warning: list[str] = []

    def steps() -> None:
        type_new_person(qtbot, "Testperson", "Quinn", "04/03/1985")
        crn_and_save(qtbot, "NG/0007/26")
        qtbot.waitUntil(lambda: dialog().warning.text() != "", timeout=5_000)
        warning.append(dialog().warning.text())
        assert focus() is dialog().results
        key(qtbot, Qt.Key.Key_Return)               # choose the known QUINN
        assert dialog().chosen is not None
        key(qtbot, Qt.Key.Key_Return)               # Enter from Site saves

    intake(qtbot, window, steps)
    assert warning[0].startswith("Possible duplicate: QUINN, Testperson.")
    assert opened_case(qtbot, window).case.person.display_name == "QUINN, Testperson"
    assert persons_named(session, "Quinn") == ["QUINN, Testperson"]


def test_date_of_birth_starts_empty_and_unknown_needs_an_estimated_age(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    warnings: list[str] = []

    def steps() -> None:
        assert dialog().dob.text() == ""
        key(qtbot, Qt.Key.Key_G, ALT)
        type_text(qtbot, "Sam")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "Nodob")
        crn_and_save(qtbot, "NG/0008/26")
        warnings.append(dialog().warning.text())
        key(qtbot, Qt.Key.Key_K, ALT)               # Date of birth not &known: ticks it
        key(qtbot, Qt.Key.Key_V, ALT)
        warnings.append(dialog().warning.text())
        key(qtbot, Qt.Key.Key_A, ALT)               # Estimated &age
        type_text(qtbot, "30")
        key(qtbot, Qt.Key.Key_Return)

    intake(qtbot, window, steps)
    assert "Enter the date of birth" in warnings[0]
    assert "estimated age" in warnings[1]
    page = opened_case(qtbot, window)
    assert page.case.person.date_of_birth is None
    assert "about 30 (estimated)" in page.header_label.text()


def test_locking_closes_the_intake_with_its_details(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The dialog belongs to the main window, so a lock closes it (hazard H18)."""
    def steps() -> None:
        choose_first_result(qtbot, "Quinn")
        assert dialog().banner.isVisible()

    intake(qtbot, window, steps)
    referral = window.findChild(NewReferralDialog)
    assert referral is not None
    assert referral.isVisible()
    window.lock("on demand")
    qtbot.waitUntil(lambda: not any(d.isVisible() for d in window.findChildren(
        NewReferralDialog)), timeout=3_000)
    assert window.session is None
    window.start_session(window.workstation.unlock("prac1", "practitioner passphrase"))


def test_results_of_an_older_search_cannot_be_chosen(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Type 'Quinn', then change the text and press Down and Enter at once: the old result
    (QUINN) is gone, so nothing is chosen until the new search has answered."""
    seen: dict[str, object] = {}

    def steps() -> None:
        find_and_wait(qtbot, "Quinn")
        type_text(qtbot, "x")                         # 'Quinnx': no one
        key(qtbot, Qt.Key.Key_Down)
        key(qtbot, Qt.Key.Key_Return)
        seen["chosen"] = dialog().chosen
        qtbot.waitUntil(lambda: dialog().results.count() == 1
                        and dialog().results.item(0).text() == "No one found", timeout=5_000)
        key(qtbot, Qt.Key.Key_Return)
        seen["after"] = dialog().chosen
        key(qtbot, Qt.Key.Key_Escape)

    intake(qtbot, window, steps)
    assert seen == {"chosen": None, "after": None}


def test_enter_twice_fast_files_one_referral_off_the_gui_thread(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch, gate: Gate) -> None:
    """A hurried user presses Enter twice while the first is still filing: one referral, the
    GUI thread never touches the store, and the case opens once it is filed."""
    session = window.session
    assert session is not None
    before = session.cases.count(CaseFilter())
    started = threading.Event()
    ran_on = slow_refer(monkeypatch, started, gate)
    pressed: list[bool] = []

    def steps() -> None:
        choose_first_result(qtbot, "Quinn")         # the known QUINN
        assert dialog().chosen is not None
        key(qtbot, Qt.Key.Key_R, ALT)
        type_text(qtbot, "NG/0099/26")
        key(qtbot, Qt.Key.Key_Return)
        key(qtbot, Qt.Key.Key_Return)               # straight again, while it files
        pressed.append(not dialog().save.isEnabled())
        gate.open()                                 # the filing goes on

    intake(qtbot, window, steps)
    opened_case(qtbot, window)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert pressed == [True], "Save stayed on while the referral was filing"
    assert session.cases.count(CaseFilter()) == before + 1
    assert len(ran_on) == 1
    assert ran_on[0] is not threading.main_thread()
    assert not {p for p in gui_thread_store.places() if "new_referral" in p}


def test_a_lock_while_filing_keeps_the_referral_whole_and_calls_nothing_back(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture, gate: Gate) -> None:
    session = window.session
    assert session is not None
    before = session.cases.count(CaseFilter())
    started = threading.Event()
    ran_on = slow_refer(monkeypatch, started, gate)
    filed: list[object] = []
    monkeypatch.setattr(NewReferralDialog, "_filed", lambda self, case: filed.append(case))
    monkeypatch.setattr(NewReferralDialog, "_not_filed",
                        lambda self, exc, person: filed.append(exc))

    def steps() -> None:
        type_new_person(qtbot, "Lockley", "Midsave", "05/05/1995")
        crn_and_save(qtbot, "NG/0100/26")

    intake(qtbot, window, steps)
    qtbot.waitUntil(started.is_set, timeout=5_000)
    referral = window.findChild(NewReferralDialog)
    assert referral is not None
    assert referral.saving is not None, "not filing at the lock"
    caplog.set_level(logging.WARNING)
    window.lock("on demand")
    # the filing has ended, and what it sent the GUI thread has been handled
    qtbot.waitUntil(lambda: not ran_on[0].is_alive(), timeout=5_000)
    QApplication.processEvents()
    assert filed == [], "a callback ran after the lock"
    assert window.detail is None
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    again = window.workstation.unlock("prac1", "practitioner passphrase")
    window.start_session(again)
    after = again.cases.count(CaseFilter())
    people = persons_named(again, "Midsave")
    assert (after, people) in ((before, []), (before + 1, ["MIDSAVE, Lockley"]))
