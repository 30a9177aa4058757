"""What the end-of-shift handover gathers, across the senior's sites."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.domain.pathway import Stage
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.store.models import (
    Case,
    Consent,
    Escalation,
    HandoverAcknowledgement,
    HandoverNote,
    InformationShare,
    OnwardReferral,
    Person,
    RiskAssessment,
    Screening,
    SupportAction,
)


def high_risks(session: Session, site_ids: list[uuid.UUID]
               ) -> list[tuple[Case, RiskAssessment | None]]:
    """Open cases whose risk level is high (as the caseload counts them), each with its
    latest assessment if one is recorded here."""
    cases = session.scalars(
        select(Case).where(Case.site_id.in_(site_ids), Case.stage != "closed",
                           Case.risk_level == RiskLevel.HIGH, Case.entered_in_error.is_(False))
    ).all()
    found = []
    for case in cases:
        latest = session.scalars(
            select(RiskAssessment).where(RiskAssessment.case_id == case.id)
            .order_by(RiskAssessment.created_at.desc()).limit(1)
        ).first()
        found.append((case, latest))
    return found


def case_labels(session: Session, case_ids: list[uuid.UUID]
                ) -> dict[uuid.UUID, tuple[str, str, str | None]]:
    """case id -> (family name, given name, custody record number)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(Case.id, Person.family_name, Person.given_name, Case.custody_record_number)
        .join(Person, Person.id == Case.person_id).where(Case.id.in_(case_ids)))
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def referrals_awaiting(session: Session, site_ids: list[uuid.UUID]) -> list[OnwardReferral]:
    return list(session.scalars(
        select(OnwardReferral).where(OnwardReferral.site_id.in_(site_ids),
                                     OnwardReferral.status == "made",
                                     OnwardReferral.entered_in_error.is_(False))
    ))


def actions_due_by(
    session: Session, site_ids: list[uuid.UUID], by: datetime
) -> list[SupportAction]:
    return list(session.scalars(
        select(SupportAction).where(SupportAction.site_id.in_(site_ids),
                                    SupportAction.done_at.is_(None),
                                    SupportAction.due_at.is_not(None),
                                    SupportAction.due_at <= by,
                                    SupportAction.entered_in_error.is_(False))
        .order_by(SupportAction.due_at)
    ))


def sharing_to_do(session: Session, site_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, str]]:
    """(case id, recipient) where consent to share is in force but nothing was shared yet."""
    open_cases = select(Case.id).where(Case.site_id.in_(site_ids), Case.stage != "closed")
    consents = session.scalars(
        select(Consent).where(Consent.case_id.in_(open_cases), Consent.scope != "assessment")
        .order_by(Consent.decided_at)
    ).all()
    latest: dict[tuple[uuid.UUID, str], str] = {}
    for consent in consents:
        latest[(consent.case_id, consent.scope)] = consent.decision
    shared = {
        (s.case_id, s.recipient)
        for s in session.scalars(select(InformationShare).where(
            InformationShare.case_id.in_(open_cases)))
    }
    return sorted(key for key, decision in latest.items()
                  if decision == "given" and key not in shared)


def handovers(session: Session, limit: int) -> list[HandoverNote]:
    return list(session.scalars(
        select(HandoverNote).order_by(HandoverNote.created_at.desc()).limit(limit)))


def acknowledgements(session: Session, handover_id: uuid.UUID) -> list[HandoverAcknowledgement]:
    return list(session.scalars(
        select(HandoverAcknowledgement).where(HandoverAcknowledgement.handover_id == handover_id)
        .order_by(HandoverAcknowledgement.created_at)))


def my_open_items(
    session: Session, site_ids: list[uuid.UUID], username: str
) -> list[tuple[str, uuid.UUID, str]]:
    """(kind, case id, words) for what one practitioner still has open at these sites."""
    found: list[tuple[str, uuid.UUID, str]] = []
    for s in session.scalars(select(Screening).where(
            Screening.site_id.in_(site_ids), Screening.recorded_by == username,
            Screening.state == ScreeningState.DRAFT, Screening.entered_in_error.is_(False))):
        found.append(("screening", s.case_id, f"Unfinished screening ({s.instrument_id})"))
    for a in session.scalars(select(SupportAction).where(
            SupportAction.site_id.in_(site_ids), SupportAction.assigned_to == username,
            SupportAction.done_at.is_(None), SupportAction.entered_in_error.is_(False))):
        due = f" (due {a.due_at:%H:%M %d %b})" if a.due_at else ""
        found.append(("action", a.case_id, f"{a.description}{due}"))
    for e in session.scalars(select(Escalation).where(
            Escalation.site_id.in_(site_ids), Escalation.recorded_by == username,
            Escalation.status.in_(("requested", "accepted")),
            Escalation.entered_in_error.is_(False))):
        found.append(("escalation", e.case_id,
                      f"Escalation to {e.clinician_type.replace('-', ' ')} ({e.status})"))
    for c in session.scalars(select(Case).where(
            Case.site_id.in_(site_ids), Case.holder == username, Case.stage != "closed",
            Case.entered_in_error.is_(False))):
        found.append(("case", c.id, f"Case held by you: {Stage(c.stage).label.lower()}"))
    return found
