"""Merged-away people are redirects to their survivor: follow them."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ld_desktop.store import prepared
from ld_desktop.store.models import Person


def follow_redirect(session: Session, person_id: uuid.UUID) -> uuid.UUID:
    """The record a person id now means: itself, or the end of its chain of merges. A
    cycle (two workstations merging each way before either synced) stops where it closes."""
    seen: set[uuid.UUID] = set()
    current = person_id
    while current not in seen:
        seen.add(current)
        target = session.scalar(select(Person.merged_into).where(Person.id == current))
        if target is None:
            return current
        current = target
    return current


def survivor(session: Session, person_id: uuid.UUID) -> Person | None:
    """The person record an id now means (see ``follow_redirect``), loaded: one lookup
    when the record was never merged away, which is nearly always."""
    person = prepared.get(session, Person, person_id)
    if person is not None and person.merged_into is not None:
        person = prepared.get(session, Person, follow_redirect(session, person_id))
    return person


def onward_chain(session: Session, person_id: uuid.UUID) -> list[uuid.UUID]:
    """The records this person was merged into, in order (stopping where a cycle closes)."""
    chain: list[uuid.UUID] = []
    current = session.scalar(select(Person.merged_into).where(Person.id == person_id))
    while current is not None and current != person_id and current not in chain:
        chain.append(current)
        current = session.scalar(select(Person.merged_into).where(Person.id == current))
    return chain


# Core, built once: it runs before every search and list (the partial index makes it cheap)
_REDIRECTS = select(Person.id, Person.merged_into).where(Person.merged_into.is_not(None))


def merge_cycle_ids(session: Session) -> set[uuid.UUID]:
    """People whose chain of merges leads back to themselves (two workstations merged each
    way before either synced). No record survives such a chain, so its members stay listed
    and searchable for a senior to undo one of the merges. Reads only the few redirects."""
    edges = {pid: target for pid, target in session.connection().execute(_REDIRECTS)}
    in_cycle: set[uuid.UUID] = set()
    for start in edges:
        seen: set[uuid.UUID] = set()
        current: uuid.UUID | None = start
        while current is not None and current not in seen:
            seen.add(current)
            current = edges.get(current)
        if current == start:
            in_cycle.add(start)
    return in_cycle


def listed_clause(session: Session) -> ColumnElement[bool]:
    """Whom lists and searches show: not a redirect, unless the redirect is in a cycle."""
    cycle = merge_cycle_ids(session)
    if not cycle:
        return Person.merged_into.is_(None)
    return or_(Person.merged_into.is_(None), Person.id.in_(cycle))
