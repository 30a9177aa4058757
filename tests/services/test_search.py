"""People search (SQLite FTS5 inside the encrypted database): name prefixes, aliases, NHS
numbers typed any way, UK dates of birth, custody record numbers; entered-in-error people
never appear; everyone sees only the people and cases at their own sites."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.demo_data import demo_alias, seed_demo_cases
from ld_desktop.services.persons import PersonDraft, RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import PersonView
from ld_desktop.store.models import Person

from .support import BOTH, NORTH, SOUTH

Opener = Callable[[tuple[str, str]], UserSession]


def _person(session: UserSession, given: str, family: str, **kw: object) -> PersonView:
    return session.persons.register(PersonDraft(given, family, **kw), session.site_ids[0])  # type: ignore[arg-type]


def _found(session: UserSession, text: str) -> list[str]:
    return [f"{p.given_name} {p.family_name}" for p in session.persons.search(text)]


@pytest.fixture
def north(open_session: Opener) -> UserSession:
    s = open_session(NORTH)
    amira = _person(s, "Amira", "Okonkwo-Hale", date_of_birth=date(1990, 2, 1),
                    nhs_number="9434765919", aliases=("Mira Stone",))
    _person(s, "Amir", "Okafor", date_of_birth=date(1985, 12, 11))
    _person(s, "Benedikt", "Ödegaard", date_of_birth=date(2001, 7, 30),
            nhs_number="401 023 2137")
    s.cases.new_referral(ReferralDraft(amira.id, s.site_ids[0], "custody-sergeant", "arrested",
                                       custody_record_number="NG/04512/26"))
    return s


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("okonkwo", ["Amira Okonkwo-Hale"]),
        ("Okonk", ["Amira Okonkwo-Hale"]),             # prefix of a family name
        ("oko", ["Amira Okonkwo-Hale"]),
        ("ok", ["Amira Okonkwo-Hale", "Amir Okafor"]),
        ("amira hale", ["Amira Okonkwo-Hale"]),         # both tokens, any order
        ("hale amira", ["Amira Okonkwo-Hale"]),
        ("AMIR", ["Amira Okonkwo-Hale", "Amir Okafor"]),
        ("mira stone", ["Amira Okonkwo-Hale"]),         # alias
        ("Stone", ["Amira Okonkwo-Hale"]),
        ("odegaard", ["Benedikt Ödegaard"]),            # diacritics folded
        ("Ödeg", ["Benedikt Ödegaard"]),
        ("9434765919", ["Amira Okonkwo-Hale"]),         # NHS number
        ("943 476 5919", ["Amira Okonkwo-Hale"]),       # typed with spaces
        ("943-476-5919", ["Amira Okonkwo-Hale"]),
        ("4010232137", ["Benedikt Ödegaard"]),
        ("943476", ["Amira Okonkwo-Hale"]),             # a prefix of the number
        ("01/02/1990", ["Amira Okonkwo-Hale"]),         # date of birth dd/mm/yyyy
        ("1/2/1990", ["Amira Okonkwo-Hale"]),
        ("11/12/1985", ["Amir Okafor"]),
        ("1985-12-11", ["Amir Okafor"]),
        ("NG/04512/26", ["Amira Okonkwo-Hale"]),        # custody record number
        ("ng04512", ["Amira Okonkwo-Hale"]),
        ("okafor 11/12/1985", ["Amir Okafor"]),         # name and date together
    ],
)
def test_search_finds(north: UserSession, text: str, expected: list[str]) -> None:
    assert sorted(_found(north, text)) == sorted(expected)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "zzz", "kwo", "02/01/1990", "31/02/1990", "9434765918", "NG/99999", "hale zzz",
     '"', "*", "amira OR okafor", "NEAR(amira)", "a:b", "-", "'; DROP TABLE person; --"],
)
def test_search_does_not_find_or_break(north: UserSession, text: str) -> None:
    assert _found(north, text) == []


def test_search_follows_updates(north: UserSession) -> None:
    (amir,) = north.persons.search("okafor")
    north.persons.update(amir.id, PersonDraft("Amir", "Okafor-Reyes", date(1985, 12, 11),
                                              aliases=("Ray",)))
    assert _found(north, "reyes") == ["Amir Okafor-Reyes"]
    assert _found(north, "ray") == ["Amir Okafor-Reyes"]
    assert _found(north, "okafor") == ["Amir Okafor-Reyes"]
    north.persons.update(amir.id, PersonDraft("Amir", "Mensah", date(1985, 12, 11)))
    assert _found(north, "okafor") == []
    assert _found(north, "ray") == []
    assert _found(north, "mensah") == ["Amir Mensah"]


def test_custody_number_of_a_later_case_is_found(north: UserSession) -> None:
    (amir,) = north.persons.search("okafor")
    assert _found(north, "NG/777") == []
    north.cases.new_referral(ReferralDraft(amir.id, north.site_ids[0], "custody-sergeant",
                                           "arrested", custody_record_number="NG/777/26"))
    assert _found(north, "NG/777") == ["Amir Okafor"]


def test_entered_in_error_people_are_not_found(north: UserSession) -> None:
    (amir,) = north.persons.search("okafor")
    with north.store.unit_of_work(north.user.username) as uow:
        row = uow.session.get(Person, amir.id)
        assert row is not None
        uow.changes.mark_entered_in_error(row, "registered twice")
    assert _found(north, "okafor") == []
    assert _found(north, "11/12/1985") == []
    assert _found(north, "ok") == ["Amira Okonkwo-Hale"]
    assert amir.id not in {p.id for p in north.persons.page(0, 100)}
    assert north.persons.count() == 2
    with pytest.raises(RecordNotFound):
        north.cases.new_referral(ReferralDraft(amir.id, north.site_ids[0], "court", "court"))


def test_search_limit(north: UserSession) -> None:
    for n in range(12):
        _person(north, f"Many{n}", "Samename")
    assert len(north.persons.search("samename", limit=5)) == 5
    assert len(north.persons.search("samename")) == 12


def test_hidden_matches_ranked_first_do_not_crowd_out_visible_ones(
        north: UserSession, open_session: Opener) -> None:
    """The search reads the summaries of its best-ranked hits `limit` at a time and reads
    further only when some were not visible: people at another site who rank above every
    visible one must not leave the page short, nor change its order."""
    south = open_session(SOUTH)
    for n in range(7):     # a shorter entry ranks higher: only the name, nothing else
        _person(south, "Quill", f"Hidden{n}")
    for n in range(5):
        _person(north, "Quill", f"Shown{n}", aliases=(f"Extra Words Here {n}",),
                date_of_birth=date(1980, 1, n + 1))
    both = open_session(BOTH)
    ranked_for_both = [name for name in _found(both, "quill") if "Shown" in name]
    assert len(ranked_for_both) == 5
    assert [f"{p.given_name} {p.family_name}"
            for p in north.persons.search("quill", limit=3)] == ranked_for_both[:3]
    assert _found(north, "quill") == ranked_for_both
    assert len(both.persons.search("quill", limit=10)) == 10


def test_site_scoping(north: UserSession, open_session: Opener) -> None:
    south = open_session(SOUTH)
    both = open_session(BOTH)
    assert [s.name for s in north.sites] == ["Northgate Custody Suite"]
    _person(south, "Sunita", "Okonkwo", date_of_birth=date(1999, 9, 9))

    assert _found(north, "okonkwo") == ["Amira Okonkwo-Hale"]
    assert _found(south, "okonkwo") == ["Sunita Okonkwo"]
    assert sorted(_found(both, "okonkwo")) == ["Amira Okonkwo-Hale", "Sunita Okonkwo"]
    assert _found(south, "9434765919") == []
    assert _found(south, "NG/04512/26") == []
    assert north.persons.count() == 3
    assert south.persons.count() == 1
    assert both.persons.count() == 4

    (amira,) = north.persons.search("amira")
    with pytest.raises(RecordNotFound):
        south.persons.open(amira.id)
    assert south.cases.count(CaseFilter()) == 0
    assert north.cases.count(CaseFilter()) == 1
    assert both.cases.count(CaseFilter(text="okonkwo")) == 1
    (case_row,) = north.cases.page(CaseFilter(), 0, 10)
    with pytest.raises(RecordNotFound):
        south.cases.open(case_row.id)
    with pytest.raises(RecordNotFound):
        south.cases.update(case_row.id, {"stage": "seen"})
    # nobody can record at a site that is not theirs
    with pytest.raises(PermissionError):
        south.persons.register(PersonDraft("Not", "Mine"), north.site_ids[0])
    with pytest.raises(PermissionError):
        south.cases.new_referral(ReferralDraft(amira.id, north.site_ids[0], "court", "court"))


def test_a_case_at_my_site_makes_the_person_visible(
    north: UserSession, open_session: Opener
) -> None:
    """Someone registered in the north who is referred in the south: the south practitioner
    sees them (through the case), but not the north's cases."""
    both = open_session(BOTH)
    (amira,) = north.persons.search("amira")
    south_site = next(s.id for s in both.sites if "Southbank" in s.name)
    both.cases.new_referral(ReferralDraft(amira.id, south_site, "court", "court"))
    south = open_session(SOUTH)
    assert _found(south, "amira") == ["Amira Okonkwo-Hale"]
    assert south.cases.count(CaseFilter()) == 1
    assert both.cases.count(CaseFilter()) == 2


def test_count_and_first_page_agree_with_count_and_page(north: UserSession) -> None:
    from ld_desktop.services.cases import CaseFilter

    session = north
    for text in ("", "a", "zz-no-such-person"):
        filt = CaseFilter(text=text)
        total, first = session.cases.count_and_first_page(filt, 5)
        assert total == session.cases.count(filt)
        assert [r.id for r in first] == [r.id for r in session.cases.page(filt, 0, 5)]


def test_demo_people_are_found_by_their_aliases(open_session: Opener) -> None:
    """The demo data is indexed as real records are, aliases included (one function builds
    a person's index entry: ``domain/person_search.py``)."""
    s = open_session(NORTH)
    seed_demo_cases(s, 12)
    aliases = [alias for n in range(12) if (alias := demo_alias(n))]
    assert len(aliases) == 2
    for alias in aliases:
        found = s.persons.search(alias)
        assert [alias] == [a for p in found for a in s.persons.open(p.id).aliases if a == alias]
