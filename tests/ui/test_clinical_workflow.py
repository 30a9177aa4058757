"""The clinical workflow in the case view, driven through the GUI (offscreen): consent,
the keyboard-driven screening wizard, flags, escalation, referral, the information-sharing
PDF, outcome and closure; the youth pathway; refusals; save and resume across a lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.consent_dialog import ConsentDialog
from ld_desktop.ui.clinical.share_dialog import ShareDialog
from ld_desktop.ui.main_window import MainWindow
from tests.helpers import case_page
from tests.helpers.clinical import answer_all, give_consent, new_case
from tests.helpers.drafts import drafts_back

#: number key per core-screen item (1 = Yes / first option, 2 = No / second option)
CORE_KEYS = {"ld-core.3": 1, "ld-core.4": 1, "ld-core.13": 1, "ld-core.19": 1}


def test_full_adult_case_from_referral_to_closure(qtbot, open_case, window: MainWindow,  # type: ignore[no-untyped-def]
                                                  tmp_path: Path) -> None:
    session = window.session
    assert session is not None
    case_id = new_case(session, age=34, family="ZZADULTPATH")
    page = open_case(window, case_id)
    page.choose_path = lambda _parent, suggested: tmp_path / suggested

    # Sharing is refused while there is no consent to share with the police.
    page.share()
    share = page.dialog
    assert isinstance(share, ShareDialog)
    share.recipient.setCurrentIndex(share.recipient.findData("police"))
    qtbot.waitUntil(lambda: "no consent in force" in share.error.text())   # built in the background
    assert not share.save_button.isEnabled()
    share.reject()

    give_consent(qtbot, page)
    assert "The L&D assessment: Given" in page.tabs.widget(2).findChild(
        type(page.screening_list)).item(0).text()

    # Core screen, keyboard only: low mood and thoughts of self-harm.
    qtbot.mouseClick(page.action_buttons["screening"], Qt.MouseButton.LeftButton)
    wizard = case_page.wizard_of(qtbot, page)
    assert wizard.definition.id == "ld-core"
    answer_all(qtbot, wizard, CORE_KEYS, default=2)
    panel = page.result
    assert panel is not None
    assert any("harming yourself" in f.text() or "suicid" in f.text().lower()
               for f in panel.flag_labels)
    assert "start:phq9" in panel.step_buttons
    qtbot.mouseClick(panel.sign_off_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.records.screenings[0].state == "signed-off")

    # PHQ-9, suggested by the core screen; item 9 answered "several days".
    qtbot.mouseClick(page.result.step_buttons["start:phq9"], Qt.MouseButton.LeftButton)
    wizard = case_page.wizard_of(qtbot, page)
    assert wizard.definition.id == "phq9"
    answer_all(qtbot, wizard, {}, default=2)
    panel = page.result
    assert panel is not None
    item9 = [f.text() for f in panel.flag_labels if "item 9" in f.text()]
    assert item9
    assert item9[0].startswith("URGENT")

    # Escalate from the result's suggested next step (urgency carried over).
    qtbot.mouseClick(panel.step_buttons["escalate"], Qt.MouseButton.LeftButton)
    escalation = page.dialog
    assert escalation is not None
    assert escalation.urgency.currentData() == "urgent"
    escalation.clinician.setCurrentIndex(escalation.clinician.findData("mental-health-nurse"))
    drafts_back(qtbot)
    qtbot.mouseClick(escalation.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not escalation.isVisible())
    case_page.case_settled(qtbot, page)
    assert [(e.clinician_type, e.urgency, e.status) for e in page.records.escalations] == [
        ("mental-health-nurse", "urgent", "requested")]
    assert "item 9" in page.records.escalations[0].reason
    qtbot.mouseClick(panel.sign_off_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result is not panel)        # signed off in the background
    page.back_to_case()
    case_page.case_settled(qtbot, page)
    assert "Suicide or self-harm" in page.flags_label.text()

    # Onward referral.
    page.refer("cmht")
    referral = page.dialog
    assert referral is not None
    drafts_back(qtbot)
    qtbot.mouseClick(referral.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not referral.isVisible())
    case_page.case_settled(qtbot, page)
    assert [r.service_code for r in page.records.referrals] == ["cmht"]

    # Share with the custody sergeant once consent is recorded: PDF checked for content.
    give_consent(qtbot, page, "police")
    page.share()
    share = page.dialog
    assert isinstance(share, ShareDialog)
    share.recipient.setCurrentIndex(share.recipient.findData("police"))
    qtbot.waitUntil(share.save_button.isEnabled)          # the preview for police is back
    assert share.preview_is_current()
    drafts_back(qtbot)
    qtbot.mouseClick(share.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not share.isVisible())      # recorded in the background
    case_page.case_settled(qtbot, page)
    assert share.saved_path is not None
    assert share.saved_path.exists()
    text = " ".join(p.extract_text() for p in PdfReader(share.saved_path).pages)
    text = " ".join(text.split())
    assert "Information for Custody sergeant / police" in text
    assert "Suicide or self-harm" in text
    assert "Thoughts of self-harm (PHQ-9 item 9)" in text
    assert "ZZADULTPATH" in text.upper()
    assert any("Information shared with" in e.summary for e in page.case.timeline)

    # Outcome: closing with the escalation and referral open needs a reason.
    page.outcome()
    drafts_back(qtbot)
    outcome = page.dialog
    assert outcome is not None
    outcome.disposal.setCurrentIndex(outcome.disposal.findData("charge"))
    drafts_back(qtbot)
    qtbot.mouseClick(outcome.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Give a reason" in outcome.error.text())   # refused, still open
    assert outcome.isVisible()
    outcome.reason.setPlainText("Remanded; prison in-reach team have the referral")
    drafts_back(qtbot)
    qtbot.mouseClick(outcome.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not outcome.isVisible())
    case_page.case_settled(qtbot, page)
    assert page.case.stage == "closed"
    assert not page.action_buttons["note"].isEnabled()


def test_signed_off_screening_is_only_amended(  # type: ignore[no-untyped-def]
        qtbot, wizard_of, open_case, window: MainWindow) -> None:
    session = window.session
    assert session is not None
    page = open_case(window, new_case(session, age=40, family="ZZAMEND"))
    give_consent(qtbot, page)
    page.screening()
    wizard_of(page)
    answer_all(qtbot, page.wizard, {}, default=2)
    assert page.result is not None
    signing = page.result
    qtbot.mouseClick(signing.sign_off_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result is not signing)      # signed off in the background
    original = page.records.screenings[0]
    with pytest.raises(ValueError, match="signed-off screening cannot be changed"):
        session.screenings.save_progress(original.id, {"ld-core.3": True})
    qtbot.mouseClick(page.result.amend_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    assert wizard is not None
    assert wizard.amend_of is not None
    assert wizard.flow.answers["ld-core.3"] is False        # pre-filled from the original
    answer_all(qtbot, wizard, {"ld-core.3": 1}, default=2)
    dialog = wizard.amend_dialog
    dialog.reason.setPlainText("Person later said they had been feeling low")
    drafts_back(qtbot)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.wizard is None)            # saved in the background
    kept, amendment = session.screenings.for_case(original.case_id)
    assert kept.id == original.id
    assert kept.state == "signed-off"
    assert kept.answers["ld-core.3"] is False
    assert amendment.amends_id == original.id
    assert amendment.answers["ld-core.3"] is True


def test_half_done_screening_survives_lock_and_restart(  # type: ignore[no-untyped-def]
        qtbot, wizard_of, open_case, window: MainWindow, demo_dir: Path, accounts) -> None:
    session = window.session
    assert session is not None
    case_id = new_case(session, age=29, family="ZZRESUME")
    page = open_case(window, case_id)
    give_consent(qtbot, page)
    page.screening()
    wizard = wizard_of(page)
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_1):
        qtbot.keyClick(wizard, key)
        qtbot.keyClick(wizard, Qt.Key.Key_Return)
    qtbot.keyClick(wizard, Qt.Key.Key_2)          # answered, not yet moved on
    window.lock("idle")
    assert window.session is None
    assert window.shell is None

    # A new window on the same store (an app restart), another unlock.
    restarted = MainWindow(Workstation(demo_dir))
    qtbot.addWidget(restarted)
    restarted.start_session(Workstation(demo_dir).unlock("demo.senior",
                                                         accounts["demo.senior"]))
    page = open_case(restarted, case_id)
    page.screening()
    wizard = wizard_of(page)
    assert wizard.flow.answers == {"ld-core.1": True, "ld-core.2": False, "ld-core.3": True,
                                   "ld-core.4": False}
    assert wizard.flow.current.id == "ld-core.4"
    # Discarding needs a reason and leaves nothing in progress.
    qtbot.mouseClick(wizard.discard_button, Qt.MouseButton.LeftButton)
    wizard.discard_dialog.reason.setPlainText("Started on the wrong person")
    drafts_back(qtbot)
    qtbot.mouseClick(wizard.discard_dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.wizard is None)            # discarded in the background
    assert restarted.session is not None
    assert restarted.session.screenings.drafts(case_id) == []
    restarted.lock("test finished")


def test_screening_without_assessment_consent_is_observation_only(  # type: ignore[no-untyped-def]
        qtbot, wizard_of, open_case, window: MainWindow) -> None:
    session = window.session
    assert session is not None
    page = open_case(window, new_case(session, age=52, family="ZZOBSERVE"))
    page.screening()
    wizard = wizard_of(page)
    assert not wizard.observation_banner.isHidden()
    assert "do not put these questions" in wizard.observation_banner.text()


def test_youth_case_needs_checks_first_and_gets_youth_instruments_only(  # type: ignore[no-untyped-def]
        qtbot, wizard_of, open_case, window: MainWindow) -> None:
    session = window.session
    assert session is not None
    case_id = new_case(session, age=15, family="ZZYOUTH")
    page = open_case(window, case_id)
    assert page.youth_panel is not None
    assert set(page.youth_panel.buttons) == {"parent-carer", "appropriate-adult", "yot",
                                             "safeguarding"}
    page.screening()                                   # refused by the service
    qtbot.waitUntil(lambda: "parent or carer" in page.problem.text())
    assert page.wizard is None

    # Consent for a 15-year-old: Gillick competence and an appropriate adult are required.
    page.record_consent("assessment")
    drafts_back(qtbot)
    dialog = page.dialog
    assert isinstance(dialog, ConsentDialog)
    assert dialog._asks_gillick
    dialog.decision.setCurrentIndex(dialog.decision.findData("given"))
    drafts_back(qtbot)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Gillick" in dialog.error.text())
    assert "appropriate adult" in dialog.error.text()
    dialog.reject()
    give_consent(qtbot, page, adult="Fictional Parent (mother)")

    qtbot.mouseClick(page.youth_panel.buttons["parent-carer"], Qt.MouseButton.LeftButton)
    page.dialog.reason.setPlainText("Fictional Parent, mother, 01632 960000")
    drafts_back(qtbot)
    qtbot.mouseClick(page.dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.youth_panel.checks["parent-carer"])

    # Children's safeguarding referral is offered for young people (and not to adults).
    qtbot.mouseClick(page.youth_panel.buttons["safeguarding"], Qt.MouseButton.LeftButton)
    assert page.dialog.service.currentData() == "child-safeguarding"
    drafts_back(qtbot)
    qtbot.mouseClick(page.dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.youth_panel.checks["safeguarding"])

    page.screening()
    wizard_of(page)
    assert page.wizard.definition.id == "ld-core"
    offered = session.screenings.library().offered_for(page.case.age_at_referral)
    assert [d.id for d in offered] == ["ld-core"]


def test_lock_closes_open_forms_and_hides_the_case(qtbot, open_case, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = window.session
    assert session is not None
    page = open_case(window, new_case(session, age=33, family="ZZLOCKFORM"))
    page.note()
    drafts_back(qtbot)
    dialog = page.dialog
    assert dialog is not None
    assert dialog.isVisible()
    window.lock("on demand")
    assert not dialog.isVisible()
    assert window.root.currentWidget() is window.unlock_page


def test_senior_sees_escalations_waiting_and_opens_the_case(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                            ) -> None:
    session = window.session
    assert session is not None
    case_id = new_case(session, age=45, family="ZZESCALATE")
    session.escalations.request(case_id, "amhp", "urgent", "Possible MHA assessment")
    screening_page = window.page("Screening")

    def lines() -> list[str]:
        return [screening_page.escalation_list.item(i).text()
                for i in range(screening_page.escalation_list.count())]

    # the page loads in the background: the escalation shows once the load is back
    qtbot.waitUntil(lambda: any("AMHP" in line and "Possible MHA assessment" in line
                                for line in lines()), timeout=5_000)
    row = next(i for i, e in enumerate(screening_page.escalations) if e.case_id == case_id)
    screening_page.escalation_list.setCurrentRow(row)
    screening_page._escalation_activated()
    drafts_back(qtbot)
    current = window.pages.currentWidget()
    assert isinstance(current, CasePage)
    assert current.case_id == case_id


def test_text_answers_save_after_a_pause_and_ctrl_enter_moves_on(  # type: ignore[no-untyped-def]
        qtbot, wizard_of, open_case, window: MainWindow) -> None:
    session = window.session
    assert session is not None
    page = open_case(window, new_case(session, age=36, family="ZZTEXTBOX"))
    give_consent(qtbot, page)
    page.screening()
    wizard = wizard_of(page)
    qtbot.waitExposed(window)
    window.activateWindow()
    for item in wizard.flow.definition.items[:-1]:     # all but the free-text last question
        if wizard.flow.current.id != item.id:
            continue
        qtbot.keyClick(wizard, Qt.Key.Key_2)
        qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.flow.current.kind.value == "text"
    editor = wizard.editor.line  # type: ignore[union-attr]
    editor.setFocus()
    qtbot.keyClicks(editor, "Calm; asked for water")
    qtbot.waitUntil(lambda: bool(session.screenings.drafts(page.case_id)[0].answers.get(
        wizard.flow.current.id)), timeout=3000)                  # saved after a short pause
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.result is not None)               # finished
    assert page.records.screenings[0].answers[wizard.flow.current.id] == \
        "Calm; asked for water"


def test_typed_note_survives_a_lock_for_its_author_only(qtbot, open_case, window: MainWindow,  # type: ignore[no-untyped-def]
                                                        demo_dir: Path, accounts) -> None:
    session = window.session
    assert session is not None
    case_id = new_case(session, age=41, family="ZZDRAFTNOTE")
    page = open_case(window, case_id)
    page.note()
    drafts_back(qtbot)
    dialog = page.dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.body, "Seen at 14:10; calm")
    window.lock("idle")                                  # closes the form, keeps the draft
    assert not dialog.isVisible()

    other = Workstation(demo_dir).unlock("demo.practitioner", accounts["demo.practitioner"])
    try:
        assert other.drafts.load(f"note:{case_id}") is None          # not someone else's
    finally:
        other.lock()
    window.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    page = open_case(window, case_id)
    page.note()
    drafts_back(qtbot)
    dialog = page.dialog
    assert dialog is not None
    assert dialog.body.toPlainText() == "Seen at 14:10; calm"
    assert "Restored what you typed earlier" in dialog.error.text()
    drafts_back(qtbot)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    case_page.case_settled(qtbot, page)
    assert [n.body for n in page.records.notes] == ["Seen at 14:10; calm"]
    assert window.session is not None
    assert window.session.drafts.load(f"note:{case_id}") is None       # saved: draft gone
    page.note()
    drafts_back(qtbot)
    assert page.dialog is not None
    assert page.dialog.body.toPlainText() == ""
    page.dialog.reject()
