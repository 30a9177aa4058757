"""What would make a return wrong, found by the database: each check a count and the first
few records (with their ids, so the UI opens them to fix). Cases are those active in the
period: referred before its end and not closed before its start."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.store.models import Case, Outcome, Person, Screening
from ld_desktop.store.report_queries import Filter, case_filter
from ld_desktop.store.report_sql import unindexed

#: ethnic category codes that say nothing: Z "Not stated", 99 "Not known"
UNKNOWN_ETHNICITY = ("Z", "99", "")
#: PERSON PHENOTYPIC SEX codes that say nothing: X "Not known (not recorded)"
UNKNOWN_SEX = ("X", "")
Row = tuple[uuid.UUID, uuid.UUID, str, str]   # record id, case id, given, family


def active_in(f: Filter) -> list[ColumnElement[bool]]:
    """Referred before the end, not closed before the start. Found through the closure
    index (open cases, and those closed since the start), which holds few of them."""
    return [*case_filter(f), unindexed(Case.referral_time) < f.end,
            or_(Case.closed_at.is_(None), Case.closed_at >= f.start)]


def _live_person() -> ColumnElement[bool]:
    return and_(Person.entered_in_error.is_(False), Person.merged_into.is_(None))


def person_conditions() -> dict[str, ColumnElement[bool]]:
    return {
        "nhs-number-missing": or_(Person.nhs_number.is_(None), Person.nhs_number == ""),
        "nhs-number-unverified": and_(Person.nhs_number.is_not(None), Person.nhs_number != "",
                                      Person.nhs_number_status != NhsNumberStatus.VERIFIED),
        "ethnicity-missing": or_(Person.ethnic_category.is_(None),
                                 Person.ethnic_category.in_(UNKNOWN_ETHNICITY)),
        "sex-missing": or_(Person.sex.is_(None), Person.sex.in_(UNKNOWN_SEX)),
        "gp-missing": or_(Person.gp_practice.is_(None), Person.gp_practice == ""),
    }


def case_conditions(open_before: datetime, unseen_before: datetime
                    ) -> dict[str, ColumnElement[bool]]:
    no_outcome = ~select(Outcome.id).where(Outcome.case_id == Case.id,
                                           Outcome.entered_in_error.is_(False)).exists()
    return {
        "referral-without-contact": and_(Case.seen_at.is_(None),
                                         Case.referral_time < unseen_before),
        "case-open-too-long": and_(Case.closed_at.is_(None), Case.referral_time < open_before),
        "outcome-missing-at-closure": and_(Case.closed_at.is_not(None), no_outcome),
    }


UNSIGNED = "screening-not-signed-off"


def counts(db: Session, f: Filter, open_before: datetime, unseen_before: datetime
           ) -> dict[str, int]:
    """Every check's count in two passes over the period's active cases."""
    people, cases = person_conditions(), case_conditions(open_before, unseen_before)
    columns: list[Any] = [func.count(distinct(case((and_(cond, _live_person()), Person.id))))
                          for cond in people.values()]
    columns += [func.sum(case((cond, 1), else_=0)) for cond in cases.values()]
    row = db.execute(select(*columns).select_from(Case)
                     .join(Person, Person.id == Case.person_id).where(*active_in(f))).one()
    found = {code: int(value or 0) for code, value in zip([*people, *cases], row, strict=True)}
    found[UNSIGNED] = int(db.execute(
        select(func.count()).select_from(Screening).join(Case, Case.id == Screening.case_id)
        .where(*active_in(f), Screening.entered_in_error.is_(False),
               Screening.state != ScreeningState.SIGNED_OFF)).scalar_one())
    return found


def first_rows(db: Session, f: Filter, code: str, open_before: datetime,
               unseen_before: datetime, limit: int) -> list[Row]:
    """The first ``limit`` records a check finds: (record at fault, record to open, given
    and family name). Stops as soon as it has them."""
    if code == UNSIGNED:
        stmt = (select(Screening.id, Screening.case_id, Person.given_name, Person.family_name)
                .join(Case, Case.id == Screening.case_id)
                .join(Person, Person.id == Case.person_id)
                .where(*active_in(f), Screening.entered_in_error.is_(False),
                       Screening.state != ScreeningState.SIGNED_OFF))
    elif code in (people := person_conditions()):
        stmt = (select(Person.id, Person.id, Person.given_name, Person.family_name).distinct()
                .select_from(Case).join(Person, Person.id == Case.person_id)
                .where(*active_in(f), _live_person(), people[code]))
    else:
        stmt = (select(Case.id, Case.id, Person.given_name, Person.family_name)
                .join(Person, Person.id == Case.person_id)
                .where(*active_in(f), case_conditions(open_before, unseen_before)[code]))
    return [(r, c, g, fam) for r, c, g, fam in db.execute(stmt.limit(limit))]


