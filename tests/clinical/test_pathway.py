"""Notes, risk, escalation, onward referral, support actions, outcome and closure."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from ld_desktop.services.clinical.access import CaseClosed
from ld_desktop.services.clinical.outcome import OpenItems, OutcomeDraft
from ld_desktop.services.clinical.risk import RiskDraft
from ld_desktop.services.errors import PermissionDenied

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic


def test_notes_are_append_only_with_linked_amendments(clinic: Clinic) -> None:
    notes = clinic.session.notes
    first = notes.add(clinic.adult_case.id, "Seen in cell 3; calm.")
    fix = notes.amend(first.id, "Seen in cell 4; calm.")
    listed = notes.for_case(clinic.adult_case.id)
    assert [n.body for n in listed] == ["Seen in cell 3; calm.", "Seen in cell 4; calm."]
    assert listed[0].amended_by_ids == (fix.id,)
    assert listed[1].amends_id == first.id
    with pytest.raises(ValueError, match="empty"):
        notes.add(clinic.adult_case.id, "   ")


def test_high_risk_needs_review_date_and_shows_on_case(clinic: Clinic) -> None:
    risk = clinic.session.risk
    draft = RiskDraft("high", "low", "medium", "low", "high", "Expressed intent after charge")
    with pytest.raises(ValueError, match="review date"):
        risk.record(clinic.adult_case.id, draft)
    tomorrow = clinic.session.now().date() + timedelta(days=1)
    risk.record(clinic.adult_case.id, RiskDraft(**{**draft.__dict__, "review_date": tomorrow}))
    assert clinic.session.cases.open(clinic.adult_case.id).risk_level == "high"
    rows = clinic.session.cases.caseload()
    assert next(r for r in rows if r.id == clinic.adult_case.id).risk_level == "high"


def test_escalation_lifecycle_and_status_rules(clinic: Clinic) -> None:
    esc = clinic.session.escalations
    made = esc.request(clinic.adult_case.id, "amhp", "urgent", "Possible MHA assessment")
    with pytest.raises(ValueError, match="outcome"):
        esc.set_status(made.id, "completed")
    done = esc.set_status(made.id, "completed", "Assessed; not detained")
    assert done.status == "completed"
    with pytest.raises(ValueError, match="cannot become"):
        esc.set_status(made.id, "accepted")


def test_only_seniors_review_pending_escalations(clinic: Clinic) -> None:
    with pytest.raises(PermissionDenied):
        clinic.session.escalations.pending_at_my_sites()


def test_referral_moves_stage_and_status_changes(clinic: Clinic) -> None:
    referrals = clinic.session.referrals
    made = referrals.make(clinic.adult_case.id, "cmht")
    assert made.service_name == "Community mental health team"
    assert clinic.session.cases.open(clinic.adult_case.id).stage == "referred-on"
    assert referrals.set_status(made.id, "accepted").status == "accepted"
    with pytest.raises(ValueError, match="not in the service directory"):
        referrals.make(clinic.adult_case.id, "no-such-service")
    with pytest.raises(ValueError, match="Name the service"):
        referrals.make(clinic.adult_case.id, "other")


def test_support_action_overdue(clinic: Clinic) -> None:
    referrals = clinic.session.referrals
    past = clinic.session.now() - timedelta(hours=1)
    action = referrals.add_action(clinic.adult_case.id, "Accompany to CMHT", due_at=past)
    assert action.overdue(clinic.session.now())
    assert not referrals.complete_action(action.id).overdue(clinic.session.now())


def test_closing_with_open_items_needs_a_reason(clinic: Clinic) -> None:
    case_id = clinic.adult_case.id
    clinic.session.escalations.request(case_id, "psychiatrist", "soon", "Review medication")
    outcomes = clinic.session.outcomes
    with pytest.raises(OpenItems) as open_items:
        outcomes.close(case_id, OutcomeDraft("charge"))
    assert "escalation to psychiatrist" in open_items.value.items[0]
    outcomes.close(case_id, OutcomeDraft("charge"), reason_if_open="Remanded; prison in-reach")
    view = clinic.session.cases.open(case_id)
    assert view.stage == "closed"
    assert view.closed_at is not None
    with pytest.raises(CaseClosed):
        clinic.session.notes.add(case_id, "After closure")


def test_overdue_follow_up_highlighted_on_caseload(clinic: Clinic) -> None:
    referrals = clinic.session.referrals
    case_id = clinic.adult_case.id
    referrals.add_action(case_id, "Phone GP", due_at=clinic.session.now() + timedelta(hours=2))
    row = next(r for r in clinic.session.cases.caseload() if r.id == case_id)
    assert not any("follow-up" in b for b in row.breaches)
    late = referrals.add_action(case_id, "Accompany to CMHT",
                                due_at=clinic.session.now() - timedelta(minutes=5))
    row = next(r for r in clinic.session.cases.caseload() if r.id == case_id)
    assert "1 follow-up(s) overdue" in row.breaches
    referrals.complete_action(late.id)
    row = next(r for r in clinic.session.cases.caseload() if r.id == case_id)
    assert not any("follow-up" in b for b in row.breaches)
