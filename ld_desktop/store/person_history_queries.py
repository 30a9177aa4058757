"""What a returning person's history needs: their cases at some sites with each case's
outcome and latest completed screening, and their latest risk assessment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.store.models import Case, Outcome, RiskAssessment, Screening, Site


def cases_at(session: Session, person_id: uuid.UUID, site_ids: Sequence[uuid.UUID]
             ) -> list[tuple[Case, Site]]:
    """The person's cases at these sites, newest referral first."""
    rows = session.execute(
        select(Case, Site).join(Site, Site.id == Case.site_id)
        .where(Case.person_id == person_id, Case.site_id.in_(site_ids),
               Case.entered_in_error.is_(False))
        .order_by(Case.referral_time.desc(), Case.id)
    ).all()
    return [(c, s) for c, s in rows]


def outcomes_for(session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Outcome]:
    """The latest outcome of each case."""
    found: dict[uuid.UUID, Outcome] = {}
    for row in session.scalars(
        select(Outcome).where(Outcome.case_id.in_(case_ids), Outcome.entered_in_error.is_(False))
        .order_by(Outcome.created_at)
    ):
        found[row.case_id] = row
    return found


def screenings_for(session: Session, case_ids: Sequence[uuid.UUID]
                   ) -> dict[uuid.UUID, list[Screening]]:
    """Each case's completed or signed-off screenings, newest first."""
    found: dict[uuid.UUID, list[Screening]] = {}
    for row in session.scalars(
        select(Screening).where(Screening.case_id.in_(case_ids),
                                Screening.state.in_(ScreeningState.finished()),
                                Screening.entered_in_error.is_(False))
        .order_by(Screening.completed_at.desc())
    ):
        found.setdefault(row.case_id, []).append(row)
    return found


def latest_risk(session: Session, case_ids: Sequence[uuid.UUID]) -> RiskAssessment | None:
    return session.scalars(
        select(RiskAssessment).where(RiskAssessment.case_id.in_(case_ids),
                                     RiskAssessment.entered_in_error.is_(False))
        .order_by(RiskAssessment.created_at.desc()).limit(1)
    ).first()
