"""A person's scores across contacts (the score tracker's data): every case of the person,
amendments replace what they amend, criterion counts and unfinished drafts are left out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ld_desktop.domain.instruments import evaluate
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.score_history import ScoreHistoryService

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic


def _phq(clinic: Clinic, case_id, level: int, *, sign: bool = True):  # type: ignore[no-untyped-def]
    s = clinic.session
    answers = {f"phq9.{n}": level for n in range(1, 10)}
    if level:
        answers["phq9.10"] = 1
    result = evaluate(s.screenings.library().get("phq9"), answers).to_json()
    draft = s.screenings.start(case_id, "phq9", "1.0")
    done = s.screenings.complete(draft.id, answers, result)
    return s.screenings.sign_off(done.id) if sign else done


def test_scores_across_contacts_oldest_first(clinic: Clinic) -> None:
    s = clinic.session
    person = clinic.adult_case.person
    first = clinic.adult_case.id
    _phq(clinic, first, 1)                                   # 9
    second = s.cases.new_referral(ReferralDraft(
        person.id, s.sites[0].id, "custody-sergeant", "arrested",
        custody_record_number="T/3")).id
    original = _phq(clinic, second, 2)                       # 18, then amended to 27
    evaluated = evaluate(s.screenings.library().get("phq9"),
                         {**{f"phq9.{n}": 3 for n in range(1, 10)}, "phq9.10": 2})
    s.screenings.amend(original.id, {f"phq9.{n}": 3 for n in range(1, 10)} | {"phq9.10": 2},
                       evaluated.to_json(), "Misheard item scores")
    s.screenings.start(second, "phq9", "1.0")               # a draft: not a score yet
    points = ScoreHistoryService(s).for_person(person.id)
    assert [(p.score_label, p.value) for p in points] == [("PHQ-9 total", 9),
                                                          ("PHQ-9 total", 27)]
    assert points[0].when < points[1].when
    assert points[1].band == "severe depression"
    assert not points[1].signed_off                          # the amendment awaits sign-off
    assert {p.case_id for p in points} == {first, second}


def test_partial_result_contributes_its_proven_minimum(clinic: Clinic) -> None:
    s = clinic.session
    partial = evaluate(s.screenings.library().get("phq9"),
                       {f"phq9.{n}": 3 for n in range(2, 10)})
    draft = s.screenings.start(clinic.adult_case.id, "phq9", "1.0")
    s.screenings.complete(draft.id, {}, partial.to_json())
    (point,) = ScoreHistoryService(s).for_person(clinic.adult_case.person.id)
    assert (point.value, point.partial, point.band) == (24, True, None)
