"""Writing and reading the history of corrections (``RecordChange``): each keeps the old and
new value of every field it changed, so a timeline can show what a record held before."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.store.change_log import ChangeLog
from ld_desktop.store.models import Case, Person, RecordChange, SyncedRecord
from ld_desktop.store.wire_values import to_wire


def person_sites(session: Session, person: Person) -> list[str]:
    """Every site that sees the person: where registered and where they have cases."""
    sites = {str(person.site_id)}
    sites.update(str(s) for s in session.scalars(
        select(Case.site_id).where(Case.person_id == person.id)))
    return sorted(sites)


def wire_values(record: SyncedRecord, fields: list[str]) -> dict[str, Any]:
    model = type(record)
    return {name: to_wire(model, name, getattr(record, name)) for name in fields}


def record_change(changes: ChangeLog, record: SyncedRecord, kind: str,
                  old: dict[str, Any], new: dict[str, Any], user: str, sites: list[str],
                  reason: str | None = None) -> RecordChange:
    """``old``/``new``: wire values of the changed fields."""
    row = RecordChange(record_entity=record.__entity__, record_id=record.id, kind=kind,
                       changes={k: {"old": old.get(k), "new": new.get(k)} for k in new},
                       reason=reason, recorded_by=user, sites=sites)
    changes.create(row)
    return row


def changes_for(session: Session, entity: str, record_id: uuid.UUID) -> list[RecordChange]:
    return list(session.scalars(
        select(RecordChange).where(RecordChange.record_entity == entity,
                                   RecordChange.record_id == record_id,
                                   RecordChange.entered_in_error.is_(False))
        .order_by(RecordChange.created_at)))
