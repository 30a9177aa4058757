"""Each instrument's total scores for one person across all their contacts, oldest first
(the score tracker on the person page). A screening replaced by an amendment is left out;
a partial result contributes what it proved ("at least N"), marked partial."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.services.session import UserSession
from ld_desktop.store.score_history_queries import screenings_for_person


@dataclass(frozen=True)
class ScorePoint:
    instrument_id: str
    score_label: str
    when: datetime
    value: float
    band: str | None
    partial: bool          # a lower bound from a half-answered form
    prorated: bool
    signed_off: bool
    case_id: uuid.UUID
    screening_id: uuid.UUID


def _points(screening: Any) -> list[ScorePoint]:
    result = screening.result or {}
    out = []
    for key, score in (result.get("scores") or {}).items():
        if score.get("kind", "total") != "total":
            continue
        value = score.get("value")
        partial = value is None
        if partial:
            value = score.get("at_least")
        if value is None:
            continue
        out.append(ScorePoint(
            screening.instrument_id, str(score.get("label") or key),
            screening.completed_at or screening.started_at, float(value),
            score.get("band") if not partial else None, partial,
            bool(score.get("prorated")), screening.state == ScreeningState.SIGNED_OFF,
            screening.case_id, screening.id))
    return out


class ScoreHistoryService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def for_person(self, person_id: uuid.UUID) -> list[ScorePoint]:
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            rows = screenings_for_person(db, person_id, self._s.site_ids)
            replaced = {r.amends_id for r in rows if r.amends_id}
            return [p for r in rows if r.id not in replaced for p in _points(r)]
