"""The keyboard never traps (issue 14, item 5): every dialog opens in its first field, Enter
only presses a default that is safe, Alt shortcuts are unique in every window and dialog,
Down and Enter from the Cases search open the result, Alt+Left or Backspace goes back from a
case, and Enter on a focused button presses it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QDialog, QWidget
from shortcut_walk import clashes

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.consent import ConsentDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.clinical.care_dialogs import RiskDialog
from ld_desktop.ui.clinical.case_page import ACTIONS, CasePage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.new_referral import NewReferralDialog
from tests.helpers.case_page import case_settled as settled
from tests.helpers.drafts import drafts_back
from tests.helpers.settle import operations_idle

ALT = Qt.KeyboardModifier.AltModifier


def _session(window: MainWindow) -> UserSession:
    assert window.session is not None
    return window.session


def _new_case(session: UserSession, *, age: int, family: str) -> uuid.UUID:
    born = date.today() - timedelta(days=365 * age + 40)
    site = session.sites[0].id
    person = session.persons.register(PersonDraft("Testcase", family, born), site)
    return session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested",
        custody_record_number=f"KB/{family}")).id




def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _dialog_shown(qtbot, page: CasePage) -> QDialog:  # type: ignore[no-untyped-def]
    dialog = page.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and QApplication.focusWidget() is not None
                    and dialog.isAncestorOf(QApplication.focusWidget()), timeout=3_000)
    drafts_back(qtbot)
    return dialog


# ---------------------------------------------------------------------------- Alt shortcuts
def test_alt_shortcuts_are_unique_in_every_window_and_dialog(  # type: ignore[no-untyped-def]
        qtbot, open_case, window: MainWindow) -> None:
    found: dict[str, dict[str, list[str]]] = {}
    for name in window.place_names:
        window.show_page(name)
        operations_idle(qtbot)
        found[name] = clashes(window)
    page = open_case(window, _new_case(_session(window), age=15, family="Altwalk"))
    found["case (young person)"] = clashes(window)
    for key, _text in ACTIONS:
        if key == "screening":
            continue
        getattr(page, key)()
        dialog = _dialog_shown(qtbot, page)
        found[f"{key} dialog"] = clashes(dialog)
        dialog.reject()
    for name in ("record_parent_carer", "correct_details", "move_case"):
        getattr(page, name)()
        dialog = _dialog_shown(qtbot, page)
        found[name] = clashes(dialog)
        dialog.reject()
    window.open_person(page.case.person.id)
    person_page = window.pages.currentWidget()
    qtbot.waitUntil(lambda: person_page.person is not None, timeout=5_000)  # read in the background
    found["person"] = clashes(window)
    for name in ("edit", "merge"):
        getattr(person_page, name)()
        dialog = _dialog_shown(qtbot, person_page)  # type: ignore[arg-type]
        found[f"person {name}"] = clashes(dialog)
        dialog.reject()
    window.new_referral()
    referral = window.findChild(NewReferralDialog)
    assert referral is not None
    qtbot.waitUntil(referral.isVisible, timeout=3_000)
    found["new referral (nothing chosen)"] = clashes(referral)
    referral.choose(_session(window).persons.search("Altwalk")[0])
    found["new referral (someone chosen)"] = clashes(referral)
    referral.reject()
    assert {where: clash for where, clash in found.items() if clash} == {}


def test_alt_shortcuts_are_unique_on_the_admin_pages(qtbot, demo_dir: Path, accounts  # type: ignore[no-untyped-def]
                                                     ) -> None:
    """The administrator sees Sync's enrolment form (Alt+V was the View menu and the
    Server field) and the Admin page."""
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    win.start_session(Workstation(demo_dir).unlock("demo.admin", accounts["demo.admin"]))
    win.show()
    qtbot.waitExposed(win)
    found = {}
    try:
        for name in win.place_names:
            win.show_page(name)
            operations_idle(qtbot)
            found[name] = clashes(win)
    finally:
        win.lock("test finished")
    assert "Sync" in found
    assert {where: clash for where, clash in found.items() if clash} == {}


# ---------------------------------------------------------------------------- first field
@pytest.mark.parametrize(("action", "first_field"), [
    ("note", "Note"), ("record_parent_carer", "Parent or carer"),
    ("support", "Action"), ("risk", "Risk to self"), ("escalate", "Clinician"),
    ("refer", "Service"), ("consent", "Consent for"),
])
def test_every_dialog_opens_in_its_first_field_and_space_submits_nothing(
        qtbot, open_case, window: MainWindow, action: str, first_field: str) -> None:  # type: ignore[no-untyped-def]
    page = open_case(window, _new_case(_session(window), age=15, family=f"First{action[:4]}"))
    getattr(page, action)()
    dialog = _dialog_shown(qtbot, page)
    assert not isinstance(_focus(), QAbstractButton)
    assert _focus().accessibleName() == first_field
    if not isinstance(_focus(), QComboBox):         # (Space opens a list's choices)
        qtbot.keyClick(_focus(), Qt.Key.Key_Space)
        operations_idle(qtbot)
        assert dialog.isVisible()                   # nothing submitted by a space
    dialog.reject()


# ---------------------------------------------------------------------------- risky default
def test_the_risk_dialog_has_no_default_and_no_preselected_level(  # type: ignore[no-untyped-def]
        qtbot, open_case, window: MainWindow) -> None:
    session = _session(window)
    case_id = _new_case(session, age=40, family="Riskenter")
    page = open_case(window, case_id)
    page.risk()
    dialog = _dialog_shown(qtbot, page)
    assert isinstance(dialog, RiskDialog)
    assert all(box.currentData() is None for box in [*dialog.areas.values(), dialog.level])
    assert not any(b.isDefault() for b in dialog.findChildren(QAbstractButton)
                   if hasattr(b, "isDefault"))
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)     # Enter records nothing
    operations_idle(qtbot)
    assert dialog.isVisible()
    assert session.risk.for_case(case_id) == []
    qtbot.keyClick(_focus(), Qt.Key.Key_K, ALT)     # Record ris&k, everything unanswered
    qtbot.waitUntil(lambda: "Choose a level" in dialog.error.text(), timeout=3_000)
    operations_idle(qtbot)
    assert session.risk.for_case(case_id) == []
    dialog.reject()


# ---------------------------------------------------------------------------- search, back
def test_down_and_enter_from_the_cases_search_open_the_result_and_back_returns(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = _session(window)
    _new_case(session, age=33, family="Downenter")
    page = window.page("Cases")
    page.search.setFocus()
    qtbot.keyClicks(_focus(), "downenter")
    qtbot.waitUntil(lambda: page.model.total == 1, timeout=5_000)
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)
    assert _focus() is page.view
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    case_page = window.pages.currentWidget()
    assert isinstance(case_page, CasePage)
    settled(qtbot, case_page)
    assert case_page.case.person.family_name == "Downenter"
    case_page.action_buttons["note"].setFocus()
    qtbot.keyClick(_focus(), Qt.Key.Key_Left, ALT)                 # back
    assert window.pages.currentWidget() is page
    qtbot.keyClick(page.view, Qt.Key.Key_Return)                    # the same row again
    case_page = window.pages.currentWidget()
    assert isinstance(case_page, CasePage)
    settled(qtbot, case_page)
    case_page.tabs.setFocus()
    qtbot.keyClick(_focus(), Qt.Key.Key_Backspace)                  # back, not in a text field
    assert window.pages.currentWidget() is page


def test_backspace_in_a_text_field_edits_and_stays(qtbot, open_case, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = open_case(window, _new_case(_session(window), age=30, family="Stayput"))
    page.note()
    dialog = _dialog_shown(qtbot, page)
    qtbot.keyClicks(_focus(), "ab")
    qtbot.keyClick(_focus(), Qt.Key.Key_Backspace)
    assert dialog.body.toPlainText() == "a"                         # type: ignore[attr-defined]
    dialog.reject()
    assert window.pages.currentWidget() is page


def test_enter_on_a_focused_page_button_presses_it(qtbot, open_case, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = open_case(window, _new_case(_session(window), age=30, family="Enterbutton"))
    button = page.action_buttons["note"]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=3_000)
    assert page.dialog.windowTitle() == "Add a note"               # type: ignore[union-attr]
    page.dialog.reject()                                            # type: ignore[union-attr]


def test_alt_shortcuts_are_unique_before_unlock_in_first_run_and_the_wizard(
        qtbot, open_case, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The rest of the windows: the screening wizard on a case, the unlock screen, and each
    step of first-run set-up."""
    from ld_desktop.ui.clinical.screening_wizard import ScreeningWizard
    from ld_desktop.ui.first_run import FirstRunDialog

    found: dict[str, dict[str, list[str]]] = {}
    session = _session(window)
    case_id = _new_case(session, age=40, family="Wizardwalk")
    session.consent.record(case_id, ConsentDraft("assessment", "given",
                                                 capacity="has-capacity"))
    page = open_case(window, case_id)
    page.screening()
    qtbot.waitUntil(lambda: isinstance(page.stack.currentWidget(), ScreeningWizard),
                    timeout=3_000)
    found["screening wizard"] = clashes(window)
    window.lock("walk the unlock screen")
    found["unlock"] = clashes(window)
    first_run = FirstRunDialog(Workstation(tmp_path / "new"))
    qtbot.addWidget(first_run)
    first_run.show()
    for index in range(first_run.pages.count()):
        first_run.pages.setCurrentIndex(index)
        qtbot.wait(20)
        found[f"first run, page {index + 1}"] = clashes(first_run)
    assert len(found) == 2 + first_run.pages.count()
    assert {where: clash for where, clash in found.items() if clash} == {}


