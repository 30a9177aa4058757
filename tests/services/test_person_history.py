"""A returning person's history: previous contacts at the user's own sites only, with
outcome, flags and last scores, and the alerts still active."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ld_desktop.domain.sites import site_id_for
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.consent import ConsentDraft
from ld_desktop.services.clinical.outcome import OutcomeDraft
from ld_desktop.services.clinical.risk import RiskDraft
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.person_history import PersonHistoryService
from ld_desktop.services.persons import PersonDraft

from .support import BOTH, NORTH, NORTH_SITE, SOUTH, SOUTH_SITE


def _case(session, person_id, site, crn, when=None):  # type: ignore[no-untyped-def]
    return session.cases.new_referral(ReferralDraft(
        person_id, site, "custody-sergeant", "arrested", custody_record_number=crn,
        referral_time=when))


def test_history_lists_contacts_at_my_sites_with_outcome_flags_scores_and_alerts(
        open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    north, south = site_id_for(NORTH_SITE), site_id_for(SOUTH_SITE)
    person = senior.persons.register(
        PersonDraft("Returny", "Testperson", date(1979, 4, 5),
                    communication_needs="Hard of hearing: face them when speaking",
                    interpreter_language="Polish"), north)
    old = _case(senior, person.id, north, "N/OLD", senior.now() - timedelta(days=800))
    senior.cases.update(old.id, {"flags": ["safeguarding"]})   # too old to be active
    senior.outcomes.close(old.id, OutcomeDraft("caution", "diverted"), "historic case")
    recent = _case(senior, person.id, north, "N/NEW")
    senior.cases.update(recent.id, {"flags": ["suicide-self-harm", "alcohol"]})
    senior.risk.record(recent.id, RiskDraft("high", "low", "low", "low", "high",
                                             "Recent attempt; fictional test rationale",
                                             senior.now().date() + timedelta(days=7)))
    senior.consent.record(recent.id, ConsentDraft("assessment", "given",
                                                  capacity="has-capacity"))
    screening = senior.screenings.start(recent.id, "phq9", "1")
    senior.screenings.complete(screening.id, {}, {
        "title": "PHQ-9", "scores": {"total": {"label": "Total", "value": 14.0,
                                               "band": "moderate"}}, "domains": []})
    _case(senior, person.id, south, "S/1")           # a south contact

    north_user = open_session(NORTH)
    history = PersonHistoryService(north_user).history(person.id)
    assert [c.custody_record_number for c in history.contacts] == ["N/NEW", "N/OLD"]
    newest, oldest = history.contacts
    assert newest.last_scores == ("PHQ-9 14, moderate",)
    assert set(newest.flag_labels) == {"Suicide or self-harm", "Alcohol"}
    assert oldest.outcome == "Caution; diverted"
    kinds = [(a.kind, a.text.split(":")[0]) for a in history.alerts]
    assert ("risk", "High risk at the last assessment") in kinds
    assert ("risk", "Suicide or self-harm flagged") in kinds
    assert not any(a.kind == "safeguarding" for a in history.alerts)   # 800 days ago, closed
    assert ("communication", "Needs an interpreter") in kinds
    # the case being looked at is not a "previous" contact
    assert len(PersonHistoryService(north_user).history(
        person.id, exclude_case_id=recent.id).contacts) == 1
    # the senior at both sites sees the south contact too
    assert len(PersonHistoryService(senior).history(person.id).contacts) == 3


def test_history_of_an_unknown_person_is_refused(open_session) -> None:  # type: ignore[no-untyped-def]
    import uuid
    with pytest.raises(RecordNotFound):
        PersonHistoryService(open_session(NORTH)).history(uuid.uuid4())


def test_last_scores_of_a_stopped_or_pro_rated_screening_say_so(open_session) -> None:  # type: ignore[no-untyped-def]
    """A screening stopped part-way is kept as 'completed' with a partial result: the
    history must give what it proves ('at least 21 ... severe'), not 'PHQ-9 completed'; a
    pro-rated K10 must say it is pro-rated, not read as a full score."""
    from ld_desktop.domain.instruments import evaluate
    from ld_desktop.services.instrument_library import InstrumentLibrary

    library = InstrumentLibrary.load()
    senior = open_session(BOTH)
    north = site_id_for(NORTH_SITE)
    person = senior.persons.register(PersonDraft("Parti", "Testperson", date(1985, 6, 7)),
                                     north)
    case = _case(senior, person.id, north, "N/P")
    phq9 = library.get("phq9")
    answers = {f"phq9.{n}": 3 for n in range(1, 8)}          # 7 of 9 items, 21 so far
    stopped = senior.screenings.start(case.id, "phq9", phq9.version)
    senior.screenings.stop(stopped.id, answers, evaluate(phq9, answers).to_json(),
                           "Became too distressed to continue (fictional)")
    k10 = library.get("k10")
    k10_answers = {f"k10.{n}": 3 for n in range(1, 10)}      # 9 of 10: pro-rated to 30
    prorated = senior.screenings.start(case.id, "k10", k10.version)
    senior.screenings.complete(prorated.id, k10_answers,
                               evaluate(k10, k10_answers).to_json())

    (contact,) = PersonHistoryService(senior).history(person.id).contacts
    phq_line = next(s for s in contact.last_scores if "PHQ-9" in s)
    k10_line = next(s for s in contact.last_scores if "K10" in s or "Kessler" in s)
    assert "at least 21 (7 of 9 items), severe depression" in phq_line, phq_line
    assert "completed" not in phq_line, phq_line
    assert "pro-rated" in k10_line, k10_line


def test_history_of_a_person_at_another_site_is_refused(open_session) -> None:  # type: ignore[no-untyped-def]
    """A Northgate practitioner on a two-site workstation must not read, through the history
    panel, the name, date of birth or alerts of someone known only at Southbank."""
    south = site_id_for(SOUTH_SITE)
    south_user = open_session(SOUTH)
    person = south_user.persons.register(
        PersonDraft("Solely", "Southbankson", date(1980, 5, 5),
                    communication_needs="Fictional: uses BSL"), south)
    with pytest.raises(RecordNotFound):
        PersonHistoryService(open_session(NORTH)).history(person.id)
