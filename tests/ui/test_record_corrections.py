"""Correcting, merging and moving by keyboard in the real dialogs: each opens in its first
field; a bad value is explained with nothing lost; Enter on a search result chooses without
merging or moving; the merge and the move happen only on their own button. The searches and
the saves run in the background, so the tests wait for what they show."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.pages.record_views import PersonPage
from tests.helpers.case_page import case_settled
from tests.helpers.gui_thread_store import GuiThreadStoreWatch


def _type(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(QApplication.focusWidget(), text)


def _key(qtbot, key: Qt.Key, times: int = 1,  # type: ignore[no-untyped-def]
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    for _ in range(times):
        qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _results_back(qtbot, picker) -> None:  # type: ignore[no-untyped-def]
    """Down was pressed: the search (off the GUI thread) has answered, its first row current."""
    def back() -> bool:
        item = picker.results.currentItem()
        return item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
    qtbot.waitUntil(back, timeout=5_000)


def _focus(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def _page(qtbot, session: UserSession, person_id) -> PersonPage:  # type: ignore[no-untyped-def]
    page = PersonPage(session, session.persons.open(person_id))
    session.bus.subscribe(page.on_changes)
    qtbot.addWidget(page)
    page.show()
    return page


def _person(session: UserSession, given: str, family: str, **kw) -> object:  # type: ignore[no-untyped-def]
    return session.persons.register(PersonDraft(given, family, date(1990, 2, 2), **kw),
                                    session.sites[0].id)


def test_person_edit_by_keyboard_keeps_the_form_on_a_bad_nhs_number(
        qtbot, one_site_senior: UserSession) -> None:  # type: ignore[no-untyped-def]
    s = one_site_senior
    person = _person(s, "Jordan", "Testperson")
    page = _page(qtbot, s, person.id)  # type: ignore[attr-defined]
    _focus(qtbot, page.edit_button)
    _key(qtbot, Qt.Key.Key_Space)
    dialog = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.given)
    _key(qtbot, Qt.Key.Key_Tab)                                    # family name
    _key(qtbot, Qt.Key.Key_A, modifier=Qt.KeyboardModifier.ControlModifier)
    _type(qtbot, "Newname")
    _key(qtbot, Qt.Key.Key_Tab)                                    # date of birth
    _key(qtbot, Qt.Key.Key_A, modifier=Qt.KeyboardModifier.ControlModifier)
    _type(qtbot, "03/02/1990")
    _key(qtbot, Qt.Key.Key_Tab, 5)                                 # aliases, sex, gender, ethnicity
    assert QApplication.focusWidget() is dialog.nhs
    _type(qtbot, "943 476 5918")                                   # wrong check digit
    _key(qtbot, Qt.Key.Key_Return)
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: "check digit" in dialog.error.text(), timeout=5_000)
    assert (dialog.family.text(), dialog.dob.text()) == ("Newname", "03/02/1990")  # kept
    assert s.persons.open(person.id).family_name == "Testperson"  # type: ignore[attr-defined]
    _key(qtbot, Qt.Key.Key_Backspace)
    _type(qtbot, "9")                                              # 943 476 5919: valid
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    saved = s.persons.open(person.id)  # type: ignore[attr-defined]
    assert (saved.family_name, saved.date_of_birth, saved.nhs_number, saved.nhs_number_status) \
        == ("Newname", date(1990, 2, 3), "9434765919", "unverified")
    # the page reloads in the background
    qtbot.waitUntil(lambda: page.heading.text() == "NEWNAME, Jordan", timeout=5_000)
    assert "Family name: Testperson → Newname" in page.changes.item(0).text()


def test_merge_by_keyboard_enter_chooses_but_only_the_button_merges(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    s = one_site_senior
    keep = _person(s, "Quinn", "Testperson")
    dupe = _person(s, "Quin", "Mergeme")
    s.cases.new_referral(ReferralDraft(dupe.id, s.sites[0].id, "custody-sergeant",  # type: ignore[attr-defined]
                                       "arrested", custody_record_number="MM/1"))
    page = _page(qtbot, s, keep.id)  # type: ignore[attr-defined]
    _focus(qtbot, page.merge_button)
    _key(qtbot, Qt.Key.Key_Space)
    dialog = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.picker.search)
    _type(qtbot, "Mergeme")
    _key(qtbot, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is dialog.picker.results
    _results_back(qtbot, dialog.picker)
    _key(qtbot, Qt.Key.Key_Return)
    assert dialog.isVisible()                                      # chose, did not merge
    assert dialog.error.isHidden()                                 # ... nor even try to
    assert dialog.picker.chosen.id == dupe.id  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)   # compared in the background
    assert "1 case(s) will move" in dialog.preview.text()
    assert "Given name: Quinn / Quin" in dialog.preview.text()
    _key(qtbot, Qt.Key.Key_Tab, 2)                                 # Keep, Reason
    assert QApplication.focusWidget() is dialog.reason
    _type(qtbot, "Same custody photo (fictional)")
    _key(qtbot, Qt.Key.Key_Tab)                                    # the Merge button
    assert QApplication.focusWidget() is dialog.save_button
    _key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert s.persons.open(dupe.id).id == keep.id  # type: ignore[attr-defined]
    assert "Quin Mergeme" in s.persons.open(keep.id).aliases  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.merged.count() == 1, timeout=5_000)   # undo is offered
    page.merged.setCurrentRow(0)
    _focus(qtbot, page.undo_button)
    _key(qtbot, Qt.Key.Key_Space)
    undo = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is undo.reason)
    _key(qtbot, Qt.Key.Key_Return)                                 # a new line, not "undo"
    assert undo.isVisible()
    _type(qtbot, "Two people after all")
    _key(qtbot, Qt.Key.Key_Tab)
    _key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not undo.isVisible())
    assert s.persons.open(dupe.id).id == dupe.id  # type: ignore[attr-defined]
    assert not {p for p in gui_thread_store.places() if p.startswith("ui/records/")}, \
        gui_thread_store.unexpected({})


def test_move_case_and_correct_case_details_by_keyboard(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    s = one_site_senior
    wrong, right = _person(s, "Wrong", "Filedunder"), _person(s, "Right", "Movehere")
    case = s.cases.new_referral(ReferralDraft(wrong.id, s.sites[0].id, "custody-sergeant",  # type: ignore[attr-defined]
                                              "arrested", custody_record_number="MV/1"))
    page = CasePage(s, case.id)
    qtbot.addWidget(page)
    page.show()
    case_settled(qtbot, page)
    _focus(qtbot, page.action_buttons["correct"])
    _key(qtbot, Qt.Key.Key_Space)
    details = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is details.urgency)
    _key(qtbot, Qt.Key.Key_Down, 2)                                # routine -> soon -> urgent
    _key(qtbot, Qt.Key.Key_Tab)
    _key(qtbot, Qt.Key.Key_A, modifier=Qt.KeyboardModifier.ControlModifier)
    _key(qtbot, Qt.Key.Key_Delete)                                 # empty custody number
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "custody record number" in details.error.text(), timeout=5_000)
    _type(qtbot, "MV/1B")
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not details.isVisible())
    view = s.cases.open(case.id)
    assert (view.urgency, view.custody_record_number) == ("urgent", "MV/1B")
    case_settled(qtbot, page)                          # reloaded after the correction
    assert any("Urgency: Routine → Urgent" in e.summary for e in page.case.timeline)
    _focus(qtbot, page.action_buttons["move"])
    _key(qtbot, Qt.Key.Key_Space)
    move = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is move.picker.search)
    _type(qtbot, "Movehere")
    _key(qtbot, Qt.Key.Key_Down)
    _results_back(qtbot, move.picker)
    _key(qtbot, Qt.Key.Key_Return)
    assert move.isVisible()
    _key(qtbot, Qt.Key.Key_Tab)
    _key(qtbot, Qt.Key.Key_Tab)                                    # past the reason: the button
    _key(qtbot, Qt.Key.Key_Space)
    assert move.isVisible()
    qtbot.waitUntil(lambda: "reason" in move.error.text(), timeout=5_000)   # refused
    assert move.isVisible()                                        # ... with the choice kept
    assert move.picker.chosen.id == right.id  # type: ignore[attr-defined]
    _focus(qtbot, move.reason)
    _type(qtbot, "Filed under the wrong person at intake")
    _key(qtbot, Qt.Key.Key_Tab)
    _key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not move.isVisible())
    assert s.cases.open(case.id).person.id == right.id  # type: ignore[attr-defined]
    case_settled(qtbot, page)       # reloaded before the fixture locks the session
    assert page.case.person.id == right.id  # type: ignore[attr-defined]
    assert not {p for p in gui_thread_store.places() if p.startswith("ui/records/")}, \
        gui_thread_store.unexpected({})
