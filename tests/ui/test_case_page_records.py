"""The case page, driven from the keyboard as a hurried practitioner would: a note in the old
"Suggested ... not completed" words hides no suggestion; a skipped suggestion stays skipped
after the case is reopened and the session locked; a row chosen with Tab and the arrow keys
is still the one acted on after the list has been refreshed and its rows have moved."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QListWidget, QPushButton, QTabBar, QWidget

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.risk import RiskDraft
from ld_desktop.services.clinical.screenings import CORE_SCREEN
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.clinical.care_dialogs import EscalationStatusDialog
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow
from tests.helpers import case_page

ALT = Qt.KeyboardModifier.AltModifier
OWN_NOTE = "Suggested PHQ-9 not completed: will offer after interview"


def _session(window: MainWindow) -> UserSession:
    assert window.session is not None
    return window.session


def _new_case(session: UserSession, family: str, age: int = 36) -> uuid.UUID:
    site = session.sites[0].id
    born = date.today() - timedelta(days=365 * age + 40)
    person = session.persons.register(PersonDraft("Hurried", family, born), site)
    return session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested", custody_record_number=f"CP/{family}")).id


def _screened(session: UserSession, family: str) -> uuid.UUID:
    """A case whose core screen (completed) suggests PHQ-9 and GAD-7."""
    case_id = _new_case(session, family)
    draft = session.screenings.start(case_id, CORE_SCREEN, "1.0")
    session.screenings.complete(draft.id, {}, {
        "summary": "Low mood and worry", "suggested_instruments": ["phq9", "gad7"]})
    return case_id




def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _key(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier  # type: ignore[no-untyped-def]
         ) -> None:
    qtbot.keyClick(_focus(), key, modifier)


def _tab_to(qtbot, target: QWidget, limit: int = 60) -> None:  # type: ignore[no-untyped-def]
    """Tab (the real focus chain) until ``target`` has the focus."""
    for _ in range(limit):
        if _focus() is target:
            return
        _key(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.accessibleName() or target}")


def _pick_row(qtbot, page: CasePage, tab: str, text: str) -> QListWidget:  # type: ignore[no-untyped-def]
    """From the action bar: Tab to the tab bar, arrow to ``tab``, Tab into its list, Home
    (and Space if that row is only under the focus frame), then Down until the row
    containing ``text`` is selected."""
    page.window().activateWindow()        # offscreen: no window manager gives it back
    qtbot.waitUntil(page.window().isActiveWindow, timeout=3_000)
    page.action_buttons["consent"].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3_000)
    tab_bar = page.tabs.findChild(QTabBar)
    assert tab_bar is not None
    _tab_to(qtbot, tab_bar)
    for _ in range(page.tabs.count()):
        if page.tabs.tabText(page.tabs.currentIndex()) == tab:
            break
        _key(qtbot, Qt.Key.Key_Right)
    listing = page.tabs.currentWidget().findChild(QListWidget)
    assert listing is not None
    assert page.tabs.tabText(page.tabs.currentIndex()) == tab
    _tab_to(qtbot, listing)
    _key(qtbot, Qt.Key.Key_Home)
    if listing.currentItem() is not None and not listing.currentItem().isSelected():
        _key(qtbot, Qt.Key.Key_Space)        # the row under the focus frame, chosen
    for _ in range(listing.count()):
        item = listing.currentItem()
        if item is not None and item.isSelected() and text in item.text():
            return listing
        _key(qtbot, Qt.Key.Key_Down)
    item = listing.currentItem()
    raise AssertionError(f"no row with {text!r} in {tab}: "
                         f"{[listing.item(i).text() for i in range(listing.count())]}, "
                         f"at {listing.currentRow()} {item and item.isSelected()}")


def _button(page: CasePage, text: str) -> QPushButton:
    return next(b for b in page.findChildren(QPushButton) if b.text() == text
                and b.isVisible())


def _dialog(qtbot, page: CasePage) -> QDialog:  # type: ignore[no-untyped-def]
    dialog = page.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isAncestorOf(
        QApplication.focusWidget()), timeout=3_000)
    return dialog


def _type_and_save(qtbot, page: CasePage, text: str) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, page)
    qtbot.keyClicks(_focus(), text)
    _tab_to(qtbot, dialog.save_button)                      # type: ignore[attr-defined]
    _key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3_000)
    case_page.case_settled(qtbot, page)


def _open_core_result(qtbot, page: CasePage) -> None:  # type: ignore[no-untyped-def]
    _pick_row(qtbot, page, "Screenings", "Core screen:")
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.result is not None, timeout=3_000)


# ---------------------------------------------------------------------------- suggestions
def test_a_clinicians_own_note_in_the_old_words_hides_no_suggestion(  # type: ignore[no-untyped-def]
        qtbot, open_case, window: MainWindow) -> None:
    session = _session(window)
    page = open_case(window, _screened(session, "Ownnote"))
    page.action_buttons["note"].setFocus()
    _key(qtbot, Qt.Key.Key_Space)                            # Note…
    _type_and_save(qtbot, page, OWN_NOTE)
    assert [n.body for n in page.records.notes] == [OWN_NOTE]
    _open_core_result(qtbot, page)
    assert page.result is not None
    assert {"start:phq9", "skip:phq9", "start:gad7"} <= set(page.result.step_buttons)


def test_a_skipped_suggestion_stays_skipped_after_reopening_and_a_lock(  # type: ignore[no-untyped-def]
        qtbot, open_case, window: MainWindow, demo_dir: Path, accounts) -> None:
    session = _session(window)
    case_id = _screened(session, "Skipkeep")
    page = open_case(window, case_id)
    _open_core_result(qtbot, page)
    assert page.result is not None
    page.result.step_buttons["start:phq9"].setFocus()
    _tab_to(qtbot, page.result.step_buttons["skip:phq9"])
    _key(qtbot, Qt.Key.Key_Space)                            # Not now (PHQ-9)…
    _type_and_save(qtbot, page, "Declined: too tired to go on")
    qtbot.waitUntil(lambda: page.result is not None
                    and "start:phq9" not in page.result.step_buttons, timeout=3_000)
    assert "start:gad7" in page.result.step_buttons          # only the one skipped
    assert page.records.notes == []                          # a record, not a note

    window.lock("reopen")
    window.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    window.activateWindow()
    page = open_case(window, case_id)
    lines = [page.screening_list.item(i).text() for i in range(page.screening_list.count())]
    assert any(line.startswith("PHQ-9: suggested, not used · Declined: too tired to go on")
               for line in lines)
    assert any("Suggested PHQ-9 not completed: Declined: too tired to go on" in e.summary
               for e in page.case.timeline)
    _open_core_result(qtbot, page)
    assert page.result is not None
    assert "start:phq9" not in page.result.step_buttons
    assert "start:gad7" in page.result.step_buttons


# ---------------------------------------------------------------------------- rows by id
def test_the_row_chosen_by_keyboard_is_acted_on_after_a_refresh_moves_it(  # type: ignore[no-untyped-def]
        qtbot, open_case, window: MainWindow) -> None:
    session = _session(window)
    case_id = _new_case(session, "Rowmoves")
    session.referrals.make(case_id, "cmht")
    session.referrals.add_action(case_id, "Ring the GP surgery")
    session.referrals.add_action(case_id, "Book an interpreter")
    page = open_case(window, case_id)
    listing = _pick_row(qtbot, page, "Referrals and support", "Book an interpreter")
    moved_from = listing.currentRow()

    # a colleague's referral arrives (as a sync would bring it): referrals list first, so
    # every support action moves down a row while this one stays selected
    session.referrals.make(case_id, "other", other_name="Womens Centre Testshire")
    qtbot.waitUntil(lambda: len(page.records.referrals) == 2, timeout=3_000)
    assert _focus() is listing
    assert listing.currentRow() == moved_from + 1
    assert "Book an interpreter" in listing.currentItem().text()

    done = _button(page, "Mark action done")
    _tab_to(qtbot, done)
    _key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: any(a.done_at is not None for a in page.records.actions))  # saved
    state = {a.description: a.done_at for a in session.referrals.actions_for_case(case_id)}
    assert state["Book an interpreter"] is not None
    assert state["Ring the GP surgery"] is None

    _key(qtbot, Qt.Key.Key_Space)                            # pressed again, in a hurry
    assert page.problem.text() == "That support action is already done."
    again = {a.description: a.done_at for a in session.referrals.actions_for_case(case_id)}
    assert again == state


def test_a_list_action_on_a_row_of_another_kind_acts_on_nothing(  # type: ignore[no-untyped-def]
        qtbot, open_case, window: MainWindow) -> None:
    session = _session(window)
    case_id = _new_case(session, "Wrongkind")
    session.referrals.make(case_id, "cmht")
    session.referrals.add_action(case_id, "Ring the GP surgery")
    page = open_case(window, case_id)
    _pick_row(qtbot, page, "Referrals and support", "Referral to")
    done = _button(page, "Mark action done")
    _tab_to(qtbot, done)
    _key(qtbot, Qt.Key.Key_Space)
    assert page.problem.text() == "Choose a support action in the list first."
    assert [a.done_at for a in session.referrals.actions_for_case(case_id)] == [None]


def test_update_escalation_opens_the_escalation_chosen_after_a_new_risk_moves_it(  # type: ignore[no-untyped-def]
        qtbot, open_case, window: MainWindow) -> None:
    session = _session(window)
    case_id = _new_case(session, "Escmoves")
    first = session.escalations.request(case_id, "mental-health-nurse", "routine",
                                        "Low mood, first request")
    session.escalations.request(case_id, "mental-health-nurse", "urgent",
                                "Voices, second request")
    page = open_case(window, case_id)
    _pick_row(qtbot, page, "Risk and escalation", "Low mood, first request")
    session.risk.record(case_id, RiskDraft("low", "low", "low", "low", "low",
                                           "Calm throughout, synthetic"))
    qtbot.waitUntil(lambda: len(page.records.risks) == 1, timeout=3_000)
    update = _button(page, "Update escalation…")
    _tab_to(qtbot, update)
    _key(qtbot, Qt.Key.Key_Space)
    dialog = _dialog(qtbot, page)
    assert isinstance(dialog, EscalationStatusDialog)
    assert dialog._escalation.id == first.id
    dialog.reject()
