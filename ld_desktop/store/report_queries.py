"""What every report query shares, and the dashboard's drill-down (the figures themselves
are counted in dashboard_queries, this period and the one before together).

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

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from ld_desktop.store.models import (
    Case,
    Escalation,
    InformationShare,
    OnwardReferral,
    Outcome,
    Person,
    Site,
)
from ld_desktop.store.report_sql import unindexed


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


def referred_in(f: Filter) -> list[ColumnElement[bool]]:
    """Cases referred in the period (the cohort the dashboard follows)."""
    return [*case_filter(f), Case.referral_time >= f.start, Case.referral_time < f.end]


def child_records(model: Any, f: Filter, stamp: Any) -> Select[Any]:
    """A case's child records (escalations, referrals made...) by their own time."""
    return (select().select_from(model).join(Case, Case.id == model.case_id)
            .where(*case_filter(f), model.entered_in_error.is_(False),
                   stamp >= _bound(stamp, f.start), stamp < _bound(stamp, f.end)))


def _bound(stamp: Any, moment: datetime) -> datetime | date:
    """Date columns are compared with the date of the period's bounds."""
    return moment.date() if stamp.type.python_type is date else moment


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
        stmt = stmt.where(*referred_in(f))
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
        stmt = stmt.where(Case.id.in_(child_records(Escalation, f, Escalation.requested_at)
                                      .add_columns(Escalation.case_id)
                                      .where(Escalation.status == key)))
    elif figure == "onward-referrals":
        code, _, measure = key.partition("|")
        from_statuses = {"made": ("made", "accepted", "declined", "attended", "did-not-attend"),
                         "accepted": ("accepted", "attended", "did-not-attend"),
                         "declined": ("declined",), "engaged": ("attended",)}.get(measure, ())
        stmt = stmt.where(Case.id.in_(child_records(OnwardReferral, f, OnwardReferral.made_on)
                                      .add_columns(OnwardReferral.case_id)
                                      .where(OnwardReferral.service_code == code,
                                             OnwardReferral.status.in_(from_statuses))))
    elif figure == "information-shared":
        stmt = stmt.where(Case.id.in_(child_records(InformationShare, f, InformationShare.shared_at)
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


def refresh_planner_statistics(db: Session) -> None:
    """Let SQLite gather the statistics its planner lacks (``PRAGMA optimize``, all tables,
    bounded by ``analysis_limit``): with them it reads a person's age from the covering
    ``(id, date_of_birth)`` index instead of the row. Measured at 100k cases: the dashboard
    927 ms -> 430 ms warm; the first ANALYZE took 460 ms, later calls are near free."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("PRAGMA analysis_limit = 400"))
        db.execute(text("PRAGMA optimize = 0x10002"))
