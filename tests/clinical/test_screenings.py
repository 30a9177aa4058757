"""Screenings: drafts survive a lock, completion updates the case, sign-off makes them
immutable, corrections are linked amendments, youth checks come first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ld_desktop.services.clinical.consent import ConsentDraft
from ld_desktop.services.clinical.screenings import SignedOff, YouthChecksMissing
from ld_desktop.services.persons import PersonDraft

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic

PRACT = ("prac1", "practitioner passphrase here")
CORE_RESULT = {"title": "L&D core screen", "summary": "Mental health and housing needs",
               "domains": ["mental-health", "housing"]}


def test_half_done_screening_survives_a_lock_and_resumes(clinic: Clinic) -> None:
    case_id = clinic.adult_case.id
    draft = clinic.session.screenings.start(case_id, "phq9", "1.0")
    assert draft.observation_only  # no consent recorded yet: marked as observation
    clinic.session.screenings.save_progress(draft.id, {"phq9.1": 2, "phq9.2": 1},
                                            {"position": "phq9.3"})
    clinic.session.lock()
    again = clinic.workstation.unlock(*PRACT)
    [resumed] = again.screenings.drafts(case_id)
    assert resumed.answers == {"phq9.1": 2, "phq9.2": 1}
    assert resumed.flow == {"position": "phq9.3"}
    clinic.session = again


def test_completing_the_core_screen_marks_the_case_and_adds_flags(clinic: Clinic) -> None:
    case_id = clinic.adult_case.id
    clinic.session.consent.record(case_id, ConsentDraft("assessment", "given",
                                                         capacity="has-capacity"))
    draft = clinic.session.screenings.start(case_id, "ld-core", "1.0")
    assert not draft.observation_only
    clinic.session.screenings.complete(draft.id, {"ld-core.1": "yes"}, CORE_RESULT)
    case = clinic.session.cases.open(case_id)
    assert case.stage == "screened"
    assert case.screened_at is not None
    assert set(case.flags) == {"mental-health", "housing"}


def test_signed_off_screening_is_never_edited_only_amended(clinic: Clinic) -> None:
    screenings = clinic.session.screenings
    draft = screenings.start(clinic.adult_case.id, "gad7", "1.0")
    done = screenings.complete(draft.id, {"gad7.1": 3}, {"title": "GAD-7", "summary": "3"})
    signed = screenings.sign_off(done.id)
    assert signed.signed_off_by == "prac1"
    with pytest.raises(SignedOff):
        screenings.save_progress(done.id, {"gad7.1": 0})
    fix = screenings.amend(done.id, {"gad7.1": 2}, {"title": "GAD-7", "summary": "2"},
                           "Item 1 was misheard")
    assert fix.amends_id == done.id
    by_id = {s.id: s for s in screenings.for_case(clinic.adult_case.id)}
    assert by_id[done.id].answers == {"gad7.1": 3}      # the original is untouched
    assert by_id[fix.id].result["amendment_reason"] == "Item 1 was misheard"


def test_youth_needs_parent_and_appropriate_adult_before_screening(clinic: Clinic) -> None:
    case_id = clinic.youth_case.id
    with pytest.raises(YouthChecksMissing) as missing:
        clinic.session.screenings.start(case_id, "ld-core", "1.0")
    assert len(missing.value.missing) == 2
    person = clinic.youth_case.person
    clinic.session.persons.update(person.id, PersonDraft(
        person.given_name, person.family_name, person.date_of_birth,
        parent_carer="Parent (fictional), 01632 960001"))
    clinic.session.consent.record(case_id, ConsentDraft(
        "assessment", "given", gillick_competent=True, appropriate_adult="Parent (fictional)"))
    assert clinic.session.screenings.start(case_id, "ld-core", "1.0").state == "draft"


def test_a_sign_off_carries_the_signers_own_signature(clinic: Clinic) -> None:
    """Issue 12: "who signed" is provable: the sign-off is signed with the signer's personal
    key, and a sign-off whose values were changed afterwards no longer verifies."""
    from ld_desktop.store.models import OutboxOp, Screening

    screenings = clinic.session.screenings
    draft = screenings.start(clinic.adult_case.id, "gad7", "1.0")
    done = screenings.complete(draft.id, {"gad7.1": 3}, {"title": "GAD-7", "summary": "3"})
    assert screenings.sign_off(done.id).signature_verified is True
    with clinic.session.store.reading() as db:
        [op] = [o for o in db.query(OutboxOp).filter(OutboxOp.entity_id == done.id)
                if o.fields.get("state") == "signed-off"]
        assert op.fields["attestation"]["signer"] == "prac1"
        assert op.fields["attestation"]["fields"]["answers"] == op.fields["answers"]
    with clinic.session.store.unit_of_work("prac1") as uow:   # tampered with afterwards
        row = uow.session.get(Screening, done.id)
        assert row is not None
        row.answers = {"gad7.1": 0}
    [view] = [s for s in screenings.for_case(clinic.adult_case.id) if s.id == done.id]
    assert view.signature_verified is False


def test_an_urgent_do_not_leave_alone_flag_raises_the_case_urgency(clinic: Clinic) -> None:
    """Suicidal thoughts with a plan: the engine's urgent flag ('do not leave the person
    alone') makes the case Urgent; a later routine screening does not lower it."""
    from ld_desktop.domain.instruments.scoring import evaluate

    session = clinic.session
    case_id = clinic.adult_case.id
    assert session.cases.open(case_id).urgency == "routine"
    session.consent.record(case_id, ConsentDraft("assessment", "given", capacity="has-capacity"))
    core = session.screenings.library().get("ld-core")
    answers = {"ld-core.4": True, "ld-core.5": True}
    result = evaluate(core, answers).to_json()
    assert any("do not leave the person alone" in f["text"] for f in result["flags"])
    draft = session.screenings.start(case_id, "ld-core", core.version)
    session.screenings.complete(draft.id, answers, result)
    assert session.cases.open(case_id).urgency == "urgent"
    calm = session.screenings.start(case_id, "gad7", "1.0")
    session.screenings.complete(calm.id, {"gad7.1": 0}, {"title": "GAD-7", "summary": "0",
                                                         "escalation": "routine"})
    assert session.cases.open(case_id).urgency == "urgent"
