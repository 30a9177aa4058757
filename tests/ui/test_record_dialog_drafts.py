"""A record dialog half changed when the workstation locks loses nothing: in the real window,
by keys on the focused widget, the change typed into "Correct details" is kept as the user's
encrypted draft at Ctrl+L, and offered back when the same user opens that dialog again after
unlocking (Use my changes, or Discard them). Another user unlocking sees nothing of it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.person_edits import PersonEditService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.record_views import PersonPage
from ld_desktop.ui.records.case_details_dialog import CaseDetailsDialog
from ld_desktop.ui.records.kept_changes import OFFER_TITLE
from ld_desktop.ui.records.person_edit_dialog import PersonEditDialog
from tests.helpers.case_page import case_settled
from tests.helpers.gates import Gate
from tests.helpers.referral_intake import CTRL, focus, key
from tests.helpers.shown_window import shown_window

PASS = {"prac1": "practitioner passphrase", "prac2": "second passphrase x"}


@pytest.fixture
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workstation:
    """One site, two practitioners, and QUINN, Testperson with one case."""
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], "admin1", "admin passphrase x")
    admin = ws.unlock("admin1", "admin passphrase x")
    for name, passphrase in PASS.items():
        admin.accounts.add_user(name, Role.PRACTITIONER, passphrase)
    admin.lock()
    prac = ws.unlock("prac1", PASS["prac1"])
    site = prac.sites[0].id
    quinn = prac.persons.register(PersonDraft("Quinn", "Testperson", date(1985, 3, 4)), site)
    prac.cases.new_referral(ReferralDraft(quinn.id, site, "custody-sergeant", "arrested",
                                          custody_record_number="NG/0001/26"))
    prac.lock()
    return ws


@pytest.fixture
def window(qtbot, workstation: Workstation) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    session = workstation.unlock("prac1", PASS["prac1"])
    with shown_window(qtbot, workstation, session=session) as win:
        yield win


def quinn(session: UserSession) -> uuid.UUID:
    return session.persons.search("Quinn")[0].id


def person_dialog(qtbot, window: MainWindow) -> PersonEditDialog:  # type: ignore[no-untyped-def]
    """Quinn's page in the window, and "Correct details…" pressed with Space."""
    assert window.session is not None
    window.open_person(quinn(window.session))
    page = window.pages.currentWidget()
    assert isinstance(page, PersonPage)
    qtbot.waitUntil(lambda: page.person is not None and page.edit_button.isEnabled(),
                    timeout=5_000)
    page.edit_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.edit_button, timeout=3_000)
    key(qtbot, Qt.Key.Key_Space)
    dialog = page.dialog
    assert isinstance(dialog, PersonEditDialog)
    return dialog


def lock_and_unlock(qtbot, window: MainWindow, who: str) -> UserSession:  # type: ignore[no-untyped-def]
    key(qtbot, Qt.Key.Key_L, CTRL)                     # the lock shortcut, in the dialog
    qtbot.waitUntil(lambda: window.session is None, timeout=5_000)
    session = window.workstation.unlock(who, PASS[who])
    window.start_session(session)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.nav, timeout=3_000)
    return session


def offer() -> QMessageBox | None:
    """The offer, once it has the keyboard (as the person sees it come up)."""
    modal, focused = QApplication.activeModalWidget(), QApplication.focusWidget()
    if (isinstance(modal, QMessageBox) and modal.windowTitle() == OFFER_TITLE
            and focused is not None and modal.isAncestorOf(focused)):
        return modal
    return None


def type_family_name(qtbot, dialog: PersonEditDialog, name: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.given, timeout=3_000)
    key(qtbot, Qt.Key.Key_Tab)                                     # family name
    assert focus() is dialog.family
    key(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focus(), name)


def kept_then_read_slowly(qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                          typed: str) -> tuple[UserSession, PersonEditDialog, Gate]:
    """``typed`` kept at a lock; unlocked; the dialog reopened with the read of the kept
    changes held at the gate returned (the test opens it; not the ``gate`` fixture, which
    the lock in between would open)."""
    gate = Gate()
    dialog = person_dialog(qtbot, window)
    type_family_name(qtbot, dialog, typed)
    again = lock_and_unlock(qtbot, window, "prac1")
    real_load = type(again.drafts).load

    def slow_load(self, key_: str):  # type: ignore[no-untyped-def]
        if key_.startswith("person-details:"):
            gate.hold()
        return real_load(self, key_)

    monkeypatch.setattr(type(again.drafts), "load", slow_load)
    return again, person_dialog(qtbot, window), gate


