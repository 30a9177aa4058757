"""What would make a return wrong, found by the database: each check a count and the first
few records (with their ids, so the UI opens them to fix). Cases are those active in the
period: referred before its end and not closed before its start."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

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


def _people(f: Filter) -> Any:
    """People with a case active in the period (one row each)."""
    return select(Case.person_id).where(*active_in(f))


def _person_check(condition: ColumnElement[bool]) -> Any:
    def check(f: Filter) -> Any:
        return (select(Person.id, Person.id, Person.given_name, Person.family_name)
                .where(Person.id.in_(_people(f)), Person.entered_in_error.is_(False),
                       Person.merged_into.is_(None), condition))
    return check


def _case_check(*conditions: ColumnElement[bool]) -> Any:
    def check(f: Filter) -> Any:
        return (select(Case.id, Case.id, Person.given_name, Person.family_name)
                .join(Person, Person.id == Case.person_id).where(*active_in(f), *conditions))
    return check


def _unsigned_screenings(f: Filter) -> Any:
    return (select(Screening.id, Screening.case_id, Person.given_name, Person.family_name)
            .join(Case, Case.id == Screening.case_id).join(Person, Person.id == Case.person_id)
            .where(*active_in(f), Screening.entered_in_error.is_(False),
                   Screening.state != "signed-off"))


def checks(now: datetime, open_before: datetime, unseen_before: datetime
           ) -> dict[str, Any]:
    """Each check by its stable code: a function of the filter giving the rows it finds."""
    no_outcome = ~select(Outcome.id).where(Outcome.case_id == Case.id,
                                           Outcome.entered_in_error.is_(False)).exists()
    return {
        "nhs-number-missing": _person_check(or_(Person.nhs_number.is_(None),
                                                Person.nhs_number == "")),
        "nhs-number-unverified": _person_check(and_(Person.nhs_number.is_not(None),
                                                    Person.nhs_number != "",
                                                    Person.nhs_number_status != "verified")),
        "ethnicity-missing": _person_check(or_(Person.ethnic_category.is_(None),
                                               Person.ethnic_category.in_(UNKNOWN_ETHNICITY))),
        "sex-missing": _person_check(or_(Person.sex.is_(None),
                                         Person.sex.in_(UNKNOWN_SEX))),
        "gp-missing": _person_check(or_(Person.gp_practice.is_(None),
                                        Person.gp_practice == "")),
        "referral-without-contact": _case_check(Case.seen_at.is_(None),
                                                Case.referral_time < unseen_before),
        "screening-not-signed-off": _unsigned_screenings,
        "case-open-too-long": _case_check(Case.closed_at.is_(None),
                                          Case.referral_time < open_before),
        "outcome-missing-at-closure": _case_check(Case.closed_at.is_not(None), no_outcome),
    }


def count_and_first(db: Session, stmt: Any, limit: int) -> tuple[int, list[Row]]:
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = [(r, c, g, fam) for r, c, g, fam in db.execute(stmt.limit(limit))] if total else []
    return int(total), rows
