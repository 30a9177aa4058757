"""Synthetic, obviously fictional demonstration data, written through the same change log,
audit and search index as real records (so it syncs, audits and searches like them).

Names are made up and look it ("Testington", "Sampleton"); NHS numbers are in the 999
range the NHS reserves for testing; custody record numbers start "DEMO".
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from ld_desktop.domain.nhs_number import check_digit
from ld_desktop.domain.pathway import ContactType, ReferralSource, Stage, Urgency
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.domain.vulnerabilities import VULNERABILITY_DOMAINS
from ld_desktop.services.fictional_cases import write_person_and_case
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.store.models import Case, Person
from ld_desktop.store.store import UnitOfWork

GIVEN = ["Alex", "Sam", "Jordan", "Casey", "Robin", "Morgan", "Jamie", "Charlie", "Riley",
         "Avery", "Frankie", "Drew", "Kit", "Rowan", "Sky", "Ellis", "Quinn", "Remy"]
FAMILY = ["Testington", "Sampleton", "Fakeley", "Mockridge", "Democroft", "Examplewood",
          "Pretendle", "Fictionby", "Notreal", "Madeupson", "Placeholder", "Specimen",
          "Dummett", "Trialby", "Prototype", "Mockford"]
OFFENCES = ["Theft from a shop", "Criminal damage", "Common assault",
            "Possession of a class B drug", "Public order offence", "Breach of bail",
            "Drunk and disorderly", "Burglary",
            "Assault on an emergency worker", "Harassment"]
NOTES = ["Seen in cell; calm, engaged well.", "Spoke to custody nurse about medication.",
         "Appropriate adult arrived.", "Called CMHT duty worker; awaiting call back.",
         "Person declined to talk further at this time."]
#: names some demo people are also known by (every fifth, from the third)
ALIASES = ["Lexi Aliasworth", "Sonny Otherley", "Bex Knownas", "Jay Nicknamely"]
BATCH = 250


def demo_alias(n: int) -> str | None:
    """The alias of the n-th demo person, if they have one (chosen without the random
    generator, so the rest of the demo data stays as it was)."""
    return ALIASES[(n // 5) % len(ALIASES)] if n % 5 == 2 else None


def demo_nhs_number(rng: random.Random) -> str:
    while True:
        first = "999" + "".join(str(rng.randint(0, 9)) for _ in range(6))
        check = check_digit(first)
        if check is not None:
            return first + str(check)


def seed_demo_cases(session: UserSession, count: int, seed: int = 2026) -> int:
    if not (session.can(Permission.RUN_DEMO_SEED) or session.can(Permission.EDIT_RECORDS)):
        session.require(Permission.RUN_DEMO_SEED)
    rng = random.Random(seed + count)
    sites = session.site_ids
    if not sites:
        raise ValueError("The acting user has no sites.")
    now = session.now()
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        with session.store.unit_of_work(session.user.username) as uow:
            for _ in range(size):
                _one_case(uow, rng, sites, now, made)
                made += 1
            uow.audit("demo-data-added", detail={"cases": size})
    session.bus.publish(Changes(frozenset({SyncedEntity.PERSON, SyncedEntity.CASE})))
    return made


def _one_case(
    uow: UnitOfWork, rng: random.Random, sites: list[uuid.UUID], now: datetime, n: int
) -> None:
    site = rng.choice(sites)
    age = rng.choice([rng.randint(10, 17)] + [rng.randint(18, 70)] * 6)
    dob = date(now.year - age, rng.randint(1, 12), rng.randint(1, 28))
    person = Person(
        site_id=site, given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY),
        date_of_birth=dob, gender=rng.choice(["female", "male", "male", "other", "not-stated"]),
        nhs_number=demo_nhs_number(rng) if rng.random() < 0.8 else None,
        ethnic_category=rng.choice("ABCDHJKMNRSZ"),
        no_fixed_abode=rng.random() < 0.1,
        communication_needs="Prefers short questions; check understanding"
        if rng.random() < 0.15 else None,
        parent_carer="Parent: fictional contact 01632 960000" if age < 18 else None,
        aliases=[alias] if (alias := demo_alias(n)) else [],
    )
    stage = rng.choices(list(Stage), weights=[5, 3, 3, 2, 2, 6])[0]
    hours_ago = rng.uniform(0.2, 30) if stage is not Stage.CLOSED else rng.uniform(24, 24 * 90)
    referred = now - timedelta(hours=hours_ago)
    contact = rng.choices(list(ContactType), weights=[7, 2, 2])[0]
    case = Case(
        site_id=site,
        referral_source=rng.choice(list(ReferralSource)).value, referral_time=referred,
        custody_record_number=f"DEMO/{n % 97:02d}/{n:06d}"
        if contact is ContactType.ARRESTED else None,
        offences=[rng.choice(OFFENCES)], contact_type=contact.value,
        urgency=rng.choices(list(Urgency), weights=[6, 3, 1])[0].value,
        reason="Fictional demonstration referral", stage=stage.value,
        holder=uow.user, in_custody=contact is ContactType.ARRESTED and stage is not Stage.CLOSED,
        flags=rng.sample(sorted(VULNERABILITY_DOMAINS), k=rng.choice([0, 1, 1, 2, 3])),
        risk_level=rng.choice([None, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]),
    )
    step = timedelta(minutes=rng.randint(20, 150))
    seen = list(Stage).index(stage) >= 1
    note = rng.choice(NOTES) if seen and rng.random() < 0.5 else None
    write_person_and_case(uow, person, case, step=step, now=now, note=note)


def seed_demo_rota(session: UserSession, today: date) -> int:
    """A fortnight of fictional shifts around ``today`` at the demo sites, with one late
    custody shift left open each week so the rota shows a gap in core hours."""
    custody = next((s.id for s in session.sites if s.kind == "custody"), session.sites[0].id)
    court = next((s.id for s in session.sites if s.kind == "court"), session.sites[-1].id)
    added = 0
    for offset in range(-7, 8):
        day = today + timedelta(days=offset)
        plan = [(custody, "07:00", "15:00", "demo.practitioner")]
        if day.weekday() != 6:
            plan.append((custody, "14:00", "22:00", "demo.bank.staff"))
        if day.weekday() < 5:
            plan.append((court, "09:00", "17:00", "demo.senior"))
        if day.weekday() == 2:
            plan.append((court, "09:00", "17:00", "demo.practitioner"))
            plan[0] = (custody, "07:00", "15:00", "demo.senior")
        for site, starts, ends, who in plan:
            session.rota.assign(site, day, starts, ends, who)
            added += 1
    return added
