"""Demo scenes for correcting and merging records (screenshots and walk-throughs): a
fictional returning person with earlier contacts and alerts, corrected once, and a duplicate
registration of them waiting to be merged. Demo stores only; ordinary services throughout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.outcome import OutcomeDraft
from ld_desktop.services.clinical.risk import RiskDraft
from ld_desktop.services.demo_scenarios import consent_to_assessment, core_screen_signed_off
from ld_desktop.services.person_edits import PersonEditService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession


@dataclass(frozen=True)
class ReturningScene:
    person_id: uuid.UUID
    duplicate_id: uuid.UUID
    current_case_id: uuid.UUID


def returning_person_scene(session: UserSession) -> ReturningScene:
    site = session.sites[0].id
    now = session.now()
    person = session.persons.register(PersonDraft(
        "Testperson", "Quinn", date(1991, 3, 14), gender="male", sex="1",
        communication_needs="Dyslexia: read letters aloud", gp_practice="Fictional Health Centre",
        address="Flat 2, 1 Example Road, Testtown"), site)
    earlier = session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested", now - timedelta(days=420), "TT/0412/25",
        ("Criminal damage",)))
    session.cases.update(earlier.id, {"flags": ["alcohol", "housing"]})
    session.outcomes.close(earlier.id, OutcomeDraft("caution", "diverted"), "demo history")
    recent = session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested", now - timedelta(days=60),
        "TT/0933/26", ("Theft from a shop",)))
    consent_to_assessment(session, recent.id)
    core_screen_signed_off(session, recent.id)
    session.risk.record(recent.id, RiskDraft(
        RiskLevel.MEDIUM, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.LOW, RiskLevel.MEDIUM,
        "Low mood since losing housing; no thoughts of self-harm today (fictional).",
        now.date() + timedelta(days=14)))
    session.outcomes.close(recent.id, OutcomeDraft("released-under-investigation"),
                           "demo history")
    current = session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested", now - timedelta(hours=2),
        "TT/1207/26", ("Public order",)))
    shown = session.persons.open(person.id)
    fixed = PersonEditService(session)
    fixed.edit(shown, PersonDraft(
        shown.given_name, shown.family_name, shown.date_of_birth, shown.gender,
        "9434765919", "A", ("Quinny",), shown.address, False, shown.communication_needs,
        None, None, shown.gp_practice, shown.sex), "NHS number from the GP letter")
    duplicate = session.persons.register(PersonDraft(
        "Testperson", "Quin", date(1991, 3, 14), address="1 Example Road, Testtown"), site)
    session.cases.new_referral(ReferralDraft(
        duplicate.id, site, "custody-sergeant", "arrested", now - timedelta(days=9),
        "TT/1102/26", ("Failing to appear",)))
    return ReturningScene(person.id, duplicate.id, current.id)
