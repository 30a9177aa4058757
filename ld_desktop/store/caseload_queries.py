"""The caseload board in SQL: open cases ordered most urgent first, a page at a time, with
the totals counted in the database (issue 17: 66,000 open cases must not be loaded to show
the first screenful).

The order is the board's: urgency (urgent, soon, routine), then how many targets the case
has missed (seen late or not yet seen, screened late or not yet screened, follow-ups overdue
counted once), then the longest waiting, then the case id so pages never overlap.

Both statements are built once, with bound parameters for the sites, stages, the time now
and the targets, and read everything they filter, count and order by from the board index
(``ix_case_board``) alone: a case row is read only for the page's own lines.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Row,
    Select,
    bindparam,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.store.models import Case, Person, Site, SupportAction

URGENCY_RANK = {"routine": 0, "soon": 1, "urgent": 2}
# What a line of the board shows (services.cases builds its CaseRow from these names).
BOARD_COLUMNS = (
    Case.id, Case.person_id, Person.family_name, Person.given_name, Person.date_of_birth,
    Case.site_id, Site.name.label("site_name"), Case.stage, Case.urgency, Case.referral_time,
    Case.custody_record_number, Case.contact_type, Case.holder, Case.flags, Case.risk_level,
    Case.seen_at, Case.screened_at)
BoardRow = Row[Any]


@dataclass(frozen=True)
class CaseloadTotals:
    open_cases: int
    overdue: int          # cases with at least one missed target or overdue follow-up
    high_risk: int


def _time(name: str) -> BindParameter[datetime]:
    return bindparam(name, type_=Case.referral_time.type)


def _missed(milestone: InstrumentedAttribute[datetime | None], target: str
            ) -> ColumnElement[int]:
    """1 when the milestone came later than the target after referral, or has not come and
    that time has passed; as ``domain.targets.breaches`` decides it. Parameters:
    ``<target>_before`` (now less the target) and ``<target>_days`` (the target in days)."""
    late_by_now = Case.referral_time < _time(f"{target}_before")
    came_late = (func.julianday(milestone) - func.julianday(Case.referral_time)
                 > bindparam(f"{target}_days", type_=Float()))
    return case((milestone.is_(None), cast(late_by_now, Integer)),
                else_=cast(came_late, Integer))


_SITES: BindParameter[list[uuid.UUID]] = bindparam("sites", expanding=True)
_STAGES: BindParameter[list[str]] = bindparam("stages", expanding=True)
_OVERDUE = (
    select(SupportAction.case_id.label("case_id"), func.count().label("n"))
    .where(SupportAction.site_id.in_(_SITES), SupportAction.done_at.is_(None),
           SupportAction.due_at < _time("now"), SupportAction.entered_in_error.is_(False))
    .group_by(SupportAction.case_id)
    .subquery("overdue_actions")
)
_MISSED = case(
    (Case.stage == "closed", 0),
    else_=_missed(Case.seen_at, "seen") + _missed(Case.screened_at, "screened")
    + case((_OVERDUE.c.n.is_(None), 0), else_=1),
)
_OPEN_AT_SITES = (Case.site_id.in_(_SITES), Case.entered_in_error.is_(False),
                  Case.stage.in_(_STAGES))

_TOTALS = (
    select(func.count(),
           func.coalesce(func.sum(case((_MISSED > 0, 1), else_=0)), 0),
           func.coalesce(func.sum(case((Case.risk_level == RiskLevel.HIGH, 1), else_=0)), 0))
    .select_from(Case)
    .outerjoin(_OVERDUE, _OVERDUE.c.case_id == Case.id)
    .where(*_OPEN_AT_SITES)
)


def _page_statement() -> Select[*tuple[Any, ...]]:
    rank = case(URGENCY_RANK, value=Case.urgency, else_=0).label("rank")
    missed = _MISSED.label("missed")
    page = (
        select(Case.id.label("id"), rank, missed, Case.referral_time.label("referral_time"),
               _OVERDUE.c.n)
        .select_from(Case)
        .outerjoin(_OVERDUE, _OVERDUE.c.case_id == Case.id)
        .where(*_OPEN_AT_SITES)
        .order_by(rank.desc(), missed.desc(), Case.referral_time.asc(), Case.id.asc())
        .offset(bindparam("offset")).limit(bindparam("limit"))
        .subquery("board_page")
    )
    return (
        select(*BOARD_COLUMNS, func.coalesce(page.c.n, 0).label("overdue_actions"))
        .select_from(page)
        .join(Case, Case.id == page.c.id)
        .join(Person, Person.id == Case.person_id)
        .join(Site, Site.id == Case.site_id)
        .order_by(page.c.rank.desc(), page.c.missed.desc(), page.c.referral_time.asc(),
                  page.c.id.asc())
    )


_PAGE = _page_statement()


def _params(site_ids: Sequence[uuid.UUID], stages: Sequence[str], seen_minutes: int,
            screened_minutes: int, now: datetime) -> dict[str, Any]:
    return {"sites": list(site_ids), "stages": list(stages), "now": now,
            "seen_before": now - timedelta(minutes=seen_minutes),
            "seen_days": seen_minutes / 1440.0,
            "screened_before": now - timedelta(minutes=screened_minutes),
            "screened_days": screened_minutes / 1440.0}


def caseload_page(session: Session, site_ids: Sequence[uuid.UUID], stages: Sequence[str],
                  seen_minutes: int, screened_minutes: int, now: datetime, offset: int,
                  limit: int) -> list[BoardRow]:
    """One page of the board, in its order: the columns a board line shows (``BOARD_COLUMNS``
    and ``overdue_actions``, the follow-ups overdue), as Core rows.

    Two steps in one statement: the page's case ids are chosen and ordered from the board
    index alone (no case row is read to order 66,000 of them), then only those cases are
    read, with their person's name and their site's."""
    if not site_ids or not stages:
        return []
    params = _params(site_ids, stages, seen_minutes, screened_minutes, now)
    return list(session.connection().execute(_PAGE, {**params, "offset": offset,
                                                     "limit": limit}))


def caseload_totals(session: Session, site_ids: Sequence[uuid.UUID], stages: Sequence[str],
                    seen_minutes: int, screened_minutes: int, now: datetime
                    ) -> CaseloadTotals:
    """Counted from the board index alone: no join to the person or site (every case has
    both: foreign keys), no case row read."""
    if not site_ids or not stages:
        return CaseloadTotals(0, 0, 0)
    params = _params(site_ids, stages, seen_minutes, screened_minutes, now)
    total, late, high = session.connection().execute(_TOTALS, params).one()
    return CaseloadTotals(int(total), int(late), int(high))
