"""Risk assessments: to self, to others, from others, to children; level with rationale and a
review date. The latest level is shown on the case and the caseload board."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.access import announce, case_for_edit, case_for_view
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import for_case
from ld_desktop.store.models import RiskAssessment


@dataclass(frozen=True)
class RiskDraft:
    to_self: str
    to_others: str
    from_others: str
    to_children: str
    level: str
    rationale: str
    review_date: date | None = None

    def validated(self, today: date) -> RiskDraft:
        RiskLevel(self.level)
        for name in ("to_self", "to_others", "from_others", "to_children"):
            RiskLevel(getattr(self, name))
        if not self.rationale.strip():
            raise ValueError("Give the rationale for the risk level.")
        if self.level == RiskLevel.HIGH.value and self.review_date is None:
            raise ValueError("A high risk needs a review date.")
        if self.review_date is not None and self.review_date < today:
            raise ValueError("The review date is in the past.")
        return self


@dataclass(frozen=True)
class RiskView:
    id: uuid.UUID
    level: str
    to_self: str
    to_others: str
    from_others: str
    to_children: str
    rationale: str
    review_date: date | None
    recorded_by: str


class RiskService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def record(self, case_id: uuid.UUID, draft: RiskDraft) -> RiskView:
        clean = draft.validated(self._s.now().date())
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, _ = case_for_edit(self._s, uow.session, case_id)
            row = RiskAssessment(
                case_id=case.id, site_id=case.site_id, recorded_by=self._s.user.username,
                to_self=clean.to_self, to_others=clean.to_others,
                from_others=clean.from_others, to_children=clean.to_children,
                level=clean.level, rationale=clean.rationale.strip(),
                review_date=clean.review_date,
            )
            uow.changes.create(row)
            uow.changes.update(case, {"risk_level": clean.level})
            uow.audit("risk-assessed", entity=SyncedEntity.RISK_ASSESSMENT, entity_id=row.id,
                      case_id=case.id, detail={"level": clean.level})
            view = _view(row)
        announce(self._s, case_id, SyncedEntity.RISK_ASSESSMENT)
        return view

    def for_case(self, case_id: uuid.UUID) -> list[RiskView]:
        with self._s.store.reading() as db:
            case_for_view(self._s, db, case_id)
            return [_view(r) for r in for_case(db, RiskAssessment, case_id)]


def _view(r: RiskAssessment) -> RiskView:
    return RiskView(r.id, r.level, r.to_self, r.to_others, r.from_others, r.to_children,
                    r.rationale, r.review_date, r.recorded_by)
