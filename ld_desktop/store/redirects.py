"""Merged-away people are redirects to their survivor: follow them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

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
