"""The dashboard's figures, counted by the database (GROUP BY), never by loading rows.

Every query takes the same filter: the sites, optionally one practitioner's own work (the
cases they hold), and a half-open period ``[start, end)``. Cases count in a period by their
referral time (a cohort: of the people referred this month, how many were seen, and how
quickly); child records count by their own time (escalation requested, referral made,
information shared, consent decided); outcomes by the case's closure time. Records entered
in error never count.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, distinct, func, select, text, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement

from ld_desktop.store.models import (
    Case,
    Consent,
    Escalation,
    InformationShare,
    OnwardReferral,
    Outcome,
    Person,
    Site,
)
from ld_desktop.store.report_sql import is_youth, minutes_between, unindexed


@dataclass(frozen=True)
class Filter:
    site_ids: tuple[uuid.UUID, ...]
    start: datetime
    end: datetime
    holder: str | None = None          # a practitioner's own work: the cases they hold


def case_filter(f: Filter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [unindexed(Case.site_id).in_(f.site_ids),
                                        Case.entered_in_error.is_(False)]
    if f.holder is not None:
        found.append(unindexed(Case.holder) == f.holder)
    return found


def _referred_in(f: Filter) -> list[ColumnElement[bool]]:
    return [*case_filter(f), Case.referral_time >= f.start, Case.referral_time < f.end]


def _youth() -> ColumnElement[bool]:
    return is_youth(Person.date_of_birth, Case.referral_time)


def referrals_by(db: Session, f: Filter, column: str) -> list[tuple[str, int, int]]:
    """(code, referrals, of which youth) by ``referral_source`` or ``contact_type``."""
    key = getattr(Case, column)
    rows = db.execute(
        select(key, func.count(), func.sum(case((_youth(), 1), else_=0)))
        .select_from(Case).join(Person, Person.id == Case.person_id)
        .where(*_referred_in(f)).group_by(key).order_by(key))
    return [(str(code), int(n), int(youth or 0)) for code, n, youth in rows]


def pathway_reached(db: Session, f: Filter) -> dict[str, tuple[int, int]]:
    """Of the people referred in the period: {step: (people, of whom youth)} for referred,
    seen, screened and assessed (distinct people, so a repeat referral counts once)."""
    youth_person = case((_youth(), Case.person_id), else_=None)
    columns: list[Any] = []
    for stamp in (None, Case.seen_at, Case.screened_at, Case.assessed_at):
        person = Case.person_id if stamp is None else case((stamp.is_not(None), Case.person_id))
        young = youth_person if stamp is None else case(
            (and_(stamp.is_not(None), _youth()), Case.person_id))
        columns += [func.count(distinct(person)), func.count(distinct(young))]
    row = db.execute(select(*columns).select_from(Case)
                     .join(Person, Person.id == Case.person_id).where(*_referred_in(f))).one()
    steps = ("referred", "seen", "screened", "assessed")
    return {step: (int(row[2 * i]), int(row[2 * i + 1])) for i, step in enumerate(steps)}


@dataclass(frozen=True)
class TimelinessCounts:
    referred: int
    seen: int
    seen_within: int
    mean_minutes_to_seen: float | None
    screened: int
    screened_within: int
    mean_minutes_seen_to_screened: float | None


def timeliness(db: Session, f: Filter, referral_to_seen: int,
               referral_to_screened: int) -> TimelinessCounts:
    to_seen = minutes_between(Case.seen_at, Case.referral_time)
    to_screened = minutes_between(Case.screened_at, Case.referral_time)
    seen_to_screened = minutes_between(Case.screened_at, Case.seen_at)
    row = db.execute(select(
        func.count(),
        func.count(Case.seen_at),
        func.sum(case((to_seen <= referral_to_seen, 1), else_=0)),
        func.avg(to_seen),
        func.count(Case.screened_at),
        func.sum(case((to_screened <= referral_to_screened, 1), else_=0)),
        func.avg(case((Case.seen_at.is_not(None), seen_to_screened))),
    ).where(*_referred_in(f))).one()
    return TimelinessCounts(
        referred=int(row[0]), seen=int(row[1]), seen_within=int(row[2] or 0),
        mean_minutes_to_seen=None if row[3] is None else float(row[3]),
        screened=int(row[4]), screened_within=int(row[5] or 0),
        mean_minutes_seen_to_screened=None if row[6] is None else float(row[6]))


def needs_found(db: Session, f: Filter) -> list[tuple[str, int]]:
    """(vulnerability domain, people screened with it) for cases referred and screened."""
    dialect = db.get_bind().dialect.name
    expand = "json_array_elements_text" if dialect == "postgresql" else "json_each"
    flags = getattr(func, expand)(Case.flags).table_valued("value")
    rows = db.execute(
        select(flags.c.value, func.count(distinct(Case.person_id)))
        .select_from(Case).join(flags, true())
        .where(*_referred_in(f), Case.screened_at.is_not(None))
        .group_by(flags.c.value).order_by(func.count(distinct(Case.person_id)).desc(),
                                          flags.c.value))
    return [(str(code), int(n)) for code, n in rows]


def _child(model: Any, f: Filter, stamp: Any) -> Select[Any]:
    return (select().select_from(model).join(Case, Case.id == model.case_id)
            .where(*case_filter(f), model.entered_in_error.is_(False),
                   stamp >= _bound(stamp, f.start), stamp < _bound(stamp, f.end)))


def _bound(stamp: Any, moment: datetime) -> datetime | date:
    """Date columns are compared with the date of the period's bounds."""
    return moment.date() if stamp.type.python_type is date else moment


