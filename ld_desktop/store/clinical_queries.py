"""Read queries over a case's clinical records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ld_desktop.store.models import (
    Case,
    Escalation,
    OnwardReferral,
    Person,
    Screening,
    SupportAction,
    SyncedRecord,
)

Record = TypeVar("Record", bound=SyncedRecord)


def for_case(session: Session, model: type[Record], case_id: uuid.UUID) -> list[Record]:
    column = model.case_id  # type: ignore[attr-defined]
    stmt = select(model).where(column == case_id, model.entered_in_error.is_(False))
    return list(session.scalars(stmt.order_by(model.created_at)))


def get_in_sites(
    session: Session, model: type[Record], record_id: uuid.UUID, site_ids: list[uuid.UUID]
) -> Record | None:
    record = session.get(model, record_id)
    if record is None or getattr(record, "site_id", None) not in site_ids:
        return None
    return record


def pending_escalations(
    session: Session, site_ids: list[uuid.UUID]
) -> list[tuple[Escalation, Case]]:
    stmt = (
        select(Escalation, Case)
        .join(Case, Case.id == Escalation.case_id)
        .where(
            Escalation.site_id.in_(site_ids),
            Escalation.status.in_(("requested", "accepted")),
            Escalation.entered_in_error.is_(False),
        )
        .order_by(Escalation.requested_at)
    )
    return [(e, c) for e, c in session.execute(stmt).all()]


def open_referrals(session: Session, case_id: uuid.UUID) -> list[OnwardReferral]:
    stmt = select(OnwardReferral).where(
        OnwardReferral.case_id == case_id,
        OnwardReferral.status == "made",
        OnwardReferral.entered_in_error.is_(False),
    )
    return list(session.scalars(stmt))


def screenings_in_states(
    session: Session, site_ids: list[uuid.UUID], states: tuple[str, ...], limit: int = 200
) -> list[tuple[Screening, Case, Person]]:
    """Screenings at these sites in these states (drafts, awaiting sign-off), newest first."""
    stmt = (
        select(Screening, Case, Person)
        .join(Case, Case.id == Screening.case_id)
        .join(Person, Person.id == Case.person_id)
        .where(
            Screening.site_id.in_(site_ids),
            Screening.state.in_(states),
            Screening.entered_in_error.is_(False),
        )
        .order_by(Screening.started_at.desc())
        .limit(limit)
    )
    return [(s, c, p) for s, c, p in session.execute(stmt).all()]


def overdue_action_cases(
    session: Session, site_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, int]:
    """Cases at these sites with support actions past their due time and not done."""
    stmt = (
        select(SupportAction.case_id, func.count())
        .where(
            SupportAction.site_id.in_(site_ids),
            SupportAction.done_at.is_(None),
            SupportAction.due_at < now,
            SupportAction.entered_in_error.is_(False),
        )
        .group_by(SupportAction.case_id)
    )
    return {case_id: int(n) for case_id, n in session.execute(stmt).all()}
