"""Conflicts waiting for a senior's decision."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.store.models import SYNCED_MODELS, ConflictRecord, SyncedRecord


def open_conflicts(session: Session) -> list[ConflictRecord]:
    stmt = (
        select(ConflictRecord)
        .where(ConflictRecord.status == "open", ConflictRecord.decision_pending.is_(False))
        .order_by(ConflictRecord.server_seq)
    )
    return list(session.scalars(stmt))


def decided_conflicts(session: Session, limit: int) -> list[ConflictRecord]:
    """The latest decisions (here or synced from elsewhere), newest first."""
    stmt = (
        select(ConflictRecord)
        .where((ConflictRecord.status == "resolved") | ConflictRecord.decision_pending)
        .order_by(ConflictRecord.server_seq.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def get_conflict(session: Session, conflict_id: uuid.UUID) -> ConflictRecord | None:
    return session.get(ConflictRecord, conflict_id)


def record_of(session: Session, conflict: ConflictRecord) -> SyncedRecord | None:
    model = SYNCED_MODELS.get(conflict.entity)
    return None if model is None else session.get(model, conflict.entity_id)
