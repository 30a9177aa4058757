"""The local quarantine: pulled records set aside because this version cannot apply them.

One bad record must never stop a workstation syncing. The pull sets the record aside with the
reason and moves its cursor on; the record is retried when the app's version changes (an
upgrade may read it) and when a user asks. A newer, readable state of the same record pulled
later replaces it (a pulled state is the record's whole current state).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

import ld_desktop
from ld_desktop.store.change_log import SCHEMA_VERSION
from ld_desktop.store.models import QuarantinedRecord, utcnow
from sync.protocol import RecordState


def reader_version() -> str:
    """What "this version" means for a retry: the app's version and its data-model version."""
    return f"{ld_desktop.__version__}/schema-{SCHEMA_VERSION}"


@dataclass(frozen=True)
class QuarantineEntry:
    """What the Sync page and ``ld-admin sync --json`` show: no field values."""

    entity: str
    entity_id: uuid.UUID
    seq: int
    reason: str
    reader_version: str
    first_seen_at: datetime
    last_tried_at: datetime
    attempts: int


def quarantined_ids(db: Session) -> set[uuid.UUID]:
    return set(db.scalars(select(QuarantinedRecord.entity_id)))


def set_aside(db: Session, state: RecordState, reason: str,
              waits_for: uuid.UUID | None = None) -> None:
    row = db.get(QuarantinedRecord, (state.entity, state.entity_id))
    now = utcnow()
    if row is None:
        db.add(QuarantinedRecord(
            entity=state.entity, entity_id=state.entity_id, seq=state.seq,
            fields=dict(state.fields), versions=dict(state.versions), deleted=state.deleted,
            reason=reason, waits_for=waits_for, reader_version=reader_version(),
            first_seen_at=now,
            last_tried_at=now, attempts=1))
        return
    if state.seq >= row.seq:   # a newer state of the record, still unreadable
        row.seq, row.fields, row.versions = state.seq, dict(state.fields), dict(state.versions)
        row.deleted = state.deleted
    row.reason = reason
    row.waits_for = waits_for
    row.reader_version = reader_version()
    row.last_tried_at = now
    row.attempts += 1


def release(db: Session, entity: str, entity_id: uuid.UUID) -> None:
    db.execute(delete(QuarantinedRecord).where(QuarantinedRecord.entity == entity,
                                               QuarantinedRecord.entity_id == entity_id))


def held_states(db: Session, *, only_other_versions: bool = False,
                waiting_for: set[uuid.UUID] | None = None) -> list[RecordState]:
    """Quarantined records as pulled states, oldest server change first (a person before the
    case that refers to it). ``only_other_versions``: those an earlier version set aside;
    ``waiting_for``: those set aside only because they refer to one of these records."""
    stmt = select(QuarantinedRecord).order_by(QuarantinedRecord.seq)
    if only_other_versions:
        stmt = stmt.where(QuarantinedRecord.reader_version != reader_version())
    if waiting_for is not None:
        stmt = stmt.where(QuarantinedRecord.waits_for.in_(waiting_for))
    return [RecordState(entity=row.entity, entity_id=row.entity_id, seq=row.seq,
                        fields=row.fields, versions=row.versions, deleted=row.deleted)
            for row in db.scalars(stmt)]


def entries(db: Session) -> list[QuarantineEntry]:
    rows = db.scalars(select(QuarantinedRecord).order_by(QuarantinedRecord.first_seen_at,
                                                         QuarantinedRecord.seq))
    return [QuarantineEntry(r.entity, r.entity_id, r.seq, r.reason, r.reader_version,
                            r.first_seen_at, r.last_tried_at, r.attempts) for r in rows]


def count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(QuarantinedRecord)) or 0)
