"""Recording consent decisions. A decision is never edited: withdrawal is a new decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ld_desktop.domain.consent import (
    Capacity,
    ConsentDecision,
    Decision,
    in_force,
    may_share_with,
    problems,
    screening_mode,
)
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.access import (
    age_at_referral,
    announce,
    case_for_edit,
    case_for_view,
)
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import for_case
from ld_desktop.store.models import Consent


class ConsentProblem(ValueError):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class ConsentDraft:
    scope: str
    decision: str
    capacity: str | None = None
    gillick_competent: bool | None = None
    appropriate_adult: str | None = None
    recipient_name: str | None = None
    reason: str | None = None


def decision_of(row: Consent) -> ConsentDecision:
    return ConsentDecision(
        scope=row.scope,
        decision=Decision(row.decision),
        decided_at=row.decided_at,
        capacity=Capacity(row.capacity) if row.capacity else None,
        gillick_competent=row.gillick_competent,
        appropriate_adult=row.appropriate_adult,
        recipient_name=row.recipient_name,
        reason=row.reason,
    )


class ConsentService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def record(self, case_id: uuid.UUID, draft: ConsentDraft) -> ConsentDecision:
        now = self._s.now()
        decision = ConsentDecision(
            scope=draft.scope,
            decision=Decision(draft.decision),
            decided_at=now,
            capacity=Capacity(draft.capacity) if draft.capacity else None,
            gillick_competent=draft.gillick_competent,
            appropriate_adult=(draft.appropriate_adult or "").strip() or None,
            recipient_name=(draft.recipient_name or "").strip() or None,
            reason=(draft.reason or "").strip() or None,
        )
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, person = case_for_edit(self._s, uow.session, case_id)
            found = problems(decision, age_at_referral(case, person))
            if found:
                raise ConsentProblem(found)
            row = Consent(
                case_id=case.id, site_id=case.site_id, recorded_by=self._s.user.username,
                scope=decision.scope, recipient_name=decision.recipient_name,
                decision=decision.decision.value,
                capacity=decision.capacity.value if decision.capacity else None,
                gillick_competent=decision.gillick_competent,
                appropriate_adult=decision.appropriate_adult, reason=decision.reason,
                decided_at=now,
            )
            uow.changes.create(row)
            uow.audit("consent-recorded", entity=SyncedEntity.CONSENT, entity_id=row.id,
                      case_id=case.id,
                      detail={"scope": decision.scope, "decision": decision.decision.value})
        announce(self._s, case_id, SyncedEntity.CONSENT)
        return decision

    def history(self, case_id: uuid.UUID) -> list[ConsentDecision]:
        with self._s.store.reading() as db:
            case_for_view(self._s, db, case_id)
            return [decision_of(r) for r in for_case(db, Consent, case_id)]

    def in_force(self, case_id: uuid.UUID) -> dict[str, ConsentDecision]:
        return in_force(self.history(case_id))

    def may_share(self, case_id: uuid.UUID, recipient: str) -> bool:
        return may_share_with(self.history(case_id), recipient)

    def screening_mode(self, case_id: uuid.UUID) -> str:
        return screening_mode(self.history(case_id))
