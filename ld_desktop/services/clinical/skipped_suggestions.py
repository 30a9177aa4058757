"""Suggested instruments a practitioner chose not to use, with the reason: a synced,
append-only ``skipped_suggestion`` record on the case (issue 18), audited like every
clinical record. Before, a skip was a note whose wording the case page parsed, so a
clinician's own note could hide a suggestion; notes written that way by earlier versions
are still recognised, but only through the audit chain (``store/suggestion_queries.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ld_desktop.services.clinical.access import announce, case_for_edit, case_for_view
from ld_desktop.services.instrument_library import InstrumentLibrary
from ld_desktop.services.session import UserSession
from ld_desktop.store.models import SkippedSuggestion
from ld_desktop.store.suggestion_queries import legacy_skip_notes, skipped_for_case

ENTITY = SkippedSuggestion.__entity__
MAX_REASON_LENGTH = 2_000
LEGACY_PREFIX = "Suggested {title} not completed: "


@dataclass(frozen=True)
class SkippedSuggestionView:
    id: uuid.UUID                 # the skip record, or for a legacy skip the note's id
    case_id: uuid.UUID
    instrument_id: str
    reason: str
    skipped_by: str
    skipped_at: datetime
    screening_id: uuid.UUID | None = None
    legacy_note: bool = False     # recorded as a note by an earlier version


def words(title: str, reason: str) -> str:
    """The timeline's line for a skip: the same words the notes used to carry."""
    return LEGACY_PREFIX.format(title=title) + reason


def record_skip(s: UserSession, case_id: uuid.UUID, instrument_id: str, reason: str,
                library: InstrumentLibrary,
                screening_id: uuid.UUID | None = None) -> SkippedSuggestionView:
    text = reason.strip()
    if not text:
        raise ValueError("Say why the suggested instrument is not being used.")
    if len(text) > MAX_REASON_LENGTH:
        raise ValueError(f"A reason can be at most {MAX_REASON_LENGTH} characters.")
    library.get(instrument_id)                     # an unknown instrument is refused
    with s.store.unit_of_work(s.user.username) as uow:
        case, _ = case_for_edit(s, uow.session, case_id)
        row = SkippedSuggestion(case_id=case.id, site_id=case.site_id,
                                recorded_by=s.user.username, instrument_id=instrument_id,
                                reason=text, skipped_at=s.now(), screening_id=screening_id)
        uow.changes.create(row)
        uow.audit("screening-skipped", entity=ENTITY, entity_id=row.id, case_id=case.id,
                  detail={"instrument": instrument_id})
        view = _view(row)
    announce(s, case_id, ENTITY)
    return view


def skipped_for(s: UserSession, case_id: uuid.UUID,
                library: InstrumentLibrary) -> list[SkippedSuggestionView]:
    """The case's skipped suggestions, oldest first: the records, and the notes an earlier
    version of the app wrote on this workstation (its note and audit event, and the note's
    opening words, must all agree)."""
    with s.store.reading() as db:
        case_for_view(s, db, case_id)
        found = [_view(row) for row in skipped_for_case(db, case_id)]
        for note, instrument_id in legacy_skip_notes(db, case_id):
            title = _title(library, instrument_id)
            prefix = LEGACY_PREFIX.format(title=title)
            if note.body.startswith(prefix):
                found.append(SkippedSuggestionView(
                    note.id, note.case_id, instrument_id, note.body[len(prefix):],
                    note.recorded_by, note.created_at, legacy_note=True))
    return sorted(found, key=lambda v: v.skipped_at)


def _title(library: InstrumentLibrary, instrument_id: str) -> str:
    try:
        return library.get(instrument_id).short_title
    except KeyError:
        return instrument_id


def _view(row: SkippedSuggestion) -> SkippedSuggestionView:
    return SkippedSuggestionView(row.id, row.case_id, row.instrument_id, row.reason,
                                 row.recorded_by, row.skipped_at, row.screening_id)
