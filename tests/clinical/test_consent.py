"""Consent gates sharing; youth rules (Gillick under 16, appropriate adult under 18)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ld_desktop.services.clinical.consent import ConsentDraft, ConsentProblem

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic


def test_no_consent_means_no_sharing_and_observation_only(clinic: Clinic) -> None:
    consent = clinic.session.consent
    case_id = clinic.adult_case.id
    assert consent.may_share(case_id, "police") is False
    assert consent.screening_mode(case_id) == "observation-only"


def test_consent_is_scoped_per_recipient(clinic: Clinic) -> None:
    consent = clinic.session.consent
    case_id = clinic.adult_case.id
    consent.record(case_id, ConsentDraft("assessment", "given", capacity="has-capacity"))
    consent.record(case_id, ConsentDraft("police", "given", capacity="has-capacity"))
    assert consent.screening_mode(case_id) == "consented"
    assert consent.may_share(case_id, "police") is True
    assert consent.may_share(case_id, "court") is False


def test_withdrawal_is_a_new_decision_that_stops_sharing(clinic: Clinic) -> None:
    consent = clinic.session.consent
    case_id = clinic.adult_case.id
    consent.record(case_id, ConsentDraft("court", "given", capacity="has-capacity"))
    with pytest.raises(ConsentProblem, match="reason"):
        consent.record(case_id, ConsentDraft("court", "withdrawn"))
    consent.record(case_id, ConsentDraft("court", "withdrawn", reason="Changed their mind"))
    assert consent.may_share(case_id, "court") is False
    history = consent.history(case_id)
    assert [d.decision.value for d in history] == ["given", "withdrawn"]


def test_lacking_capacity_cannot_give_consent(clinic: Clinic) -> None:
    with pytest.raises(ConsentProblem, match="lacks capacity"):
        clinic.session.consent.record(
            clinic.adult_case.id, ConsentDraft("assessment", "given", capacity="lacks-capacity")
        )


def test_youth_needs_gillick_and_appropriate_adult(clinic: Clinic) -> None:
    consent = clinic.session.consent
    case_id = clinic.youth_case.id
    with pytest.raises(ConsentProblem) as problem:
        consent.record(case_id, ConsentDraft("assessment", "given"))
    text = " ".join(problem.value.reasons)
    assert "Gillick" in text
    assert "appropriate adult" in text
    consent.record(
        case_id,
        ConsentDraft("assessment", "given", gillick_competent=True,
                     appropriate_adult="Parent (fictional)"),
    )
    assert consent.screening_mode(case_id) == "consented"


def test_consent_is_audited_and_queued_for_sync(clinic: Clinic) -> None:
    before = clinic.session.maintenance.stats()
    declined = ConsentDraft("gp", "declined", reason="Does not want their GP told")
    clinic.session.consent.record(clinic.adult_case.id, declined)
    after = clinic.session.maintenance.stats()
    assert after["pending_outbox_ops"] == before["pending_outbox_ops"] + 1
    assert after["audit_events"] == before["audit_events"] + 1