def test_the_consent_dialog_has_no_default_and_no_preselected_decision(
        qtbot, open_case, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Enter straight away recorded 'Given' (capacity not assessed) for the assessment."""
    session = _session(window)
    case_id = _new_case(session, age=40, family="Consententer")
    page = open_case(window, case_id)
    page.record_consent()
    dialog = _dialog_shown(qtbot, page)
    assert dialog.decision.currentData() is None                  # type: ignore[attr-defined]
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    operations_idle(qtbot)
    assert dialog.isVisible()
    assert session.consent.history(case_id) == []
    qtbot.keyClick(_focus(), Qt.Key.Key_O, ALT)                     # Rec&ord decision
    qtbot.waitUntil(lambda: "Choose the decision" in dialog.error.text(),  # type: ignore[attr-defined]
                    timeout=3_000)
    operations_idle(qtbot)
    assert session.consent.history(case_id) == []
    dialog.reject()


def test_the_outcome_dialog_never_closes_a_case_on_enter(  # type: ignore[no-untyped-def]
        qtbot, open_case, window: MainWindow) -> None:
    """Enter straight away closed the case with the first disposal; closing is final."""
    session = _session(window)
    case_id = _new_case(session, age=40, family="Outcomeenter")
    page = open_case(window, case_id)
    page.outcome()
    dialog = _dialog_shown(qtbot, page)
    assert dialog.disposal.currentData() is None                  # type: ignore[attr-defined]
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    operations_idle(qtbot)
    assert dialog.isVisible()
    assert session.cases.open(case_id).closed_at is None
    qtbot.keyClick(_focus(), Qt.Key.Key_C, ALT)                     # &Close case
    qtbot.waitUntil(lambda: "Choose the disposal" in dialog.error.text(),  # type: ignore[attr-defined]
                    timeout=3_000)
    operations_idle(qtbot)
    assert session.cases.open(case_id).closed_at is None
    dialog.reject()


def test_down_and_enter_from_the_people_search_open_the_person(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                               ) -> None:
    from ld_desktop.ui.pages.record_views import PersonPage

    _new_case(_session(window), age=52, family="Peopledown")
    page = window.page("People")
    page.search.setFocus()
    qtbot.keyClicks(_focus(), "peopledown")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1
                    and page.model.people[0].family_name == "Peopledown", timeout=5_000)
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)
    assert _focus() is page.view
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    person_page = window.pages.currentWidget()
    assert isinstance(person_page, PersonPage)
    qtbot.waitUntil(lambda: person_page.person is not None, timeout=5_000)
    assert person_page.person is not None
    assert person_page.person.family_name == "Peopledown"
    qtbot.keyClick(window.nav, Qt.Key.Key_Left, ALT)
    assert window.pages.currentWidget() is page
