"""Searches and list views go into the audit trail: who (the event's user), when (its time),
what kind of search or list, and how many results. The search text never does, except that a
search by NHS number is recorded as a view of each person it found: looking someone up by
their NHS number is looking at their record."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ld_desktop.domain import nhs_number
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.session import UserSession
from ld_desktop.store.audit import AuditEntry


def search_kind(text: str) -> str:
    """What sort of search ``text`` is, in words safe to keep (never the text itself)."""
    stripped = text.strip()
    if nhs_number.is_valid(stripped):
        return "nhs-number"
    if any(ch.isdigit() for ch in stripped):
        return "number-or-date"
    return "name"


def audit_search(session: UserSession, where: str, text: str, results: int,
                 person_ids: Iterable[uuid.UUID] = ()) -> None:
    """A search in ``where`` (e.g. "people", "cases") found ``results`` records. Recorded
    and committed (fsync'd) before the caller shows them, in a transaction of its own."""
    kind = search_kind(text)
    entries = [AuditEntry("search", detail={"list": where, "kind": kind, "results": results})]
    if kind == "nhs-number":
        entries += [AuditEntry("view", entity=SyncedEntity.PERSON, entity_id=person_id,
                               detail={"via": "nhs-number-search"})
                    for person_id in dict.fromkeys(person_ids)]
    session.store.record_audit(session.user.username, entries)


def audit_list(session: UserSession, where: str, results: int, **filters: object) -> None:
    """A list view (``where``) was shown with ``results`` rows; ``filters`` are counts or
    names of stages, never free text."""
    session.store.record_audit(session.user.username, [
        AuditEntry("list", detail={"list": where, "results": results, **filters})])
