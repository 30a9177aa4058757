"""The save and search paths on prepared statements (issue 17) return and store exactly
what the ORM / Core paths did: the search against the statement it replaced, for random
people including merged-away ones, merge cycles and records entered in error; a record
loaded by ``prepared.get`` against ``session.get``; every search audited and committed."""

from __future__ import annotations

import random
import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Float, String, bindparam, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from ld_desktop.domain.person_search import person_search_text
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.store import person_queries, prepared
from ld_desktop.store.audit import verify_chain
from ld_desktop.store.models import AuditEvent, Case, Person, Site
from ld_desktop.store.person_queries import SEARCH_HEADROOM
from ld_desktop.store.redirects import listed_clause
from ld_desktop.store.search_index import fts_query, index_person

GIVEN = ["Testina", "Mockwell", "Fakely", "Dummond"]
FAMILY = ["Zzorkson", "Zzorkley", "Quibbleton", "Quibbs", "Fictionby"]


def _reference_search(session: Session, text: str, site_ids: list[uuid.UUID], limit: int
                      ) -> list[tuple[Any, ...]]:
    """The statement the search was before issue 17's prepared one, built per call with
    SQLAlchemy exactly as it was (main at 64b43a0)."""
    query = fts_query(text)
    if query is None or not site_ids:
        return []
    hits = (sql_text("SELECT person_id, rank FROM person_search WHERE person_search MATCH :q "
                     "ORDER BY rank LIMIT :over")
            .columns(person_id=String, rank=Float).subquery("hits"))
    sites = bindparam("sites", expanding=True)
    has_case = select(Case.id).where(Case.person_id == Person.id, Case.site_id.in_(sites))
    stmt = (select(Person.id, Person.given_name, Person.family_name, Person.date_of_birth,
                   Person.nhs_number, Person.nhs_number_status)
            .join_from(hits, Person, Person.id == func.replace(hits.c.person_id, "-", ""))
            .where(Person.entered_in_error.is_(False), listed_clause(session),
                   or_(Person.site_id.in_(sites), has_case.exists()))
            .order_by(hits.c.rank).limit(bindparam("limit")))
    rows = session.connection().execute(stmt, {"q": query, "over": limit * SEARCH_HEADROOM,
                                               "sites": list(site_ids), "limit": limit})
    return [tuple(r) for r in rows]


def _people(prac: UserSession, rng: random.Random, n: int) -> list[uuid.UUID]:
    """``n`` people over every site, some with a case at another site, some entered in
    error, some merged away: into a survivor, in a cycle of two, in a cycle of three, and
    in a chain that runs into a cycle (which leaves them out)."""
    with prac.store.reading() as db:
        sites = list(db.scalars(select(Site.id)))
    ids: list[uuid.UUID] = []
    with prac.store.unit_of_work(prac.user.username) as uow:
        people = []
        for i in range(n):
            person = Person(site_id=rng.choice(sites), given_name=rng.choice(GIVEN),
                            family_name=rng.choice(FAMILY),
                            date_of_birth=rng.choice([None, date(1980 + i % 30, 1 + i % 12, 3)]),
                            nhs_number=rng.choice([None, f"{9000000000 + i}"]),
                            nhs_number_status="unverified")
            uow.changes.create(person)
            people.append(person)
            ids.append(person.id)
        for person in people:
            crns = []
            if rng.random() < 0.3:
                crn = f"PP/{rng.randrange(10**6)}"
                uow.changes.create(Case(
                    person_id=person.id, site_id=rng.choice(sites), referral_source="court",
                    referral_time=prac.now(), contact_type="court",
                    custody_record_number=crn, holder=uow.user))
                crns.append(crn)
            index_person(uow.session, person.id, person_search_text(person, crns))
        a, b, c, d, e, f, g, h, k = people[:9]
        redirects = [(a, b), (c, d), (d, c), (e, f), (f, g), (g, e), (h, c), (k, k)]
        for merged, into in redirects:
            uow.changes.update(merged, {"merged_into": into.id})
        for person in people[9:9 + n // 10]:
            uow.changes.mark_entered_in_error(person, "test")
    return ids


def test_the_prepared_search_returns_what_the_orm_statement_returned(
        prac: UserSession) -> None:
    rng = random.Random(17)
    ids = _people(prac, rng, 120)
    with prac.store.reading() as db:
        sites = list(db.scalars(select(Site.id)))
        people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(ids)))}
        queries = ["Zzork", "Quibb", "Fictionby", "Testina Zzorkson", "nobody-like-this",
                   "   ", "PP/", "1980"]
        for person in rng.sample(list(people.values()), 60):
            queries += [f"{person.given_name} {person.family_name}",
                        person.family_name[:4], person.nhs_number or person.given_name]
            if person.nhs_number:
                n = person.nhs_number
                queries.append(f"{n[:3]} {n[3:6]} {n[6:]}")
        compared = found_redirect_survivor = 0
        for query in queries:
            for mine in (sites, sites[:1], sites[1:]):
                for limit in (1, 5, 50):
                    got = person_queries.search(db, query, mine, limit)
                    assert got == _reference_search(db, query, mine, limit), (query, limit)
                    assert all(type(row[0]) is uuid.UUID for row in got)
                    assert all(row[3] is None or type(row[3]) is date for row in got)
                    compared += 1
                    found_redirect_survivor += any(people[r[0]].merged_into for r in got)
        assert compared > 500
        # members of a merge cycle are found (no record survives them), others are not
        assert found_redirect_survivor > 0


