"""Sharing is refused without consent for that recipient, and recorded when it happens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ld_desktop.services.clinical.consent import ConsentDraft
from ld_desktop.services.sharing import NoConsentToShare

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic


def test_sharing_refused_without_consent_and_nothing_recorded(clinic: Clinic) -> None:
    before = clinic.session.maintenance.stats()
    with pytest.raises(NoConsentToShare, match="no consent in force"):
        clinic.session.sharing.build(clinic.adult_case.id, "police", ["vulnerabilities"])
    assert clinic.session.maintenance.stats()["pending_outbox_ops"] == before[
        "pending_outbox_ops"]


def test_report_holds_only_chosen_sections_for_the_consented_recipient(clinic: Clinic) -> None:
    case_id = clinic.adult_case.id
    clinic.session.cases.update(case_id, {"flags": ["mental-health", "housing"]})
    clinic.session.consent.record(case_id, ConsentDraft("police", "given",
                                                         capacity="has-capacity"))
    report = clinic.session.sharing.build(
        case_id, "police", ["vulnerabilities", "recommendations"],
        ["Appropriate adult for interview", "Allow breaks; check understanding"],
    )
    assert report.sections["vulnerabilities"] == ["Mental health", "Housing or homelessness"]
    assert "screening" not in report.sections
    assert report.recipient_label == "Custody sergeant / police"
    with pytest.raises(NoConsentToShare):
        clinic.session.sharing.build(case_id, "court", ["vulnerabilities"])
    share_id = clinic.session.sharing.record_shared(report, saved_as="report.pdf")
    admin = clinic.workstation.unlock("admin1", "admin passphrase for tests")
    [export] = [e for e in admin.maintenance.audit_trail(case_id) if e.action == "export"]
    admin.lock()
    assert export.entity_id == share_id
    assert export.user == "prac1"
    assert export.detail["sections"] == ["recommendations", "vulnerabilities"]


def test_withdrawn_consent_stops_recording_a_prepared_report(clinic: Clinic) -> None:
    case_id = clinic.adult_case.id
    consent = clinic.session.consent
    consent.record(case_id, ConsentDraft("cps", "given", capacity="has-capacity"))
    report = clinic.session.sharing.build(case_id, "cps", ["vulnerabilities"])
    consent.record(case_id, ConsentDraft("cps", "withdrawn", reason="Changed their mind"))
    with pytest.raises(NoConsentToShare):
        clinic.session.sharing.record_shared(report)
