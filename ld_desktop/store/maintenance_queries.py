"""Counts, audit listing and integrity checks for support staff."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ld_desktop.store.models import AuditEvent, Case, Note, OutboxOp, Person, Screening


def counts(session: Session) -> dict[str, int]:
    def n(model: type) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    pending = session.scalar(
        select(func.count()).select_from(OutboxOp).where(OutboxOp.status == "pending")
    )
    return {
        "persons": n(Person),
        "cases": n(Case),
        "screenings": n(Screening),
        "notes": n(Note),
        "pending_outbox_ops": int(pending or 0),
        "audit_events": n(AuditEvent),
    }


def audit_events(
    session: Session, case_id: uuid.UUID | None = None, limit: int = 1000
) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if case_id is not None:
        stmt = stmt.where(AuditEvent.case_id == case_id)
    return list(reversed(list(session.scalars(stmt))))