def test_prepared_get_loads_what_session_get_loads(prac: UserSession) -> None:
    ids = _people(prac, random.Random(3), 20)
    with prac.store.reading() as reference, prac.store.reading() as db:
        for person_id in [*ids, uuid.uuid4()]:
            expected = reference.get(Person, person_id)
            got = prepared.get(db, Person, person_id)
            if expected is None:
                assert got is None
                continue
            assert got is not None
            columns = [a.key for a in Person.__mapper__.column_attrs]
            assert {c: getattr(got, c) for c in columns} == {
                c: getattr(expected, c) for c in columns}
            assert got.field_versions == expected.field_versions
            assert db.get(Person, person_id) is got           # in the session, as loaded
            assert prepared.get(db, Person, person_id) is got
            assert not db.dirty


def test_a_loaded_person_changed_in_the_unit_of_work_is_saved(prac: UserSession) -> None:
    person_id = _people(prac, random.Random(5), 12)[11]
    with prac.store.unit_of_work(prac.user.username) as uow:
        person = prepared.get(uow.session, Person, person_id)
        assert person is not None
        uow.changes.update(person, {"family_name": "Zzorkchanged"})
    with prac.store.reading() as db:
        stored = db.get(Person, person_id)
        assert stored is not None
        assert stored.family_name == "Zzorkchanged"


@pytest.mark.parametrize(("query", "expected"), [("nobody-like-this", 0),
                                                 ("943 476 5919", 1), ("Zzork", None)])
def test_every_search_is_audited_and_committed_before_it_returns(
        prac: UserSession, query: str, expected: int | None) -> None:
    _people(prac, random.Random(11), 40)
    prac.persons.register(PersonDraft("Nhsina", "Zzorkfound", date(1990, 1, 1),
                                      nhs_number="9434765919"), prac.site_ids[0])
    seen: list[int] = []
    original = prac.store.record_audit

    def record(user: str, entries: Any) -> None:
        original(user, entries)
        # committed by now: another connection reads it before any result is shown
        with prac.store.reading() as db:
            seen.append(len(list(db.scalars(select(AuditEvent.seq)))))

    prac.store.record_audit = record  # type: ignore[method-assign]
    with prac.store.reading() as db:
        before = len(list(db.scalars(select(AuditEvent.seq))))
    found = prac.persons.search(query)
    if expected is not None:
        assert len(found) == expected
    else:
        assert len(found) > 1
    assert seen, "the search was not audited"
    with prac.store.reading() as db:
        events = list(db.scalars(select(AuditEvent).where(AuditEvent.seq > before)
                                 .order_by(AuditEvent.seq)))
        assert seen == [before + len(events)]
        assert events[0].action == "search"
        assert events[0].detail["results"] == len(found)
        # a search by NHS number is a view of each person found, in the same transaction
        assert [(e.action, e.entity_id) for e in events[1:]] == (
            [("view", found[0].id)] if expected == 1 else [])
        report = verify_chain(db, prac.store.audit_mac_key, prac.store.anchor)
    assert report.intact, report.problems
    assert prac.store.anchor.read().seq == events[-1].seq   # type: ignore[union-attr]


def test_a_failed_audit_write_shows_no_results(prac: UserSession, monkeypatch: Any) -> None:
    from ld_desktop.store.errors import StoreError

    _people(prac, random.Random(13), 10)
    with prac.store.reading() as db:
        before = len(list(db.scalars(select(AuditEvent.seq))))
    monkeypatch.setattr("ld_desktop.store.audit._UPSERT_HEAD", "INSERT INTO nowhere VALUES (?, ?)")
    with pytest.raises(StoreError):
        prac.persons.search("Zzork")
    monkeypatch.undo()
    with prac.store.reading() as db:       # rolled back whole: no event without its head
        assert len(list(db.scalars(select(AuditEvent.seq)))) == before
        assert verify_chain(db, prac.store.audit_mac_key, prac.store.anchor).intact
    assert prac.persons.search("Zzork")   # and the connection went back to the pool clean
