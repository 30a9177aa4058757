"""Who looked at or changed a person's or a case's record: audit events with names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models import AuditEvent, Case, Person, StaffMember


@dataclass(frozen=True)
class AccessRow:
    at: datetime
    username: str
    staff_name: str | None
    action: str
    entity: str | None
    case_crn: str | None
    case_referred: datetime | None
    person_name: str | None
    via: str | None


def access_rows(session: Session, person_id: uuid.UUID | None, case_ids: list[uuid.UUID],
                limit: int) -> list[AccessRow]:
    """Events about the person (``person_id``) or any of ``case_ids``, newest first."""
    about = []
    if person_id is not None:
        about.append(and_(AuditEvent.entity == SyncedEntity.PERSON,
                          AuditEvent.entity_id == person_id))
    if case_ids:
        about.append(AuditEvent.case_id.in_(case_ids))
    if not about:
        return []
    # A person's history names that person; a case's names the case's person.
    person_match = (Person.id == person_id) if person_id is not None else (
        Person.id == Case.person_id)
    stmt = (select(AuditEvent, StaffMember.display_name, Case, Person)
            .outerjoin(StaffMember, StaffMember.username == AuditEvent.user)
            .outerjoin(Case, Case.id == AuditEvent.case_id)
            .outerjoin(Person, person_match)
            .where(or_(*about)).order_by(AuditEvent.seq.desc()).limit(limit))
    rows = []
    for event, staff_name, case, person in session.execute(stmt):
        detail = event.detail if isinstance(event.detail, dict) else {}
        rows.append(AccessRow(
            at=event.at, username=event.user, staff_name=staff_name, action=event.action,
            entity=event.entity, case_crn=case.custody_record_number if case else None,
            case_referred=case.referral_time if case else None,
            person_name=f"{person.given_name} {person.family_name}" if person else None,
            via=str(detail["via"]) if "via" in detail else None))
    return rows


def case_ids_of(session: Session, person_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(Case.id).where(Case.person_id == person_id)))
