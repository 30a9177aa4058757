"""Support tasks: counts, integrity verification, reading the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.errors import StoreCorrupt
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.store.access_history_queries import AccessRow, access_rows, case_ids_of
from ld_desktop.store.audit import verify_chain
from ld_desktop.store.case_detail_queries import get_visible_case
from ld_desktop.store.maintenance_queries import audit_events, counts
from ld_desktop.store.person_queries import get_visible


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    user: str
    action: str
    entity: str | None
    entity_id: uuid.UUID | None
    case_id: uuid.UUID | None
    detail: dict[str, Any]
    device_id: str


@dataclass(frozen=True)
class AccessEntry:
    """One line of a record's access history, in words: names, not ids."""

    at: datetime
    who: str            # the member of staff's name (and username)
    did: str            # "viewed", "changed", "shared (export)" ...
    what: str           # "the person's record", "case referred 01/02/2026 (NG/1/26)"


_ACTION_WORDS = {"view": "viewed", "create": "created", "update": "changed",
                 "export": "shared (export)", "delete": "deleted"}


def _access_entry(row: AccessRow) -> AccessEntry:
    who = f"{row.staff_name} ({row.username})" if row.staff_name else row.username
    did = _ACTION_WORDS.get(row.action, row.action.replace("-", " "))
    if row.via == "nhs-number-search":
        did = "found by NHS number"
    if row.entity == SyncedEntity.PERSON or row.case_referred is None:
        what = f"{row.person_name}'s record" if row.person_name else "the person's record"
    else:
        what = f"case referred {row.case_referred.astimezone():%d/%m/%Y}"
        if row.case_crn:
            what += f" ({row.case_crn})"
        if row.entity and row.entity != SyncedEntity.CASE:
            what = f"{row.entity.replace('_', ' ')} on the {what}"
    return AccessEntry(row.at, who, did, what)


@dataclass(frozen=True)
class VerifyReport:
    database_problems: list[str]
    audit_events: int
    audit_problems: list[str]

    @property
    def healthy(self) -> bool:
        return not self.database_problems and not self.audit_problems


class MaintenanceService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def stats(self) -> dict[str, int]:
        with self._s.store.reading() as db:
            return counts(db)

    def require_undamaged(self) -> None:
        """Raise StoreCorrupt if any page of the database fails its HMAC (run by ld-admin
        before every command, so damage is never reported as success)."""
        problems = self._s.store.page_problems()
        if problems:
            raise StoreCorrupt(f"{len(problems)} damaged page(s)")

    def verify(self) -> VerifyReport:
        self._s.require(Permission.VIEW_AUDIT)
        problems = self._s.store.integrity_problems()
        with self._s.store.reading() as db:
            chain = verify_chain(db, self._s.store.audit_mac_key, self._s.store.anchor)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            uow.audit("verify", detail={"healthy": not problems and chain.intact})
        return VerifyReport(problems, chain.events, chain.problems)

    def audit_trail(self, case_id: uuid.UUID | None = None, limit: int = 1000
                    ) -> list[AuditEntry]:
        self._s.require(Permission.VIEW_AUDIT)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            events = audit_events(uow.session, case_id, limit)
            result = [
                AuditEntry(e.seq, e.at, e.user, e.action, e.entity, e.entity_id, e.case_id,
                           dict(e.detail), e.device_id)
                for e in events
            ]
            uow.audit("view-audit", case_id=case_id)
        return result

    def access_history(self, *, person_id: uuid.UUID | None = None,
                       case_id: uuid.UUID | None = None, limit: int = 500
                       ) -> list[AccessEntry]:
        """Who viewed or changed this person's records (and all their cases), or this case,
        newest first, with names. For seniors (who may see the records) and auditors;
        looking is itself audited."""
        self._s.require(Permission.VIEW_AUDIT)
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            if case_id is not None:
                if get_visible_case(uow.session, case_id, self._s.site_ids) is None:
                    raise RecordNotFound(SyncedEntity.CASE)
                rows = access_rows(uow.session, None, [case_id], limit)
            elif person_id is not None:
                if get_visible(uow.session, person_id, self._s.site_ids) is None:
                    raise RecordNotFound(SyncedEntity.PERSON)
                rows = access_rows(uow.session, person_id, case_ids_of(uow.session, person_id),
                                   limit)
            else:
                raise ValueError("Choose a person or a case.")
            uow.audit("view-access-history",
                      entity=SyncedEntity.CASE if case_id else SyncedEntity.PERSON,
                      entity_id=case_id or person_id, case_id=case_id)
        return [_access_entry(r) for r in rows]
