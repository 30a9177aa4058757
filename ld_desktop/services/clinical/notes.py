"""Case notes: append-only. A correction is a new note that amends the original."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.access import announce, case_for_edit, case_for_view
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import for_case, get_in_sites
from ld_desktop.store.models import Note

MAX_NOTE_LENGTH = 20_000


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    case_id: uuid.UUID
    body: str
    recorded_by: str
    recorded_at: datetime
    amends_id: uuid.UUID | None
    amended_by_ids: tuple[uuid.UUID, ...] = ()


def _clean(body: str) -> str:
    text = body.strip()
    if not text:
        raise ValueError("A note cannot be empty.")
    if len(text) > MAX_NOTE_LENGTH:
        raise ValueError(f"A note can be at most {MAX_NOTE_LENGTH} characters.")
    return text


class NoteService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def add(self, case_id: uuid.UUID, body: str) -> NoteView:
        return self._write(case_id, _clean(body), None)

    def amend(self, note_id: uuid.UUID, body: str) -> NoteView:
        with self._s.store.reading() as db:
            original = get_in_sites(db, Note, note_id, self._s.site_ids)
            if original is None:
                raise RecordNotFound(SyncedEntity.NOTE)
            case_id = original.case_id
        return self._write(case_id, _clean(body), note_id)

    def _write(self, case_id: uuid.UUID, body: str, amends: uuid.UUID | None) -> NoteView:
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, _ = case_for_edit(self._s, uow.session, case_id)
            note = Note(case_id=case.id, site_id=case.site_id, body=body, amends_id=amends,
                        recorded_by=self._s.user.username)
            uow.changes.create(note)
            uow.audit("note-amended" if amends else "note-added", entity=SyncedEntity.NOTE,
                      entity_id=note.id, case_id=case.id)
            view = NoteView(note.id, case.id, body, note.recorded_by, note.created_at, amends)
        announce(self._s, case_id, SyncedEntity.NOTE)
        return view

    def for_case(self, case_id: uuid.UUID) -> list[NoteView]:
        with self._s.store.reading() as db:
            case_for_view(self._s, db, case_id)
            notes = for_case(db, Note, case_id)
        amended_by: dict[uuid.UUID, list[uuid.UUID]] = {}
        for n in notes:
            if n.amends_id:
                amended_by.setdefault(n.amends_id, []).append(n.id)
        return [
            NoteView(n.id, n.case_id, n.body, n.recorded_by, n.created_at, n.amends_id,
                     tuple(amended_by.get(n.id, ())))
            for n in notes
        ]
