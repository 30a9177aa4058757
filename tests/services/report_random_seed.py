"""A random store for the reports tests, and the dashboard's figures counted the slow, plain
way in Python from its rows: the oracle the SQL (both periods in one pass) must agree with.

About 200 cases over September to November 2026 and a few a year earlier (repeat attendance
looks back twelve months), at both sites, held by three people; young people whose birthdays
fall inside the periods; cases and child records entered in error; several outcomes on one
case. Fixed seed, so a failure reproduces.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ld_desktop.domain.sites import site_id_for
from ld_desktop.services.reports.dashboard import ONWARD_STATUSES
from ld_desktop.services.reports.period import Period
from ld_desktop.services.session import UserSession
from ld_desktop.store.models import (
    Case,
    Consent,
    Escalation,
    InformationShare,
    OnwardReferral,
    Outcome,
    Person,
    Screening,
)

from .support import NORTH_SITE, SOUTH_SITE

HOLDERS = ("north1", "south1", "senior1")
SOURCES = ("custody-sergeant", "solicitor", "court", "self")
CONTACTS = ("arrested", "voluntary-attendance", "court")
DOMAINS = ("mental-health", "alcohol", "drugs", "housing")


def _minute(rng: random.Random, first: datetime, last: datetime) -> datetime:
    return first + timedelta(minutes=rng.randrange(int((last - first).total_seconds() // 60)))


def seed_random(session: UserSession, seed: int = 16) -> None:
    rng = random.Random(seed)
    sites = (site_id_for(NORTH_SITE), site_id_for(SOUTH_SITE))
    with session.store.unit_of_work(session.user.username) as uow:
        def add(record: Any) -> Any:
            uow.changes.create(record)
            return record

        people = [add(Person(site_id=rng.choice(sites), given_name="Random",
                             family_name=f"Fictional{n}",
                             date_of_birth=date(rng.choice([1970, 1985, 2000, 2008, 2009, 2012,
                                                            2016]),
                                                rng.randint(1, 12), rng.randint(1, 28)),
                             nhs_number=rng.choice([None, "", "9990000018", "9990000026"]),
                             nhs_number_status=rng.choice(["verified", "unverified"]),
                             ethnic_category=rng.choice(["A", "B", "Z", "99"]),
                             sex=rng.choice([None, "1", "2", "X"]),
                             gp_practice=rng.choice([None, "", "Fictional Surgery"]),
                             entered_in_error=rng.random() < 0.05))
                  for n in range(70)]
        for gone, kept in ((people[0], people[1]), (people[2], people[3])):
            gone.merged_into = kept.id          # merged away: its problems are the survivor's
        spans = [(datetime(2025, 9, 1, tzinfo=UTC), datetime(2025, 11, 30, tzinfo=UTC), 20),
                 (datetime(2026, 8, 25, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC), 190)]
        for first, last, count in spans:
            for _ in range(count):
                at = _minute(rng, first, last)
                seen = at + timedelta(minutes=rng.randint(5, 400)) if rng.random() < 0.8 else None
                screened = (seen + timedelta(minutes=rng.randint(5, 400))
                            if seen and rng.random() < 0.7 else None)
                closed = (at + timedelta(hours=rng.randint(1, 24 * 20))
                          if rng.random() < 0.7 else None)
                c = add(Case(person_id=rng.choice(people).id, site_id=rng.choice(sites),
                             referral_source=rng.choice(SOURCES), referral_time=at,
                             contact_type=rng.choice(CONTACTS), holder=rng.choice(HOLDERS),
                             seen_at=seen, screened_at=screened,
                             assessed_at=screened if rng.random() < 0.5 else None,
                             closed_at=closed, stage="closed" if closed else "referred",
                             flags=rng.sample(DOMAINS, k=rng.randint(0, 3)),
                             entered_in_error=rng.random() < 0.08))
                child = {"case_id": c.id, "site_id": c.site_id, "recorded_by": c.holder}
                when = seen or at

                def eie() -> bool:
                    return rng.random() < 0.08
                if rng.random() < 0.3:
                    add(Escalation(**child, clinician_type="mental-health-nurse",
                                   urgency="soon", reason="Fictional",
                                   status=rng.choice(["requested", "completed", "declined"]),
                                   requested_at=when + timedelta(hours=rng.randint(0, 80)),
                                   entered_in_error=eie()))
                for _ in range(rng.choice([0, 0, 1, 2])):
                    code = rng.choice(["cmht", "gp", "housing-options"])
                    add(OnwardReferral(**child, service_code=code, service_name=f"The {code}",
                                       status=rng.choice(sorted(ONWARD_STATUSES["made"])),
                                       made_on=(when + timedelta(hours=rng.randint(0, 80))
                                                ).date(), entered_in_error=eie()))
                if rng.random() < 0.3:
                    add(InformationShare(**child, recipient=rng.choice(["police", "cps"]),
                                         shared_at=when + timedelta(hours=rng.randint(0, 80)),
                                         entered_in_error=eie()))
                if rng.random() < 0.4:
                    add(Consent(**child, scope=rng.choice(["police", "cps", "assessment"]),
                                decision=rng.choice(["given", "declined", "withdrawn"]),
                                decided_at=when + timedelta(hours=rng.randint(0, 80)),
                                entered_in_error=eie()))
                for _ in range(rng.choice([0, 0, 1, 2])):
                    add(Screening(**child, instrument_id="phq9", instrument_version="1.0",
                                  state=rng.choice(["draft", "completed", "signed-off"]),
                                  started_at=when, entered_in_error=eie()))
                if closed:
                    for _ in range(rng.choice([0, 1, 1, 1, 2])):
                        add(Outcome(**child, disposal=rng.choice(["nfa", "charge", "caution"]),
                                    entered_in_error=eie()))


@dataclass
class Rows:
    cases: list[Case]
    people: dict[uuid.UUID, Person]
    children: dict[type, list[Any]]


def load(session: UserSession) -> Rows:
    with session.store.reading() as db:
        return Rows(list(db.query(Case)), {p.id: p for p in db.query(Person)},
                    {m: list(db.query(m)) for m in (Escalation, OnwardReferral,
                                                    InformationShare, Consent, Outcome,
                                                    Screening)})


def _age(born: date, at: datetime) -> int:
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


def expected(rows: Rows, period: Period, site_ids: set[uuid.UUID], holder: str | None
             ) -> dict[str, dict[str, float]]:
    """Each figure's non-zero bars for one period, counted record by record."""
    def mine(c: Case) -> bool:
        return (not c.entered_in_error and c.site_id in site_ids
                and (holder is None or c.holder == holder))

    def within(moment: datetime | date) -> bool:
        if isinstance(moment, datetime):
            return period.start <= moment < period.end
        return period.start.date() <= moment < period.end.date()

    by_id = {c.id: c for c in rows.cases}
    cohort = [c for c in rows.cases if mine(c) and within(c.referral_time)]

    def young(c: Case) -> bool:
        born = rows.people[c.person_id].date_of_birth
        return born is not None and 10 <= _age(born, c.referral_time) <= 17

    out: dict[str, dict[str, float]] = {
        "referrals-by-source": dict(Counter(c.referral_source for c in cohort)),
        "referrals-by-contact": dict(Counter(c.contact_type for c in cohort)),
        "pathway": {step: len({c.person_id for c in cohort if getattr(c, stamp) is not None})
                    for step, stamp in (("referred", "referral_time"), ("seen", "seen_at"),
                                        ("screened", "screened_at"),
                                        ("assessed", "assessed_at"))}}
    out["youth:source"] = dict(Counter(c.referral_source for c in cohort if young(c)))
    out["youth:pathway"] = {
        step: len({c.person_id for c in cohort if young(c) and getattr(c, stamp) is not None})
        for step, stamp in (("referred", "referral_time"), ("seen", "seen_at"),
                            ("screened", "screened_at"), ("assessed", "assessed_at"))}
    needs: dict[str, set[uuid.UUID]] = defaultdict(set)
    for c in cohort:
        if c.screened_at is not None:
            for flag in c.flags:
                needs[flag].add(c.person_id)
    out["needs-found"] = {k: len(v) for k, v in needs.items()}
    since = period.end - timedelta(days=365)
    seen_people = {c.person_id for c in cohort if c.seen_at is not None}
    repeat = {c.person_id for c in cohort if c.seen_at is not None and any(
        e.person_id == c.person_id and not e.entered_in_error and e.seen_at is not None
        and since <= e.seen_at < c.seen_at for e in rows.cases)}
    out["repeat-attendance"] = {"once": len(seen_people - repeat), "repeat": len(repeat)}

    def kids(model: type, stamp: str) -> list[Any]:
        return [r for r in rows.children[model] if not r.entered_in_error
                and mine(by_id[r.case_id]) and within(getattr(r, stamp))]

    out["escalations"] = dict(Counter(r.status for r in kids(Escalation, "requested_at")))
    onward: Counter[str] = Counter()
    for r in kids(OnwardReferral, "made_on"):
        for measure, statuses in ONWARD_STATUSES.items():
            if r.status in statuses:
                onward[f"{r.service_code}|{measure}"] += 1
    out["onward-referrals"] = dict(onward)
    out["information-shared"] = dict(Counter(r.recipient for r in kids(InformationShare,
                                                                        "shared_at")))
    decisions = [r for r in kids(Consent, "decided_at") if r.scope != "assessment"]
    out["decisions"] = {"all": len(decisions), "refused": sum(
        r.decision in ("declined", "withdrawn") for r in decisions)}
    outcomes: Counter[str] = Counter()
    for c in rows.cases:
        if mine(c) and c.closed_at is not None and within(c.closed_at):
            found = {o.disposal for o in rows.children[Outcome]
                     if o.case_id == c.id and not o.entered_in_error}
            outcomes.update(found or {"none"})
    out["outcomes"] = dict(outcomes)
    out["timeliness:counts"] = {
        "referred": len(cohort), "seen": sum(c.seen_at is not None for c in cohort),
        "screened": sum(c.screened_at is not None for c in cohort)}
    return {k: {key: n for key, n in v.items() if n} for k, v in out.items()}


