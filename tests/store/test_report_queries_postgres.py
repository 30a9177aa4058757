"""The dashboard's and data quality's statements give the same answers on PostgreSQL as on
SQLite (docs/ARCHITECTURE.md, "When one workstation is not enough": the same extract code
on a replica). Skipped when PostgreSQL is not reachable at LD_TEST_POSTGRES_URL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ld_desktop.store import dashboard_queries as dq
from ld_desktop.store import quality_queries as qq
from ld_desktop.store.models import (
    Case,
    Consent,
    Escalation,
    InformationShare,
    OnwardReferral,
    Outcome,
    Person,
    Screening,
    Site,
)
from ld_desktop.store.models.base import Base
from ld_desktop.store.report_queries import Filter

PG_URL = os.environ.get("LD_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SITE = uuid.UUID(int=1)
SPLIT = datetime(2026, 10, 1, tzinfo=UTC)
SPAN = Filter((SITE,), datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def postgres() -> Iterator[sa.Engine]:
    try:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT",
                                 connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure to connect: no PostgreSQL here
        pytest.skip(f"PostgreSQL not reachable at LD_TEST_POSTGRES_URL: {type(exc).__name__}")
    name = f"ld_reports_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = sa.create_engine(sa.make_url(PG_URL).set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _records() -> list[Any]:
    """Two people over two months: a repeat attender aged 16, an adult never seen."""
    n = iter(range(100, 1000))

    def ident() -> uuid.UUID:
        return uuid.UUID(int=next(n))

    young = Person(id=ident(), site_id=SITE, given_name="Pg", family_name="Young",
                   date_of_birth=date(2010, 5, 1))
    adult = Person(id=ident(), site_id=SITE, given_name="Pg", family_name="Adult",
                   date_of_birth=date(1980, 1, 1), nhs_number="9990000018",
                   nhs_number_status="unverified")
    t = datetime(2026, 10, 5, 10, tzinfo=UTC)
    early = Case(id=ident(), person_id=young.id, site_id=SITE, referral_source="court",
                 referral_time=t - timedelta(days=20), contact_type="court", holder="x",
                 seen_at=t - timedelta(days=20, minutes=-30))
    later = Case(id=ident(), person_id=young.id, site_id=SITE, referral_source="solicitor",
                 referral_time=t, contact_type="arrested", holder="x",
                 seen_at=t + timedelta(minutes=30), screened_at=t + timedelta(minutes=400),
                 flags=["mental-health", "alcohol"], closed_at=t + timedelta(days=1))
    unseen = Case(id=ident(), person_id=adult.id, site_id=SITE, referral_source="court",
                  referral_time=t + timedelta(days=3), contact_type="court", holder="y",
                  closed_at=t + timedelta(days=4))
    kid = {"case_id": later.id, "site_id": SITE, "recorded_by": "x"}
    return [
        Site(id=SITE, name="Pg Site"), young, adult, early, later, unseen,
        Outcome(id=ident(), **kid, disposal="caution"),
        Screening(id=ident(), **kid, instrument_id="phq9", instrument_version="1",
                  started_at=t, state="completed"),
        Escalation(id=ident(), **kid, clinician_type="nurse", urgency="soon", reason="r",
                   status="completed", requested_at=t),
        OnwardReferral(id=ident(), **kid, service_code="gp", service_name="GP",
                       status="attended", made_on=t.date()),
        OnwardReferral(id=ident(), **{**kid, "case_id": early.id}, service_code="gp",
                       service_name="GP", status="made", made_on=(t - timedelta(days=20)).date()),
        InformationShare(id=ident(), **kid, recipient="police", shared_at=t),
        Consent(id=ident(), **kid, scope="police", decision="declined", decided_at=t),
    ]


def _answers(engine: sa.Engine) -> dict[str, Any]:
    Base.metadata.create_all(engine)
    with Session(engine) as db, db.begin():
        for kind in (Site, Person, Case, object):        # parents first: no relationships
            db.add_all([r for r in _records() if isinstance(r, kind)
                        and (kind is not object or not isinstance(r, (Site, Person, Case)))])
            db.flush()
    year = timedelta(days=365)
    with Session(engine) as db:
        return {
            "cohort": dq.cohort(db, SPAN, SPLIT, 120, 240, (SPLIT - year, SPAN.end - year)),
            "escalations": dq.escalations_by_status(db, SPAN, SPLIT),
            "onward": dq.onward_by_service(db, SPAN, SPLIT),
            "shares": dq.shares_by_recipient(db, SPAN, SPLIT),
            "decisions": dq.sharing_decisions(db, SPAN, SPLIT),
            "outcomes": dq.outcomes_at_closure(db, SPAN, SPLIT),
            "quality": qq.findings(db, Filter((SITE,), SPLIT, SPAN.end),
                                   datetime(2026, 10, 6, tzinfo=UTC),
                                   datetime(2026, 10, 31, tzinfo=UTC), 200),
        }


def _rounded(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes, 4)


def test_the_report_statements_answer_alike_on_postgresql_and_sqlite(
        postgres: sa.Engine) -> None:
    on_sqlite = _answers(sa.create_engine("sqlite://"))
    on_postgres = _answers(postgres)
    for answers in (on_sqlite, on_postgres):     # SQLite's julianday: minutes to 1e-7
        for c in answers["cohort"].values():
            c.mean_minutes_to_seen = _rounded(c.mean_minutes_to_seen)
            c.mean_minutes_seen_to_screened = _rounded(c.mean_minutes_seen_to_screened)
    assert on_postgres == on_sqlite
    now = on_sqlite["cohort"][dq.NOW]
    assert now.reached["referred"] == (2, 1)         # both people; the young one once
    assert now.seen_before == 1
    assert on_sqlite["quality"][0]["screening-not-signed-off"] == 1
