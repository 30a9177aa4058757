"""Scenes staged in a demo store for screenshots and walk-throughs: an adult case part-way
through the core screen, and one ready to share with the custody sergeant. Demo stores only;
everything goes through the ordinary services (audited, in the outbox)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from ld_desktop.domain.instruments.flow import ScreeningFlow
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.consent import ConsentDraft
from ld_desktop.services.clinical.risk import RiskDraft
from ld_desktop.services.clinical.screenings import CORE_SCREEN
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.store.replica import StoreReplica
from sync.protocol import ConflictState, ConflictValue, PullResponse

#: a core screen that raises low mood, thoughts of self-harm (no plan) and housing
CORE_ANSWERS: dict[str, Any] = {
    "ld-core.1": True, "ld-core.2": False, "ld-core.3": True, "ld-core.4": True,
    "ld-core.5": False, "ld-core.6": False, "ld-core.7": False, "ld-core.8": False,
    "ld-core.9": False, "ld-core.10": False, "ld-core.11": False, "ld-core.12": False,
    "ld-core.13": "never", "ld-core.14": False, "ld-core.15": False, "ld-core.16": False,
    "ld-core.17": False, "ld-core.18": False, "ld-core.19": "nfa", "ld-core.20": False,
    "ld-core.21": False, "ld-core.22": False, "ld-core.24": False, "ld-core.25": False,
}


def open_adult_case(session: UserSession, skip: int = 0) -> uuid.UUID:
    """An open adult case at the user's sites with nothing screened yet."""
    candidates = []
    for row in session.cases.caseload():
        view = session.cases.open(row.id, audit=False)
        if not view.is_youth and view.screened_at is None and view.closed_at is None:
            candidates.append(row.id)
            if len(candidates) > skip:
                return row.id
    raise LookupError("The demo store has no unscreened adult case.")


def consent_to_assessment(session: UserSession, case_id: uuid.UUID) -> None:
    session.consent.record(case_id, ConsentDraft("assessment", "given", "has-capacity"))


def core_screen_half_done(session: UserSession, case_id: uuid.UUID, answered: int = 6) -> None:
    library = session.screenings.library()
    definition = library.get(CORE_SCREEN)
    view = session.screenings.start(case_id, CORE_SCREEN, definition.version)
    answers = dict(list(CORE_ANSWERS.items())[:answered])
    flow = ScreeningFlow(definition, None, answers)
    session.screenings.save_progress(view.id, flow.answers, {"position": answered})


def core_screen_signed_off(session: UserSession, case_id: uuid.UUID) -> None:
    definition = session.screenings.library().get(CORE_SCREEN)
    view = session.screenings.start(case_id, CORE_SCREEN, definition.version)
    flow = ScreeningFlow(definition, None, dict(CORE_ANSWERS))
    session.screenings.complete(view.id, flow.answers, flow.finish().to_json())
    session.screenings.sign_off(view.id)


def screening_scene(session: UserSession) -> uuid.UUID:
    case_id = open_adult_case(session)
    consent_to_assessment(session, case_id)
    core_screen_half_done(session, case_id)
    return case_id


def share_scene(session: UserSession) -> uuid.UUID:
    case_id = open_adult_case(session, skip=1)
    consent_to_assessment(session, case_id)
    core_screen_signed_off(session, case_id)
    session.consent.record(case_id, ConsentDraft("police", "given", "has-capacity"))
    return case_id


def busy_case_scene(session: UserSession) -> uuid.UUID:
    """A case a few hours in: screened and signed off, risk, escalation, referral, a note."""
    case_id = share_scene(session)
    session.risk.record(case_id, RiskDraft(
        RiskLevel.HIGH, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.LOW, RiskLevel.HIGH,
        "Thoughts of ending life since arrest; no plan; no fixed abode.",
        session.now().date() + timedelta(days=1)))
    session.escalations.request(case_id, "mental-health-nurse", "urgent",
                                "Thoughts of self-harm at screening; review before release")
    session.referrals.make(case_id, "housing-options", detail="Duty officer aware")
    session.notes.add(case_id, "Seen in custody with an appropriate adult. Calm, engaged; "
                               "agreed to referral for housing advice. (Fictional demo note.)")
    return case_id


def conflict_scene(session: UserSession, case_id: uuid.UUID | None = None) -> uuid.UUID:
    """Two fictional workstations changed the same case offline: the clash arrives as it
    would from the server, waiting for a senior's decision. Demo and training stores only."""
    case_id = case_id or session.cases.caseload()[0].id
    now_ms = int(session.now().timestamp() * 1000)
    values = [
        ConflictValue(value="urgent", op_id=uuid.uuid4(), device_id="demo-custody-ws",
                      user="demo.practitioner", hlc=f"{now_ms - 3_600_000:015d}-00000-demo-a"),
        ConflictValue(value="routine", op_id=uuid.uuid4(), device_id="demo-court-ws",
                      user="demo.bank.staff", hlc=f"{now_ms - 1_800_000:015d}-00000-demo-b"),
    ]
    clash = ConflictState(conflict_id=uuid.uuid4(), seq=1, entity=SyncedEntity.CASE,
                          entity_id=case_id, field="urgency", values=values, current="routine")
    StoreReplica(session.store, session.device_id, session.user.username).apply_pull(
        PullResponse(records=[], conflicts=[clash], next_cursor=0, has_more=False,
                     server_hlc=f"{now_ms:015d}-00000-demo-server"))
    session.bus.publish(Changes(frozenset({"conflict", "sync"})))
    return case_id
