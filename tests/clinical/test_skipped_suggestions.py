"""A skipped suggestion is a record, not note text: a clinician's own note in the old
wording hides nothing, a skip survives a lock, it is audited and queued to sync, and the
notes earlier versions wrote for a skip are still recognised, but only where this
workstation's audit chain shows the app wrote them."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from ld_desktop.services.clinical.access import CaseClosed
from ld_desktop.services.clinical.screening_controller import ScreeningController
from ld_desktop.services.clinical.screenings import CORE_SCREEN
from ld_desktop.services.session import UserSession
from ld_desktop.store.models import AuditEvent, Case, OutboxOp, SkippedSuggestion

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic

PRACT = ("prac1", "practitioner passphrase here")


def _core_suggesting(session: UserSession, case_id: uuid.UUID, *suggested: str) -> None:
    draft = session.screenings.start(case_id, CORE_SCREEN, "1.0")
    session.screenings.complete(draft.id, {}, {"summary": "Low mood",
                                               "suggested_instruments": list(suggested)})


def _suggested(session: UserSession, case_id: uuid.UUID) -> list[str]:
    age = session.cases.open(case_id).age_at_referral
    return [d.id for d in ScreeningController.load(session, case_id, age).next_instruments()]


def _legacy_skip(session: UserSession, case_id: uuid.UUID, instrument: str, title: str,
                 reason: str) -> None:
    """What versions before issue 18 did (ScreeningService.skip_suggested on main)."""
    session.notes.add(case_id, f"Suggested {title} not completed: {reason}")
    with session.store.unit_of_work(session.user.username) as uow:
        uow.audit("screening-skipped", entity="case", entity_id=case_id, case_id=case_id,
                  detail={"instrument": instrument})


def test_a_clinicians_own_note_in_the_old_words_hides_no_suggestion(clinic: Clinic) -> None:
    s, case_id = clinic.session, clinic.adult_case.id
    _core_suggesting(s, case_id, "phq9", "gad7")
    s.notes.add(case_id, "Suggested PHQ-9 not completed")
    s.notes.add(case_id, "Suggested PHQ-9 not completed: will offer after interview")
    s.notes.add(case_id, "Suggested GAD-7 not completed: ask the custody nurse")
    assert _suggested(s, case_id) == ["phq9", "gad7"]
    assert s.screenings.skipped(case_id) == []


def test_a_skip_is_a_record_audited_queued_and_kept_through_a_lock(clinic: Clinic) -> None:
    s, case_id = clinic.session, clinic.adult_case.id
    _core_suggesting(s, case_id, "phq9", "gad7")
    notes_before = s.notes.for_case(case_id)
    view = s.screenings.skip_suggested(case_id, "phq9", "  Declined, too tired  ")
    assert (view.instrument_id, view.reason, view.skipped_by) == ("phq9", "Declined, too tired",
                                                                  "prac1")
    assert s.notes.for_case(case_id) == notes_before            # no note written
    assert _suggested(s, case_id) == ["gad7"]
    with s.store.reading() as db:
        event = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "screening-skipped")).one()
        op = db.scalars(select(OutboxOp).where(OutboxOp.entity_id == view.id)).one()
    assert (event.entity, event.entity_id, event.case_id, event.detail) == (
        "skipped_suggestion", view.id, case_id, {"instrument": "phq9"})
    assert (op.entity, op.kind, op.fields["instrument_id"]) == ("skipped_suggestion", "insert",
                                                                "phq9")
    timeline = [e.summary for e in s.cases.open(case_id).timeline]
    assert "Suggested PHQ-9 not completed: Declined, too tired" in timeline

    s.lock()
    again = clinic.workstation.unlock(*PRACT)
    clinic.session = again
    assert [k.instrument_id for k in again.screenings.skipped(case_id)] == ["phq9"]
    assert _suggested(again, case_id) == ["gad7"]


def test_a_skip_needs_a_reason_a_known_instrument_and_an_open_case(clinic: Clinic) -> None:
    s, case_id = clinic.session, clinic.adult_case.id
    with pytest.raises(ValueError, match="Say why"):
        s.screenings.skip_suggested(case_id, "phq9", "   ")
    with pytest.raises(KeyError, match="No instrument called nonsense"):
        s.screenings.skip_suggested(case_id, "nonsense", "because")
    with pytest.raises(ValueError, match="at most 2000"):
        s.screenings.skip_suggested(case_id, "phq9", "x" * 2001)
    assert s.screenings.skipped(case_id) == []


def test_a_closed_case_takes_no_skip(clinic: Clinic) -> None:
    s, case_id = clinic.session, clinic.adult_case.id
    with s.store.unit_of_work("prac1") as uow:          # closed elsewhere, synced in
        uow.changes.update(uow.session.get(Case, case_id), {"stage": "closed"})
    with pytest.raises(CaseClosed):
        s.screenings.skip_suggested(case_id, "phq9", "declined")


def test_legacy_skip_notes_written_by_the_app_still_count(clinic: Clinic) -> None:
    s, case_id = clinic.session, clinic.adult_case.id
    _core_suggesting(s, case_id, "phq9", "gad7", "k10")
    _legacy_skip(s, case_id, "gad7", "GAD-7", "Declined")
    [legacy] = s.screenings.skipped(case_id)
    assert (legacy.instrument_id, legacy.reason, legacy.legacy_note) == ("gad7", "Declined",
                                                                         True)
    assert _suggested(s, case_id) == ["phq9", "k10"]
    # the note stays a note (part of the record), shown as before
    assert [n.body for n in s.notes.for_case(case_id)] == [
        "Suggested GAD-7 not completed: Declined"]


def test_legacy_recognition_needs_the_apps_own_audit_pair(clinic: Clinic) -> None:
    s, case_id = clinic.session, clinic.adult_case.id
    _core_suggesting(s, case_id, "phq9", "gad7", "k10")
    # a clinician's note in the old words, then a skip (new style) of another instrument
    s.notes.add(case_id, "Suggested PHQ-9 not completed: will offer after interview")
    s.screenings.skip_suggested(case_id, "k10", "Declined")
    # an audit pair whose note does not start with that instrument's words
    _legacy_skip(s, case_id, "gad7", "PHQ-9", "mislabelled")
    assert _suggested(s, case_id) == ["phq9", "gad7"]
    assert [(k.instrument_id, k.legacy_note) for k in s.screenings.skipped(case_id)] == [
        ("k10", False)]


def test_a_skip_marked_entered_in_error_hides_nothing(clinic: Clinic) -> None:
    s, case_id = clinic.session, clinic.adult_case.id
    _core_suggesting(s, case_id, "phq9")
    view = s.screenings.skip_suggested(case_id, "phq9", "Declined")
    assert _suggested(s, case_id) == []
    with s.store.unit_of_work("prac1") as uow:       # as a pulled tombstone would leave it
        row = uow.session.get(SkippedSuggestion, view.id)
        assert row is not None
        uow.changes.mark_entered_in_error(row, "skipped the wrong instrument")
    assert _suggested(s, case_id) == ["phq9"]
    assert "Suggested PHQ-9 not completed: Declined" not in [
        e.summary for e in s.cases.open(case_id).timeline]
