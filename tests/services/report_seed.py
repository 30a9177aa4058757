"""A small store for the reports tests whose right answers are known by construction.

October 2026 at two sites (times UTC). People: P1 adult (two cases: a repeat attender),
P2 aged 15 (youth), P3 adult, P4 adult (September only). Each case's comment says what it
must count towards; tests/services/test_reports_*.py assert exactly those numbers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ld_desktop.domain.sites import site_id_for
from ld_desktop.services.session import UserSession
from ld_desktop.store.models import (
    Case,
    Consent,
    Escalation,
    InformationShare,
    OnwardReferral,
    Outcome,
    Person,
    RotaEntry,
    Screening,
)

from .support import NORTH_SITE, SOUTH_SITE

OCT = datetime(2026, 10, 1, tzinfo=UTC)


@dataclass
class Seeded:
    cases: dict[str, uuid.UUID] = field(default_factory=dict)
    people: dict[str, uuid.UUID] = field(default_factory=dict)
    records: dict[str, uuid.UUID] = field(default_factory=dict)


def seed_october(session: UserSession) -> Seeded:
    north, south = site_id_for(NORTH_SITE), site_id_for(SOUTH_SITE)
    out = Seeded()
    with session.store.unit_of_work(session.user.username) as uow:
        def person(key: str, site: uuid.UUID, born: date, **extra: object) -> Person:
            p = Person(site_id=site, given_name="Reporty", family_name=f"Fictional{key}",
                       date_of_birth=born, **extra)
            uow.changes.create(p)
            out.people[key] = p.id
            return p

        p1 = person("P1", north, date(1980, 3, 4), gender="male", sex="1", ethnic_category="A",
                    nhs_number="9990000018", nhs_number_status="verified",
                    gp_practice="Fictional Surgery (A99999)")
        p2 = person("P2", north, date(2011, 6, 1), gender="female", sex="2", ethnic_category="B",
                    nhs_number="9990000026", nhs_number_status="unverified",
                    gp_practice="Fictional Surgery (A99999)")          # 15 in October 2026
        p3 = person("P3", north, date(1990, 1, 1))                     # nothing known
        p4 = person("P4", north, date(1975, 5, 5), gender="male", sex="1", ethnic_category="C",
                    nhs_number="9990000034", nhs_number_status="verified", gp_practice="GP")

        def case(key: str, who: Person, site: uuid.UUID, holder: str, at: datetime,
                 source: str, contact: str, **extra: object) -> Case:
            c = Case(person_id=who.id, site_id=site, referral_source=source, referral_time=at,
                     contact_type=contact, holder=holder, **extra)
            uow.changes.create(c)
            out.cases[key] = c.id
            return c

        t1 = OCT + timedelta(days=2, hours=10)
        c1 = case("C1", p1, north, "north1", t1, "custody-sergeant", "arrested",
                  seen_at=t1 + timedelta(minutes=60), screened_at=t1 + timedelta(minutes=200),
                  assessed_at=t1 + timedelta(minutes=300), closed_at=t1 + timedelta(days=3),
                  stage="closed", flags=["mental-health", "alcohol"])
        t2 = OCT + timedelta(days=9, hours=14)
        c2 = case("C2", p2, north, "north1", t2, "solicitor", "voluntary-attendance",
                  seen_at=t2 + timedelta(minutes=150), screened_at=t2 + timedelta(minutes=400),
                  stage="screened", flags=["mental-health"])
        t3 = OCT + timedelta(days=20, hours=9)
        case("C3", p1, south, "south1", t3, "court", "court",
             seen_at=t3 + timedelta(minutes=30), closed_at=t3 + timedelta(days=1),
             stage="closed")                                           # closed, no outcome
        t4 = OCT + timedelta(days=25, hours=22)
        case("C4", p3, north, "senior1", t4, "custody-sergeant", "arrested")   # not seen
        case("C5", p3, north, "north1", t4, "custody-sergeant", "arrested",
             entered_in_error=True)                                    # never counts
        t6 = OCT - timedelta(days=10)
        case("C6", p4, north, "north1", t6, "custody-sergeant", "arrested",
             seen_at=t6 + timedelta(minutes=90))                       # September
        case("C7", p4, north, "north1", OCT + timedelta(days=40), "court", "court")  # November

        def child(key: str, record: object) -> None:
            uow.changes.create(record)  # type: ignore[arg-type]
            out.records[key] = record.id  # type: ignore[attr-defined]

        child("E1", Escalation(case_id=c1.id, site_id=north, recorded_by="north1",
                               clinician_type="mental-health-nurse", urgency="urgent",
                               status="completed", reason="Low mood",
                               requested_at=t1 + timedelta(minutes=70)))
        child("R1", OnwardReferral(case_id=c1.id, site_id=north, recorded_by="north1",
                                   service_code="cmht", service_name="Community mental health team",
                                   status="attended", made_on=t1.date()))
        child("R2", OnwardReferral(case_id=c2.id, site_id=north, recorded_by="north1",
                                   service_code="cmht", service_name="Community mental health team",
                                   status="declined", made_on=t2.date()))
        child("S1", InformationShare(case_id=c1.id, site_id=north, recorded_by="north1",
                                     recipient="police", shared_at=t1 + timedelta(hours=5)))
        child("K1", Consent(case_id=c1.id, site_id=north, recorded_by="north1", scope="police",
                            decision="given", decided_at=t1 + timedelta(hours=4)))
        child("K2", Consent(case_id=c2.id, site_id=north, recorded_by="north1", scope="cps",
                            decision="declined", decided_at=t2 + timedelta(hours=4)))
        child("K3", Consent(case_id=c2.id, site_id=north, recorded_by="north1",
                            scope="assessment", decision="given", decided_at=t2))
        child("O1", Outcome(case_id=c1.id, site_id=north, disposal="caution",
                            diversion_outcome="Engaged with CMHT", recorded_by="north1"))
        child("Q1", Screening(case_id=c1.id, site_id=north, recorded_by="north1",
                              instrument_id="phq9", instrument_version="1.0",
                              result={"scores": {"total": {"value": 12, "complete": True}}},
                              state="signed-off", started_at=t1,
                              completed_at=t1, signed_off_at=t1, signed_off_by="senior1"))
        child("Q2", Screening(case_id=c2.id, site_id=north, recorded_by="north1",
                              instrument_id="gad7", instrument_version="1.0",
                              result={"scores": {"total": {"value": 9, "complete": True}}},
                              state="completed", started_at=t2,
                              completed_at=t2))                        # never signed off
        t4s = t4 + timedelta(hours=1)
        child("Q3", Screening(case_id=out.cases["C4"], site_id=north, recorded_by="senior1",
                              instrument_id="gad7", instrument_version="1.0",
                              result={"scores": {"total": {"value": 4, "complete": True}}},
                              state="signed-off", started_at=t4s, completed_at=t4s,
                              signed_off_at=t4s, signed_off_by="senior1"))   # not seen: MHS606
        child("W1", RotaEntry(site_id=north, username="north1", on_date=date(2026, 10, 5),
                              starts="07:00", ends="15:00"))
    return out
