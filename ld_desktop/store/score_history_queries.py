"""A person's completed screenings across all their cases (for the score tracker)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.store.models import Case, Screening


def screenings_for_person(session: Session, person_id: uuid.UUID, site_ids: list[uuid.UUID]
                          ) -> list[Screening]:
    """Completed or signed-off screenings of this person at these sites, oldest first."""
    stmt = (
        select(Screening)
        .join(Case, Case.id == Screening.case_id)
        .where(
            Case.person_id == person_id,
            Screening.site_id.in_(site_ids),
            Screening.state.in_(ScreeningState.finished()),
            Screening.entered_in_error.is_(False),
            Case.entered_in_error.is_(False),
        )
        .order_by(Screening.completed_at, Screening.started_at)
    )
    return list(session.scalars(stmt))
