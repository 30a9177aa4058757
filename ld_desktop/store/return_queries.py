"""The monthly return's rows, streamed from the database (``yield_per``): plain tuples of
columns, never ORM objects, so a month at 100,000 cases writes without holding it in memory.
Which cases: those active in the period (see quality_queries.active_in)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.store.models import Case, OnwardReferral, Person, Screening, Site
from ld_desktop.store.quality_queries import active_in
from ld_desktop.store.report_queries import Filter
from ld_desktop.store.report_sql import age_in_years

CHUNK = 2000


def _stream(db: Session, stmt: Any) -> Iterator[tuple[Any, ...]]:
    for row in db.execute(stmt.execution_options(yield_per=CHUNK)):
        yield tuple(row)


def people(db: Session, f: Filter) -> Iterator[tuple[Any, ...]]:
    """(person id, NHS number, its status, birth date, gender, ethnic category)."""
    active = select(Case.person_id).where(*active_in(f))
    return _stream(db, select(Person.id, Person.nhs_number, Person.nhs_number_status,
                              Person.date_of_birth, Person.gender, Person.ethnic_category)
                   .where(Person.id.in_(active), Person.entered_in_error.is_(False),
                          Person.merged_into.is_(None))
                   .order_by(Person.id))


def referrals(db: Session, f: Filter) -> Iterator[tuple[Any, ...]]:
    """(case id, person id, site name, site kind, source, referral time, closed at,
    seen at, age at referral)."""
    return _stream(db, select(Case.id, Case.person_id, Site.name, Site.kind,
                              Case.referral_source, Case.referral_time, Case.closed_at,
                              Case.seen_at, age_in_years(Person.date_of_birth,
                                                         Case.referral_time))
                   .join(Site, Site.id == Case.site_id)
                   .join(Person, Person.id == Case.person_id)
                   .where(*active_in(f)).order_by(Case.referral_time, Case.id))


def contacts(db: Session, f: Filter) -> Iterator[tuple[Any, ...]]:
    """(case id, person id, site kind, seen at) for people seen in the period."""
    return _stream(db, select(Case.id, Case.person_id, Site.kind, Case.seen_at)
                   .join(Site, Site.id == Case.site_id)
                   .where(*active_in(f), Case.seen_at >= f.start, Case.seen_at < f.end)
                   .order_by(Case.seen_at, Case.id))


def onward_referrals(db: Session, f: Filter) -> Iterator[tuple[Any, ...]]:
    """(referral id, case id, person id, made on, service code, service name, status)."""
    return _stream(db, select(OnwardReferral.id, Case.id, Case.person_id,
                              OnwardReferral.made_on, OnwardReferral.service_code,
                              OnwardReferral.service_name, OnwardReferral.status)
                   .join(Case, Case.id == OnwardReferral.case_id)
                   .where(*active_in(f), OnwardReferral.entered_in_error.is_(False),
                          OnwardReferral.made_on >= f.start.date(),
                          OnwardReferral.made_on < f.end.date())
                   .order_by(OnwardReferral.made_on, OnwardReferral.id))


def scored_assessments(db: Session, f: Filter) -> Iterator[tuple[Any, ...]]:
    """(screening id, case id, person id, instrument, result, signed off at, had contact)
    for screenings signed off in the period, leaving out any since amended (the amendment
    is the one that counts)."""
    amendment = aliased(Screening)
    return _stream(db, select(Screening.id, Case.id, Case.person_id, Screening.instrument_id,
                              Screening.result, Screening.signed_off_at,
                              Case.seen_at.is_not(None))
                   .join(Case, Case.id == Screening.case_id)
                   .where(*active_in(f), Screening.entered_in_error.is_(False),
                          Screening.state == ScreeningState.SIGNED_OFF,
                          Screening.signed_off_at >= f.start, Screening.signed_off_at < f.end,
                          ~exists().where(amendment.amends_id == Screening.id,
                                          amendment.entered_in_error.is_(False)))
                   .order_by(Screening.signed_off_at, Screening.id))
