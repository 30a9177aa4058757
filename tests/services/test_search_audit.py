"""Searches and list views are audited (issue 13 item 5): who, when, what kind of search and
how many results, never the search text; a search by NHS number is recorded as a view of
each person found."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.maintenance import AuditEntry
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession

from .support import ADMIN, NORTH

Opener = Callable[[tuple[str, str]], UserSession]
NHS = "9434765919"


def _events_since(admin: UserSession, seq: int) -> list[AuditEntry]:
    return [e for e in admin.maintenance.audit_trail() if e.seq > seq
            and e.action not in ("view-audit", "unlock", "lock")]


def _last_seq(admin: UserSession) -> int:
    return admin.maintenance.audit_trail()[-1].seq


def _setup(open_session: Opener) -> tuple[UserSession, UserSession]:
    north = open_session(NORTH)
    site = north.site_ids[0]
    for n in range(50):
        person = north.persons.register(PersonDraft(
            "Listed", f"Zzaudit{n:02d}", date(1990, 1, 1 + n % 28),
            nhs_number=NHS if n == 7 else None), site)
        if n < 5:
            north.cases.new_referral(ReferralDraft(person.id, site, "custody-sergeant",
                                                   "arrested", custody_record_number=f"TEST/{n}"))
    return north, open_session(ADMIN)


def test_a_name_search_is_audited_without_its_text(open_session: Opener) -> None:
    north, admin = _setup(open_session)
    before = _last_seq(admin)
    found = north.persons.search("Zzaudit")
    events = _events_since(admin, before)
    assert [(e.user, e.action, e.detail) for e in events] == [
        (NORTH[0], "search", {"list": "people", "kind": "name", "results": len(found)})]
    assert "zzaudit" not in json.dumps([e.detail for e in events]).casefold()


def test_an_nhs_number_search_is_a_view_of_the_person_found(open_session: Opener) -> None:
    north, admin = _setup(open_session)
    before = _last_seq(admin)
    found = north.persons.search("943 476 5919")
    assert len(found) == 1
    events = _events_since(admin, before)
    assert [(e.action, e.detail.get("kind")) for e in events] == [
        ("search", "nhs-number"), ("view", None)]
    assert (events[1].entity, events[1].entity_id) == ("person", found[0].id)
    assert NHS not in json.dumps([e.detail for e in events])


def test_lists_of_people_and_cases_are_audited_with_their_size(open_session: Opener) -> None:
    north, admin = _setup(open_session)
    before = _last_seq(admin)
    people = north.persons.page(0, 50)
    north.persons.page(50, 50)                       # scrolling on is the same list
    total, _rows = north.cases.count_and_first_page(CaseFilter(), 100)
    caseload = north.cases.caseload()
    total_found, _ = north.cases.count_and_first_page(CaseFilter(text="Zzaudit03"), 100)
    events = _events_since(admin, before)
    assert [(e.action, e.detail["list"], e.detail["results"]) for e in events] == [
        ("list", "people", len(people)), ("list", "cases", total),
        ("list", "caseload", len(caseload)), ("search", "cases", total_found)]
    assert len(people) == 50
    assert all(e.user == NORTH[0] for e in events)
