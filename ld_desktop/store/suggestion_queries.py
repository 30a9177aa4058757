"""Skipped screening suggestions on a case: the records, and the notes earlier versions wrote
instead.

Before issue 18 a skip was a note, "Suggested <title> not completed: <reason>", followed at
once by a ``screening-skipped`` audit event on the case naming the instrument. Those notes
stay notes; one is recognised as the app's own only through that pair in this workstation's
audit chain, never from its wording alone, so a note a clinician typed in the same words
hides nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models import AuditEvent, Note, SkippedSuggestion

#: the legacy skip wrote its note, then its audit event, in two transactions back to back
LEGACY_PAIR_WINDOW = timedelta(seconds=30)
LEGACY_SKIP_ENTITY = SyncedEntity.CASE   # the legacy event's; a skip record's names itself


def skipped_for_case(session: Session, case_id: uuid.UUID) -> list[SkippedSuggestion]:
    stmt = select(SkippedSuggestion).where(SkippedSuggestion.case_id == case_id,
                                           SkippedSuggestion.entered_in_error.is_(False))
    return list(session.scalars(stmt.order_by(SkippedSuggestion.skipped_at)))


def legacy_skip_notes(session: Session, case_id: uuid.UUID) -> list[tuple[Note, str]]:
    """Notes this workstation's earlier versions wrote for a skipped suggestion, each with the
    instrument id its audit event names, oldest first."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id,
               AuditEvent.action.in_(("note-added", "screening-skipped")))
        .order_by(AuditEvent.seq))
    pairs: list[tuple[uuid.UUID, str]] = []
    note_event: AuditEvent | None = None
    for event in events:
        if event.action == "note-added":
            note_event = event
            continue
        if (note_event is not None and note_event.entity_id is not None
                and event.entity == LEGACY_SKIP_ENTITY and note_event.user == event.user
                and timedelta(0) <= event.at - note_event.at <= LEGACY_PAIR_WINDOW
                and isinstance(event.detail.get("instrument"), str)):
            pairs.append((note_event.entity_id, event.detail["instrument"]))
        note_event = None
    if not pairs:
        return []
    notes = {n.id: n for n in session.scalars(
        select(Note).where(Note.id.in_([note_id for note_id, _ in pairs]),
                           Note.case_id == case_id, Note.entered_in_error.is_(False)))}
    return [(notes[note_id], instrument) for note_id, instrument in pairs if note_id in notes]
