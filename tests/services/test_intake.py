"""Referral intake as one transaction: the person and the referral are saved together or
not at all (no orphan person, outbox op or audit event after a refusal)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ld_desktop.services import intake as intake_module
from ld_desktop.services.cases import CaseFilter
from ld_desktop.services.intake import Intake, PossibleDuplicates
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.store.models import AuditEvent, Case, OutboxOp, Person

from .support import NORTH


def _counts(session: UserSession) -> tuple[int, int, int, int]:
    with session.store.reading() as db:
        return tuple(int(db.scalar(select(func.count()).select_from(model)) or 0)
                     for model in (Person, Case, OutboxOp, AuditEvent))  # type: ignore[return-value]


def _intake(session: UserSession, person: object, **referral: object) -> Intake:
    fields: dict[str, object] = {"site_id": session.sites[0].id, "source": "custody-sergeant",
                                 "contact_type": "arrested", "custody_record_number": "NG/1/26"}
    fields.update(referral)
    return Intake(person=person, **fields)  # type: ignore[arg-type]


NEWNAME = PersonDraft("Jordan", "Newname", date(1992, 2, 2))


def test_new_person_and_referral_are_saved_together(open_session) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    before = _counts(north)
    case = north.intake.refer(_intake(north, NEWNAME, reason="Heard voices in the cell"))
    assert case.person.family_name == "Newname"
    assert case.reason == "Heard voices in the cell"
    people, cases, ops, audit = _counts(north)
    assert (people, cases) == (before[0] + 1, before[1] + 1)
    assert ops == before[2] + 2
    assert audit == before[3] + 2


def test_a_refused_referral_leaves_no_orphan_person(open_session) -> None:  # type: ignore[no-untyped-def]
    """Arrested without a custody record number: refused, and nothing written (issue 14)."""
    north = open_session(NORTH)
    before = _counts(north)
    for _press in range(3):                 # pressing Save again changes nothing
        with pytest.raises(ValueError, match="custody record number"):
            north.intake.refer(_intake(north, NEWNAME, custody_record_number=None))
    assert _counts(north) == before
    assert north.persons.search("Newname") == []


def test_a_failure_inside_the_transaction_rolls_the_person_back(
        open_session, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    before = _counts(north)

    def broken_filing(*_args: object) -> None:
        raise RuntimeError("disk full while filing the case")

    monkeypatch.setattr(intake_module, "file_case", broken_filing)
    with pytest.raises(RuntimeError):
        north.intake.refer(_intake(north, NEWNAME))
    assert _counts(north) == before


def test_a_possible_duplicate_is_refused_until_confirmed(open_session) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    known = north.intake.refer(_intake(north, PersonDraft("Testperson", "Quinn",
                                                          date(1985, 3, 4))))
    before = _counts(north)
    again = PersonDraft("Testperson", "QUINN", date(1985, 3, 4))
    with pytest.raises(PossibleDuplicates) as refused:
        north.intake.refer(_intake(north, again, custody_record_number="NG/2/26"))
    assert [p.id for p in refused.value.people] == [known.person.id]
    assert _counts(north) == before
    chosen = north.intake.refer(_intake(north, known.person.id, custody_record_number="NG/2/26"))
    assert chosen.person.id == known.person.id
    confirmed = north.intake.refer(_intake(north, again, custody_record_number="NG/3/26",
                                           new_person_confirmed=True))
    assert confirmed.person.id != known.person.id
    assert north.cases.count(CaseFilter(person_id=known.person.id)) == 2


def test_unknown_date_of_birth_keeps_an_estimated_age(open_session) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    year = north.now().year
    case = north.intake.refer(_intake(north, PersonDraft("Sam", "Unknownborn",
                                                         estimated_birth_year=year - 30)))
    assert case.person.date_of_birth is None
    assert case.person.estimated_birth_year == year - 30
    with pytest.raises(ValueError, match="not both"):
        north.intake.refer(_intake(north, PersonDraft("Sam", "Both", date(1990, 1, 1),
                                                      estimated_birth_year=1990)))
    with pytest.raises(ValueError, match="estimated age"):
        north.intake.refer(_intake(north, PersonDraft("Sam", "Toddler",
                                                      estimated_birth_year=year - 2)))


def test_a_chosen_person_merged_away_meanwhile_is_referred_as_the_survivor(
        open_session) -> None:  # type: ignore[no-untyped-def]
    from ld_desktop.services.person_merge import PersonMergeService

    from .support import BOTH

    senior = open_session(BOTH)
    keep = senior.intake.refer(_intake(senior, PersonDraft("Kay", "Mergeperson",
                                                           date(1981, 1, 1)))).person
    dupe = senior.intake.refer(_intake(senior, PersonDraft("Kaye", "Mergeperson",
                                                           date(1982, 2, 2)),
                                       custody_record_number="NG/9/26")).person
    PersonMergeService(senior).merge(keep.id, dupe.id, "duplicate registration")
    case = senior.intake.refer(_intake(senior, dupe.id, custody_record_number="NG/10/26"))
    assert case.person.id == keep.id                  # the intake list still showed the dupe
