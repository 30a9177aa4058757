"""A skipped suggestion syncs like every clinical record: skipped on one workstation, it is
not suggested on the other, and both show the same timeline line."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.screening_controller import ScreeningController
from ld_desktop.services.clinical.screenings import CORE_SCREEN
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession

if TYPE_CHECKING:
    import uuid

    from tests.integration.conftest import Station


def _suggested(session: UserSession, case_id: uuid.UUID) -> list[str]:
    age = session.cases.open(case_id).age_at_referral
    return [d.id for d in ScreeningController.load(session, case_id, age).next_instruments()]


def test_a_skip_on_one_workstation_holds_on_the_other(make_station) -> None:  # type: ignore[no-untyped-def]
    a: Station = make_station("a")
    b: Station = make_station("b")
    site = a.senior.sites[0].id
    person = a.senior.persons.register(PersonDraft("Syncy", "Skipwell", date(1979, 2, 3)), site)
    case_id = a.senior.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested", custody_record_number="SK/1")).id
    draft = a.senior.screenings.start(case_id, CORE_SCREEN, "1.0")
    core = a.senior.screenings.complete(draft.id, {}, {
        "summary": "Low mood", "suggested_instruments": ["phq9", "gad7"]})
    a.senior.notes.add(case_id, "Suggested GAD-7 not completed: offer tomorrow")  # own words
    a.senior.screenings.skip_suggested(case_id, "phq9", "Declined", core.id)
    a.sync()
    b.sync()

    [skip] = b.senior.screenings.skipped(case_id)
    assert (skip.instrument_id, skip.reason, skip.screening_id, skip.legacy_note) == (
        "phq9", "Declined", core.id, False)
    assert _suggested(b.senior, case_id) == ["gad7"]
    line = "Suggested PHQ-9 not completed: Declined"
    assert line in [e.summary for e in b.senior.cases.open(case_id).timeline]
    assert a.sync_service().status().pending_ops == 0
