"""Outcome and closure: the disposal, the diversion outcome, and a check that nothing is left
open (or a recorded reason for closing anyway)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ld_desktop.domain.pathway import Disposal
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.access import announce, case_for_edit
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import open_referrals, pending_escalations
from ld_desktop.store.models import Outcome
from ld_desktop.store.store import DbSession


class OpenItems(ValueError):
    """Closing would leave things open; the caller may close with a reason instead."""

    def __init__(self, items: list[str]) -> None:
        super().__init__("Still open: " + "; ".join(items) + ". Give a reason to close anyway.")
        self.items = items


@dataclass(frozen=True)
class OutcomeDraft:
    disposal: str
    diversion_outcome: str | None = None
    detail: str | None = None


class OutcomeService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def open_items(self, case_id: uuid.UUID) -> list[str]:
        with self._s.store.reading() as db:
            case, _ = case_for_edit(self._s, db, case_id)
            return _open_items(db, case.id, self._s.site_ids)

    def close(self, case_id: uuid.UUID, draft: OutcomeDraft,
              reason_if_open: str | None = None) -> None:
        Disposal(draft.disposal)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, _ = case_for_edit(self._s, uow.session, case_id)
            items = _open_items(uow.session, case.id, self._s.site_ids)
            reason = (reason_if_open or "").strip() or None
            if items and reason is None:
                raise OpenItems(items)
            outcome = Outcome(case_id=case.id, site_id=case.site_id, disposal=draft.disposal,
                              diversion_outcome=(draft.diversion_outcome or "").strip() or None,
                              detail={"note": draft.detail} if draft.detail else {},
                              recorded_by=self._s.user.username)
            uow.changes.create(outcome)
            now = self._s.now()
            # Pathway times are never invented: a step that did not happen stays empty.
            uow.changes.update(case, {"stage": "closed", "closed_at": now, "in_custody": False,
                                      "closure_reason": reason})
            uow.audit("case-closed", entity=SyncedEntity.CASE, entity_id=case.id, case_id=case.id,
                      detail={"disposal": draft.disposal, "open_items": len(items)})
        announce(self._s, case_id, SyncedEntity.OUTCOME)


def _open_items(db: DbSession, case_id: uuid.UUID, site_ids: list[uuid.UUID]) -> list[str]:
    items = [
        f"escalation to {e.clinician_type.replace('-', ' ')} ({e.status})"
        for e, c in pending_escalations(db, site_ids)
        if c.id == case_id
    ]
    items += [
        f"referral to {r.service_name} awaiting an answer" for r in open_referrals(db, case_id)
    ]
    return items
