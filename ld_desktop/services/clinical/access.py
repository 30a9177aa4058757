"""Shared checks for clinical services: the case is at my sites and still open."""

from __future__ import annotations

import uuid

from ld_desktop.domain.age import age_on
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.store.case_detail_queries import get_visible_case
from ld_desktop.store.models import Case, Person
from ld_desktop.store.store import DbSession


class CaseClosed(ValueError):
    def __init__(self) -> None:
        super().__init__("This case is closed. Reopen it before recording anything new.")


def case_for_edit(s: UserSession, db: DbSession, case_id: uuid.UUID) -> tuple[Case, Person]:
    s.require(Permission.EDIT_RECORDS)
    found = get_visible_case(db, case_id, s.site_ids)
    if found is None:
        raise RecordNotFound(SyncedEntity.CASE)
    case, person, _site = found
    if case.stage == "closed":
        raise CaseClosed()
    return case, person


def case_for_view(s: UserSession, db: DbSession, case_id: uuid.UUID) -> tuple[Case, Person]:
    s.require(Permission.VIEW_RECORDS)
    found = get_visible_case(db, case_id, s.site_ids)
    if found is None:
        raise RecordNotFound(SyncedEntity.CASE)
    return found[0], found[1]


def age_at_referral(case: Case, person: Person) -> int | None:
    if person.date_of_birth is None:
        return None
    return age_on(person.date_of_birth, case.referral_time.date())


def announce(s: UserSession, case_id: uuid.UUID, *entities: str) -> None:
    s.bus.publish(Changes(frozenset({SyncedEntity.CASE, *entities}), frozenset({case_id})))