def escalations_by_status(db: Session, f: Filter) -> list[tuple[str, int]]:
    stmt = _child(Escalation, f, Escalation.requested_at).add_columns(
        Escalation.status, func.count()).group_by(Escalation.status).order_by(Escalation.status)
    return [(str(s), int(n)) for s, n in db.execute(stmt)]


def onward_by_service(db: Session, f: Filter) -> list[tuple[str, str, str, int]]:
    """(service code, service name, status, count) for referrals made in the period."""
    stmt = _child(OnwardReferral, f, OnwardReferral.made_on).add_columns(
        OnwardReferral.service_code, func.max(OnwardReferral.service_name),
        OnwardReferral.status, func.count(),
    ).group_by(OnwardReferral.service_code, OnwardReferral.status).order_by(
        OnwardReferral.service_code, OnwardReferral.status)
    return [(str(c), str(name), str(s), int(n)) for c, name, s, n in db.execute(stmt)]


def shares_by_recipient(db: Session, f: Filter) -> list[tuple[str, int]]:
    stmt = _child(InformationShare, f, InformationShare.shared_at).add_columns(
        InformationShare.recipient, func.count()).group_by(
        InformationShare.recipient).order_by(InformationShare.recipient)
    return [(str(r), int(n)) for r, n in db.execute(stmt)]


def sharing_decisions(db: Session, f: Filter) -> tuple[int, int]:
    """(decisions about sharing, of which declined or withdrawn) made in the period."""
    stmt = _child(Consent, f, Consent.decided_at).add_columns(
        func.count(), func.sum(case((Consent.decision.in_(("declined", "withdrawn")), 1),
                                    else_=0))).where(Consent.scope != "assessment")
    total, refused = db.execute(stmt).one()
    return int(total), int(refused or 0)


def outcomes_at_closure(db: Session, f: Filter) -> list[tuple[str, int]]:
    """(disposal, cases) for cases closed in the period; "" for closed with no outcome."""
    disposal = func.coalesce(Outcome.disposal, "")
    stmt = (select(disposal, func.count(distinct(Case.id))).select_from(Case)
            .outerjoin(Outcome, and_(Outcome.case_id == Case.id,
                                     Outcome.entered_in_error.is_(False)))
            .where(*case_filter(f), Case.closed_at >= f.start, Case.closed_at < f.end)
            .group_by(disposal).order_by(disposal))
    return [(str(d), int(n)) for d, n in db.execute(stmt)]


def repeat_attenders(db: Session, f: Filter, since: datetime) -> tuple[int, int]:
    """(people referred in the period and seen, of whom seen on an earlier case since
    ``since``): repeat attendance within 12 months, found through (person, seen) index
    probes for the period's people only."""
    earlier = aliased(Case)
    repeat = (select(earlier.id).where(earlier.person_id == Case.person_id,
                                       earlier.seen_at >= since, earlier.seen_at < Case.seen_at,
                                       earlier.entered_in_error.is_(False))
              .exists())
    total, repeated = db.execute(select(
        func.count(distinct(Case.person_id)),
        func.count(distinct(case((repeat, Case.person_id)))))
        .where(*_referred_in(f), Case.seen_at.is_not(None))).one()
    return int(total), int(repeated or 0)


def site_names(db: Session, site_ids: tuple[uuid.UUID, ...]) -> dict[uuid.UUID, str]:
    return {i: n for i, n in db.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids)))}