def expected_quality(rows: Rows, period: Period, site_ids: set[uuid.UUID], holder: str | None,
                     open_before: datetime, unseen_before: datetime
                     ) -> dict[str, set[tuple[uuid.UUID, uuid.UUID]]]:
    """Each data-quality check's findings as {(record to open, record at fault)}."""
    active = [c for c in rows.cases if not c.entered_in_error and c.site_id in site_ids
              and (holder is None or c.holder == holder) and c.referral_time < period.end
              and (c.closed_at is None or c.closed_at >= period.start)]
    people = [rows.people[i] for i in {c.person_id for c in active}]
    live = [p for p in people if not p.entered_in_error and p.merged_into is None]
    checks = {
        "nhs-number-missing": lambda p: not p.nhs_number,
        "nhs-number-unverified": lambda p: bool(p.nhs_number)
        and p.nhs_number_status != "verified",
        "ethnicity-missing": lambda p: p.ethnic_category in (None, "Z", "99", ""),
        "sex-missing": lambda p: p.sex in (None, "X", ""),
        "gp-missing": lambda p: not p.gp_practice,
    }
    out = {code: {(p.id, p.id) for p in live if wrong(p)} for code, wrong in checks.items()}
    outcomes = {o.case_id for o in rows.children[Outcome] if not o.entered_in_error}
    out["referral-without-contact"] = {(c.id, c.id) for c in active if c.seen_at is None
                                       and c.referral_time < unseen_before}
    out["case-open-too-long"] = {(c.id, c.id) for c in active if c.closed_at is None
                                 and c.referral_time < open_before}
    out["outcome-missing-at-closure"] = {(c.id, c.id) for c in active
                                         if c.closed_at is not None and c.id not in outcomes}
    ids = {c.id for c in active}
    out["screening-not-signed-off"] = {
        (s.case_id, s.id) for s in rows.children[Screening]
        if s.case_id in ids and not s.entered_in_error and s.state != "signed-off"}
    return out
