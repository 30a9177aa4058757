"""Correcting, merging and moving by keyboard in the real dialogs: each opens in its first
field; a bad value is explained with nothing lost; Enter on a search result chooses without
merging or moving; the merge and the move happen only on their own button. The searches and
the saves run in the background, so the tests wait for what they show."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.case_page import CasePage
from tests.helpers.case_page import case_settled
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.helpers.person_page import (
    focus,
    key,
    merge_dialog,
    open_person_page,
    register,
    results_back,
    retype_family_name,
    type_keys,
)


def test_person_edit_by_keyboard_keeps_the_form_on_a_bad_nhs_number(
        qtbot, one_site_senior: UserSession) -> None:  # type: ignore[no-untyped-def]
    s = one_site_senior
    person = register(s, "Jordan", "Testperson")
    page = open_person_page(qtbot, s, person.id)  # type: ignore[attr-defined]
    dialog = retype_family_name(qtbot, page, "Newname")
    key(qtbot, Qt.Key.Key_Tab)                                    # date of birth
    key(qtbot, Qt.Key.Key_A, modifier=Qt.KeyboardModifier.ControlModifier)
    type_keys(qtbot, "03/02/1990")
    key(qtbot, Qt.Key.Key_Tab, 5)                                 # aliases, sex, gender, ethnicity
    assert QApplication.focusWidget() is dialog.nhs
    type_keys(qtbot, "943 476 5918")                                   # wrong check digit
    key(qtbot, Qt.Key.Key_Return)
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: "check digit" in dialog.error.text(), timeout=5_000)
    assert (dialog.family.text(), dialog.dob.text()) == ("Newname", "03/02/1990")  # kept
    assert s.persons.open(person.id).family_name == "Testperson"  # type: ignore[attr-defined]
    key(qtbot, Qt.Key.Key_Backspace)
    type_keys(qtbot, "9")                                              # 943 476 5919: valid
    key(qtbot, Qt.Key.Key_Return)
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
    page, dialog, keep, dupe = merge_dialog(qtbot, s, "MM/1")
    type_keys(qtbot, "Mergeme")
    key(qtbot, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is dialog.picker.results
    results_back(qtbot, dialog.picker)
    key(qtbot, Qt.Key.Key_Return)
    assert dialog.isVisible()                                      # chose, did not merge
    assert dialog.error.isHidden()                                 # ... nor even try to
    assert dialog.picker.chosen.id == dupe.id  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)   # compared in the background
    assert "1 case(s) will move" in dialog.preview.text()
    assert "Given name: Quinn / Quin" in dialog.preview.text()
    key(qtbot, Qt.Key.Key_Tab, 2)                                 # Keep, Reason
    assert QApplication.focusWidget() is dialog.reason
    type_keys(qtbot, "Same custody photo (fictional)")
    key(qtbot, Qt.Key.Key_Tab)                                    # the Merge button
    assert QApplication.focusWidget() is dialog.save_button
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert s.persons.open(dupe.id).id == keep.id  # type: ignore[attr-defined]
    assert "Quin Mergeme" in s.persons.open(keep.id).aliases  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.merged.count() == 1, timeout=5_000)   # undo is offered
    page.merged.setCurrentRow(0)
    focus(qtbot, page.undo_button)
    key(qtbot, Qt.Key.Key_Space)
    undo = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is undo.reason)
    key(qtbot, Qt.Key.Key_Return)                                 # a new line, not "undo"
    assert undo.isVisible()
    type_keys(qtbot, "Two people after all")
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not undo.isVisible())
    assert s.persons.open(dupe.id).id == dupe.id  # type: ignore[attr-defined]
    assert not {p for p in gui_thread_store.places() if p.startswith("ui/records/")}, \
        gui_thread_store.unexpected({})


def test_move_case_and_correct_case_details_by_keyboard(
        qtbot, one_site_senior: UserSession,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    s = one_site_senior
    wrong, right = register(s, "Wrong", "Filedunder"), register(s, "Right", "Movehere")
    case = s.cases.new_referral(ReferralDraft(wrong.id, s.sites[0].id, "custody-sergeant",  # type: ignore[attr-defined]
                                              "arrested", custody_record_number="MV/1"))
    page = CasePage(s, case.id)
    qtbot.addWidget(page)
    page.show()
    case_settled(qtbot, page)
    focus(qtbot, page.action_buttons["correct"])
    key(qtbot, Qt.Key.Key_Space)
    details = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is details.urgency)
    key(qtbot, Qt.Key.Key_Down, 2)                                # routine -> soon -> urgent
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_A, modifier=Qt.KeyboardModifier.ControlModifier)
    key(qtbot, Qt.Key.Key_Delete)                                 # empty custody number
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "custody record number" in details.error.text(), timeout=5_000)
    type_keys(qtbot, "MV/1B")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not details.isVisible())
    view = s.cases.open(case.id)
    assert (view.urgency, view.custody_record_number) == ("urgent", "MV/1B")
    case_settled(qtbot, page)                          # reloaded after the correction
    assert any("Urgency: Routine → Urgent" in e.summary for e in page.case.timeline)
    focus(qtbot, page.action_buttons["move"])
    key(qtbot, Qt.Key.Key_Space)
    move = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is move.picker.search)
    type_keys(qtbot, "Movehere")
    key(qtbot, Qt.Key.Key_Down)
    results_back(qtbot, move.picker)
    key(qtbot, Qt.Key.Key_Return)
    assert move.isVisible()
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Tab)                                    # past the reason: the button
    key(qtbot, Qt.Key.Key_Space)
    assert move.isVisible()
    qtbot.waitUntil(lambda: "reason" in move.error.text(), timeout=5_000)   # refused
    assert move.isVisible()                                        # ... with the choice kept
    assert move.picker.chosen.id == right.id  # type: ignore[attr-defined]
    focus(qtbot, move.reason)
    type_keys(qtbot, "Filed under the wrong person at intake")
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not move.isVisible())
    assert s.cases.open(case.id).person.id == right.id  # type: ignore[attr-defined]
    case_settled(qtbot, page)       # reloaded before the fixture locks the session
    assert page.case.person.id == right.id  # type: ignore[attr-defined]
    assert not {p for p in gui_thread_store.places() if p.startswith("ui/records/")}, \
        gui_thread_store.unexpected({})
