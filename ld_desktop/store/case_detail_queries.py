"""What a case view needs beyond the case row: its timeline sources."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.store import prepared
from ld_desktop.store.models import AuditEvent, Case, Note, Person, Site


def get_visible_case(
    session: Session, case_id: uuid.UUID, site_ids: list[uuid.UUID]
) -> tuple[Case, Person, Site] | None:
    row = session.execute(
        select(Case, Person, Site)
        .join(Person, Person.id == Case.person_id)
        .join(Site, Site.id == Case.site_id)
        .where(Case.id == case_id, Case.site_id.in_(site_ids))
    ).first()
    return None if row is None else (row[0], row[1], row[2])


_SITE_SUMMARY_SQL = "SELECT id, name, kind FROM site WHERE id = ?"


def site_summary(session: Session, site_id: uuid.UUID) -> tuple[uuid.UUID, str, str] | None:
    """A site's id, name and kind (a referral's view needs no more of it), with a
    prepared statement: it runs in every save of a referral."""
    row = prepared.execute(session, _SITE_SUMMARY_SQL, (site_id.hex,)).fetchone()
    return None if row is None else (uuid.UUID(row[0]), row[1], row[2])


def notes_for(session: Session, case_id: uuid.UUID) -> list[Note]:
    return list(session.scalars(select(Note).where(Note.case_id == case_id)))


def case_audit(session: Session, case_id: uuid.UUID) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.action.in_(("create", "update")))
            .order_by(AuditEvent.seq)
        )
    )