def test_a_half_typed_correction_survives_the_lock_and_is_offered_back(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = person_dialog(qtbot, window)
    type_family_name(qtbot, dialog, "Lockley")
    again = lock_and_unlock(qtbot, window, "prac1")
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    assert again.persons.open(quinn(again)).family_name == "Testperson"   # nothing saved
    reopened = person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    box = offer()
    assert box is not None
    assert "Family name" in box.text()
    assert "Lockley" not in box.text()            # the offer names fields, not values
    assert reopened.family.text() == "Testperson"  # not put in until the person says so
    key(qtbot, Qt.Key.Key_Return)                  # Use my changes (the default)
    qtbot.waitUntil(lambda: offer() is None and reopened.family.text() == "Lockley",
                    timeout=3_000)
    assert "not saved yet" in reopened.error.text()
    qtbot.waitUntil(lambda: reopened.isAncestorOf(QApplication.focusWidget()), timeout=3_000)
    key(qtbot, Qt.Key.Key_Return)                  # now saved, on purpose
    qtbot.waitUntil(lambda: not reopened.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert again.persons.open(quinn(again)).family_name == "Lockley"
    assert again.drafts.load(f"person-details:{quinn(again)}") is None


def test_discard_them_drops_the_kept_changes(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = person_dialog(qtbot, window)
    type_family_name(qtbot, dialog, "Dropme")
    again = lock_and_unlock(qtbot, window, "prac1")
    reopened = person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    key(qtbot, Qt.Key.Key_D)                       # &Discard them
    qtbot.waitUntil(lambda: offer() is None, timeout=3_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert reopened.family.text() == "Testperson"
    assert again.drafts.load(f"person-details:{quinn(again)}") is None


def test_another_user_unlocking_sees_nothing_of_it(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = person_dialog(qtbot, window)
    type_family_name(qtbot, dialog, "Notyours")
    other = lock_and_unlock(qtbot, window, "prac2")
    reopened = person_dialog(qtbot, window)
    assert reopened.kept is not None
    qtbot.waitUntil(lambda: reopened.kept is not None and reopened.kept.read, timeout=5_000)
    qtbot.wait(200)
    assert offer() is None
    assert reopened.family.text() == "Testperson"
    assert other.drafts.load(f"person-details:{quinn(other)}") is None
    key(qtbot, Qt.Key.Key_Escape)                  # prac2 cancels: prac1's draft is theirs
    qtbot.waitUntil(lambda: not reopened.isVisible(), timeout=3_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3_000)
    mine = lock_and_unlock(qtbot, window, "prac1")
    assert mine.drafts.load(f"person-details:{quinn(mine)}") == {
        "changes": {"family": "Notyours"}, "base": {"family": "Testperson"}}


def test_a_case_correction_survives_the_lock(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    assert session is not None
    case_id = session.cases.page(CaseFilter(person_id=quinn(session)), 0, 1)[0].id
    window.open_case(case_id)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    page.action_buttons["correct"].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.action_buttons["correct"],
                    timeout=3_000)
    key(qtbot, Qt.Key.Key_Space)
    details = page.dialog
    assert isinstance(details, CaseDetailsDialog)
    qtbot.waitUntil(lambda: details.loaded and QApplication.focusWidget() is details.urgency,
                    timeout=5_000)
    key(qtbot, Qt.Key.Key_Tab)                                     # custody number
    key(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focus(), "NG/0999/26")
    lock_and_unlock(qtbot, window, "prac1")
    window.open_case(case_id)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    case_settled(qtbot, page)
    page.action_buttons["correct"].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.action_buttons["correct"],
                    timeout=3_000)
    key(qtbot, Qt.Key.Key_Space)
    reopened = page.dialog
    assert isinstance(reopened, CaseDetailsDialog)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    assert "Custody number" in offer().text()  # type: ignore[union-attr]
    key(qtbot, Qt.Key.Key_Escape)                  # a hurried Escape keeps them
    qtbot.waitUntil(lambda: reopened.custody.text() == "NG/0999/26", timeout=3_000)


def test_a_lock_while_the_offer_is_open_keeps_the_changes(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = person_dialog(qtbot, window)
    type_family_name(qtbot, dialog, "Twicelocked")
    lock_and_unlock(qtbot, window, "prac1")
    person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    again = lock_and_unlock(qtbot, window, "prac1")       # Ctrl+L on the offer itself
    assert again.drafts.load(f"person-details:{quinn(again)}") == {
        "changes": {"family": "Twicelocked"}, "base": {"family": "Testperson"}}
    reopened = person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    key(qtbot, Qt.Key.Key_U)                               # &Use my changes
    qtbot.waitUntil(lambda: reopened.family.text() == "Twicelocked", timeout=3_000)


def test_a_move_case_reason_survives_the_lock(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The reason typed in "Move this case to another person" is kept; the person it moves
    to is chosen again, explicitly."""
    from ld_desktop.ui.records.merge_dialogs import MoveCaseDialog

    session = window.session
    assert session is not None
    case_id = session.cases.page(CaseFilter(person_id=quinn(session)), 0, 1)[0].id

    def open_move() -> MoveCaseDialog:
        window.open_case(case_id)
        page = window.pages.currentWidget()
        assert isinstance(page, CasePage)
        case_settled(qtbot, page)
        page.action_buttons["move"].setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is page.action_buttons["move"],
                        timeout=3_000)
        key(qtbot, Qt.Key.Key_Space)
        move = page.dialog
        assert isinstance(move, MoveCaseDialog)
        return move

    move = open_move()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is move.picker.search, timeout=3_000)
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)       # &Reason
    qtbot.keyClicks(focus(), "Filed under the wrong Quinn at intake")
    lock_and_unlock(qtbot, window, "prac1")
    reopened = open_move()
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    assert "Reason" in offer().text()  # type: ignore[union-attr]
    key(qtbot, Qt.Key.Key_Return)                                     # Use my changes
    qtbot.waitUntil(lambda: reopened.reason.toPlainText()
                    == "Filed under the wrong Quinn at intake", timeout=3_000)
    assert reopened.picker.chosen is None


def a_colleague_corrects_the_family_name(session: UserSession, name: str) -> None:
    """The record changed underneath, as a sync or a colleague's correction would."""
    PersonEditService(session).edit(session.persons.open(quinn(session)),
                                    PersonDraft("Quinn", name, date(1985, 3, 4)))


def test_a_kept_change_is_not_put_over_a_newer_value(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Principle 1: the family name typed before the lock was typed over "Testperson"; it has
    since become "Colleague". Use my changes puts back the given name only, names the family
    name in the question with both values, shows the kept one in the form's note, and Save
    leaves the colleague's correction as it is."""
    dialog = person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.given, timeout=3_000)
    key(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focus(), "Quinnie")
    type_family_name(qtbot, dialog, "Lockley")
    again = lock_and_unlock(qtbot, window, "prac1")
    a_colleague_corrects_the_family_name(again, "Colleague")
    reopened = person_dialog(qtbot, window)
    assert reopened.family.text() == "Colleague"
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    text = offer().text()  # type: ignore[union-attr]
    since = text[text.index("Changed since on another workstation or by a colleague"):]
    assert "Family name" in since
    assert "Given name" not in since
    assert "'Colleague'" in since
    assert "'Lockley'" in since
    key(qtbot, Qt.Key.Key_Return)                  # Use my changes (the default)
    qtbot.waitUntil(lambda: offer() is None and reopened.given.text() == "Quinnie",
                    timeout=3_000)
    assert reopened.family.text() == "Colleague"   # the newer value stays
    assert "Family name" in reopened.error.text()
    assert "'Lockley'" in reopened.error.text()
    qtbot.waitUntil(lambda: reopened.isAncestorOf(QApplication.focusWidget()), timeout=3_000)
    key(qtbot, Qt.Key.Key_Return)                  # Save
    qtbot.waitUntil(lambda: not reopened.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    saved = again.persons.open(quinn(again))
    assert (saved.given_name, saved.family_name) == ("Quinnie", "Colleague")


def test_a_change_set_aside_is_kept_until_chosen(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """A kept change left beside a newer value survives another lock, and is offered again
    with the same question."""
    dialog = person_dialog(qtbot, window)
    type_family_name(qtbot, dialog, "Lockley")
    again = lock_and_unlock(qtbot, window, "prac1")
    a_colleague_corrects_the_family_name(again, "Colleague")
    reopened = person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: offer() is None and reopened.isAncestorOf(
        QApplication.focusWidget()), timeout=3_000)
    assert reopened.family.text() == "Colleague"
    third = lock_and_unlock(qtbot, window, "prac1")
    assert third.drafts.load(f"person-details:{quinn(third)}") == {
        "changes": {"family": "Lockley"}, "base": {"family": "Testperson"}}
    person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    assert "'Lockley'" in offer().text()  # type: ignore[union-attr]


def test_a_draft_kept_before_bases_is_offered_as_before(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """An older draft has no base: nothing can be compared, and Use puts the change in."""
    session = window.session
    assert session is not None
    session.drafts.save(f"person-details:{quinn(session)}", {"changes": {"family": "Oldstyle"}})
    a_colleague_corrects_the_family_name(session, "Colleague")
    reopened = person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    assert "Changed since" not in offer().text()  # type: ignore[union-attr]
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: reopened.family.text() == "Oldstyle", timeout=3_000)


def test_values_in_the_question_are_shown_as_the_field_shows_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit

    from ld_desktop.ui.records.kept_changes import shown_as

    combo = QComboBox()
    combo.addItem("Nobody (unallocated)", None)
    combo.addItem("Pat Practitioner (prac1)", "prac1")
    assert shown_as(combo, "prac1") == "'Pat Practitioner (prac1)'"
    assert shown_as(combo, None) == "'Nobody (unallocated)'"
    assert shown_as(QCheckBox(), True) == "ticked"
    assert shown_as(QPlainTextEdit(), "1 Test Street\n\nTestville") == "'1 Test Street / Testville'"
    assert shown_as(QLineEdit(), "") == "(empty)"
    assert shown_as(QLineEdit(), "x" * 100) == "'" + "x" * 77 + "\u2026'"


def test_closing_the_dialog_by_the_window_system_keeps_the_changes(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow) -> None:
    """The dialog's close button, the session logging off or the application quitting close
    it through the window system, not through Cancel: the typing is kept, as at a lock (it
    was dropped as if Cancel had been pressed)."""
    dialog = person_dialog(qtbot, window)
    type_family_name(qtbot, dialog, "Closedby")
    session = window.session
    assert session is not None
    dialog.close()                                 # as the title bar's close button does
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert session.drafts.load(f"person-details:{quinn(session)}") == {
        "changes": {"family": "Closedby"}, "base": {"family": "Testperson"}}
    window.activateWindow()
    reopened = person_dialog(qtbot, window)
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    key(qtbot, Qt.Key.Key_Return)                  # Use my changes
    qtbot.waitUntil(lambda: reopened.family.text() == "Closedby", timeout=3_000)


def test_cancel_before_the_kept_changes_are_back_leaves_them(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hurried Escape while the earlier changes are still being read: they were never
    offered, so they stay for next time (Cancel dropped them unseen)."""
    again, reopened, gate = kept_then_read_slowly(qtbot, window, monkeypatch, "Keptearlier")
    assert reopened.kept is not None
    assert not reopened.kept.read
    qtbot.waitUntil(lambda: QApplication.focusWidget() is reopened.given, timeout=3_000)
    key(qtbot, Qt.Key.Key_Escape)                  # Cancel, before the read is back
    qtbot.waitUntil(lambda: not reopened.isVisible(), timeout=3_000)
    gate.open()
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    monkeypatch.undo()
    assert again.drafts.load(f"person-details:{quinn(again)}") == {
        "changes": {"family": "Keptearlier"}, "base": {"family": "Testperson"}}


@pytest.mark.expect_log   # the failure is logged on purpose: the test reads that line
def test_a_failed_save_logs_no_name(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A save that fails (not a refusal: the disk, say) is logged without the person's name,
    which the dialog's title carries ("Correct details: TESTPERSON, Quinn")."""
    dialog = person_dialog(qtbot, window)
    assert "TESTPERSON" in dialog.windowTitle().upper()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(PersonEditService, "edit", broken)
    type_family_name(qtbot, dialog, "Failsave")
    key(qtbot, Qt.Key.Key_Return)                  # Save
    qtbot.waitUntil(lambda: "saving" in caplog.text, timeout=5_000)
    assert "Correct details" in caplog.text
    assert "testperson" not in caplog.text.lower()
    assert "quinn" not in caplog.text.lower()


def test_use_my_changes_never_replaces_what_was_typed_while_they_were_read(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """The person starts typing before the earlier changes are back; answering Use my
    changes then leaves the new typing in the field and shows the earlier value beside it
    (it was replaced with nothing said)."""
    _, reopened, gate = kept_then_read_slowly(qtbot, window, monkeypatch, "Keptearlier")
    type_family_name(qtbot, reopened, "Freshtyping")   # while the read is held
    gate.open()
    qtbot.waitUntil(lambda: offer() is not None, timeout=5_000)
    key(qtbot, Qt.Key.Key_Return)                       # Use my changes (the default)
    qtbot.waitUntil(lambda: offer() is None, timeout=3_000)
    assert reopened.family.text() == "Freshtyping"
    assert reopened.error.text().startswith("Not put in")   # nothing else came back
    assert "'Keptearlier'" in reopened.error.text()
