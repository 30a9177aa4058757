"""The caseload board in SQL: open cases ordered most urgent first, a page at a time, with
the totals counted in the database (issue 17: 66,000 open cases must not be loaded to show
the first screenful).

The order is the board's: urgency (urgent, soon, routine), then how many targets the case
has missed (seen late or not yet seen, screened late or not yet screened, follow-ups overdue
counted once), then the longest waiting, then the case id so pages never overlap.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.store.case_queries import CaseQuery, _base, _filtered
from ld_desktop.store.models import Case, Person, Site, SupportAction

URGENCY_RANK = {"routine": 0, "soon": 1, "urgent": 2}


@dataclass(frozen=True)
class CaseloadTotals:
    open_cases: int
    overdue: int          # cases with at least one missed target or overdue follow-up
    high_risk: int


def _missed(milestone: InstrumentedAttribute[datetime | None], minutes: int, now: datetime
            ) -> ColumnElement[int]:
    """1 when the milestone came later than ``minutes`` after referral, or has not come and
    that time has passed; as ``domain.targets.breaches`` decides it."""
    late_by_now = Case.referral_time < now - timedelta(minutes=minutes)
    came_late = (func.julianday(milestone) - func.julianday(Case.referral_time)
                 > minutes / 1440.0)
    return case((milestone.is_(None), cast(late_by_now, Integer)),
                else_=cast(came_late, Integer))


def _overdue_actions(site_ids: Sequence[uuid.UUID], now: datetime):  # type: ignore[no-untyped-def]
    return (
        select(SupportAction.case_id.label("case_id"), func.count().label("n"))
        .where(SupportAction.site_id.in_(site_ids), SupportAction.done_at.is_(None),
               SupportAction.due_at < now, SupportAction.entered_in_error.is_(False))
        .group_by(SupportAction.case_id)
        .subquery("overdue_actions")
    )


def _missed_count(seen_minutes: int, screened_minutes: int, now: datetime,
                  overdue_n: ColumnElement[int | None]) -> ColumnElement[int]:
    return case(
        (Case.stage == "closed", 0),
        else_=_missed(Case.seen_at, seen_minutes, now)
        + _missed(Case.screened_at, screened_minutes, now)
        + case((overdue_n.is_(None), 0), else_=1),
    )


def caseload_page(session: Session, query: CaseQuery, seen_minutes: int,
                  screened_minutes: int, now: datetime, offset: int, limit: int
                  ) -> list[tuple[Case, Person, Site, int]]:
    """(case, person, site, follow-ups overdue) for one page of the board, in its order."""
    overdue = _overdue_actions(query.site_ids, now)
    base: Select[Any] = (_base().add_columns(overdue.c.n)
                         .outerjoin(overdue, overdue.c.case_id == Case.id))
    stmt = _filtered(session, query, base)
    if stmt is None:
        return []
    rank = case(URGENCY_RANK, value=Case.urgency, else_=0)
    missed = _missed_count(seen_minutes, screened_minutes, now, overdue.c.n)
    stmt = stmt.order_by(rank.desc(), missed.desc(), Case.referral_time.asc(), Case.id.asc())
    rows = session.execute(stmt.offset(offset).limit(limit)).all()
    return [(c, p, s, int(n or 0)) for c, p, s, n in rows]


def caseload_totals(session: Session, query: CaseQuery, seen_minutes: int,
                    screened_minutes: int, now: datetime) -> CaseloadTotals:
    overdue = _overdue_actions(query.site_ids, now)
    missed = _missed_count(seen_minutes, screened_minutes, now, overdue.c.n)
    base: Select[Any] = (
        select(func.count(),
               func.coalesce(func.sum(case((missed > 0, 1), else_=0)), 0),
               func.coalesce(func.sum(case((Case.risk_level == RiskLevel.HIGH, 1), else_=0)), 0))
        .select_from(Case)
        .join(Person, Person.id == Case.person_id)
        .join(Site, Site.id == Case.site_id)
        .outerjoin(overdue, and_(overdue.c.case_id == Case.id))
    )
    stmt = _filtered(session, query, base)
    if stmt is None:
        return CaseloadTotals(0, 0, 0)
    total, late, high = session.execute(stmt).one()
    return CaseloadTotals(int(total), int(late), int(high))
