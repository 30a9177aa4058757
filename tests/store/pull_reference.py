"""The per-record pull path as it was before pages were batched (issue 17), kept as the
reference the batched path (``store/pull_batch.py``) must match: each record looked up
through the ORM, applied, flushed, and every person it touched re-indexed one by one.

One deliberate difference: a case pulled with another person also re-indexes the person it
left (the old path left the case's custody record number in that person's index row)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.domain.person_search import person_search_text
from ld_desktop.store import quarantine
from ld_desktop.store.models import SYNCED_MODELS, Case, Person
from ld_desktop.store.pull_batch import read_or_set_aside
from ld_desktop.store.replica import _apply_record
from ld_desktop.store.search_index import index_person
from sync.protocol import RecordState


def apply_one_by_one(db: Session, states: list[RecordState],
                     pending: dict[tuple[str, uuid.UUID], set[str]]
                     ) -> tuple[list[tuple[RecordState, str]], set[uuid.UUID]]:
    held = quarantine.quarantined_ids(db)
    touched_people: set[uuid.UUID] = set()
    applied_people: set[uuid.UUID] = set()
    set_aside_now: list[tuple[RecordState, str]] = []
    released: set[uuid.UUID] = set()
    for state in _with_dependants(db, states, released):
        model = SYNCED_MODELS.get(state.entity)
        record = None if model is None else db.get(model, state.entity_id)
        before = getattr(record, "person_id", None)
        # reading and setting aside are shared; applying and re-indexing stay per record
        values = read_or_set_aside(db, state, model, new=record is None, held=held,
                                   set_aside=set_aside_now)
        if values is None or model is None:
            continue
        _apply_record(db, model, record, state, values,
                      pending.get((state.entity, state.entity_id)))
        db.flush()
        if state.entity_id in held:
            quarantine.release(db, state.entity, state.entity_id)
            held.discard(state.entity_id)
            released.add(state.entity_id)
        if model is Person:
            touched_people.add(state.entity_id)
            applied_people.add(state.entity_id)
        elif model is Case and values.get("person_id") is not None:
            touched_people.add(values["person_id"])
            if before is not None:
                touched_people.add(before)
    db.flush()
    for person_id in touched_people:
        _reindex(db, person_id)
    return set_aside_now, applied_people


def _with_dependants(db: Session, states: list[RecordState],
                     released: set[uuid.UUID]) -> Iterator[RecordState]:
    yield from states
    while released:
        db.flush()
        waiting = quarantine.held_states(db, waiting_for=set(released))
        released.clear()
        yield from waiting


def _reindex(db: Session, person_id: uuid.UUID) -> None:
    person = db.get(Person, person_id)
    if person is None:
        return
    numbers = [n for n in db.scalars(select(Case.custody_record_number)
                                     .where(Case.person_id == person_id)) if n]
    index_person(db, person.id, person_search_text(person, numbers))