def sites_with_hours(db: Session, site_ids: tuple[uuid.UUID, ...]
                     ) -> list[tuple[uuid.UUID, str, str, dict[str, Any]]]:
    """(id, name, kind, core hours as stored) of each site."""
    return [(i, n, k, dict(h or {})) for i, n, k, h in db.execute(
        select(Site.id, Site.name, Site.kind, Site.core_hours).where(Site.id.in_(site_ids))
        .order_by(Site.name))]


DRILL_LIMIT = 1000


def drill_down(db: Session, f: Filter, figure: str, key: str
               ) -> list[tuple[uuid.UUID, str, str, str, datetime, str]]:
    """The cases behind one bar: (case id, given, family, site, referral time, stage),
    newest first, at most ``DRILL_LIMIT``. Unknown figures select nothing."""
    stmt = (select(Case.id, Person.given_name, Person.family_name, Site.name,
                   Case.referral_time, Case.stage)
            .join(Person, Person.id == Case.person_id).join(Site, Site.id == Case.site_id))
    if figure in ("referrals-by-source", "referrals-by-contact", "pathway", "needs-found"):
        stmt = stmt.where(*_referred_in(f))
        if figure == "referrals-by-source":
            stmt = stmt.where(Case.referral_source == key)
        elif figure == "referrals-by-contact":
            stmt = stmt.where(Case.contact_type == key)
        elif figure == "pathway":
            stamp = {"seen": Case.seen_at, "screened": Case.screened_at,
                     "assessed": Case.assessed_at}.get(key)
            if stamp is not None:
                stmt = stmt.where(stamp.is_not(None))
        else:
            dialect = db.get_bind().dialect.name
            expand = "json_array_elements_text" if dialect == "postgresql" else "json_each"
            flags = getattr(func, expand)(Case.flags).table_valued("value")
            stmt = stmt.where(Case.screened_at.is_not(None), select(flags.c.value).where(
                flags.c.value == key).exists())
    elif figure == "escalations":
        stmt = stmt.where(Case.id.in_(_child(Escalation, f, Escalation.requested_at)
                                      .add_columns(Escalation.case_id)
                                      .where(Escalation.status == key)))
    elif figure == "onward-referrals":
        code, _, measure = key.partition("|")
        from_statuses = {"made": ("made", "accepted", "declined", "attended", "did-not-attend"),
                         "accepted": ("accepted", "attended", "did-not-attend"),
                         "declined": ("declined",), "engaged": ("attended",)}.get(measure, ())
        stmt = stmt.where(Case.id.in_(_child(OnwardReferral, f, OnwardReferral.made_on)
                                      .add_columns(OnwardReferral.case_id)
                                      .where(OnwardReferral.service_code == code,
                                             OnwardReferral.status.in_(from_statuses))))
    elif figure == "information-shared":
        stmt = stmt.where(Case.id.in_(_child(InformationShare, f, InformationShare.shared_at)
                                      .add_columns(InformationShare.case_id)
                                      .where(InformationShare.recipient == key)))
    elif figure == "outcomes":
        stmt = stmt.where(*case_filter(f), Case.closed_at >= f.start, Case.closed_at < f.end)
        with_outcome = select(Outcome.case_id).where(Outcome.entered_in_error.is_(False))
        stmt = stmt.where(Case.id.not_in(with_outcome) if key == "none" else Case.id.in_(
            with_outcome.where(Outcome.disposal == key)))
    else:
        return []
    rows = db.execute(stmt.order_by(Case.referral_time.desc()).limit(DRILL_LIMIT))
    return [(i, g, fam, s, t, st) for i, g, fam, s, t, st in rows]


REPORT_CACHE_MIB = 128


def widen_page_cache(db: Session) -> None:
    """Give this (pooled) connection a larger page cache before a report: every SQLCipher
    page read is decrypted, and a dashboard revisits the same month's pages for each figure
    and again next time (315 ms cold, 63 ms warm for one figure at 100k cases). Memory only;
    the cache goes with the connection when the store locks."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text(f"PRAGMA cache_size = -{REPORT_CACHE_MIB * 1024}"))


def refresh_planner_statistics(db: Session) -> None:
    """Let SQLite gather the statistics its planner lacks (``PRAGMA optimize``, all tables,
    bounded by ``analysis_limit``): with them it reads a person's age from the covering
    ``(id, date_of_birth)`` index instead of the row. Measured at 100k cases: the dashboard
    927 ms -> 430 ms warm; the first ANALYZE took 460 ms, later calls are near free."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("PRAGMA analysis_limit = 400"))
        db.execute(text("PRAGMA optimize = 0x10002"))
