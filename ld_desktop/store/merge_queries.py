"""What merging, undoing a merge and moving a case read."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models import Case, Person, RecordChange


def cases_of(session: Session, person_id: uuid.UUID) -> list[Case]:
    """Every case this workstation holds for the person, oldest first."""
    return list(session.scalars(
        select(Case).where(Case.person_id == person_id).order_by(Case.referral_time)))


def cases_redirected_from(session: Session, person_id: uuid.UUID) -> list[uuid.UUID]:
    """Cases filed against the person after it was merged away, then moved to the survivor
    by a workstation that noticed (kind "redirect")."""
    rows = session.scalars(select(RecordChange).where(
        RecordChange.record_entity == SyncedEntity.CASE, RecordChange.kind == "redirect"))
    return [r.record_id for r in rows
            if (r.changes.get("person_id") or {}).get("old") == str(person_id)]


def merged_into(session: Session, survivor_id: uuid.UUID) -> list[Person]:
    """The records merged into this one (redirects to it)."""
    return list(session.scalars(select(Person).where(Person.merged_into == survivor_id)
                                .order_by(Person.family_name, Person.given_name)))
