"""Support tasks: counts, integrity verification, reading the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ld_desktop.domain.roles import Permission
from ld_desktop.services.session import UserSession
from ld_desktop.store.audit import verify_chain
from ld_desktop.store.maintenance_queries import audit_events, counts


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
