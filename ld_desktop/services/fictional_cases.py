"""One writer for a fictional person and their case (the demo data and the training
scenarios): rows and outbox ops through the caller's unit of work, stage times that follow
the referral, an optional note, and the person's search-index entry, as a real referral is
written."""

from __future__ import annotations

from datetime import datetime, timedelta

from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.domain.pathway import Stage
from ld_desktop.domain.person_search import person_search_text
from ld_desktop.store.models import Case, Note, Person
from ld_desktop.store.search_index import index_person
from ld_desktop.store.store import UnitOfWork

#: the times a case records, in the order its stages are reached
_STAGE_TIMES = ((Stage.SEEN, "seen_at"), (Stage.SCREENED, "screened_at"),
                (Stage.ASSESSED, "assessed_at"), (Stage.CLOSED, "closed_at"))


def write_person_and_case(uow: UnitOfWork, person: Person, case: Case, *, step: timedelta,
                          now: datetime, note: str | None = None) -> Case:
    """Write ``person`` and ``case`` (its person filled in). Each stage the case has reached
    gets a time ``step`` after the one before, from the referral, never later than ``now``."""
    person.nhs_number_status = (NhsNumberStatus.UNVERIFIED if person.nhs_number
                                else NhsNumberStatus.NOT_KNOWN)
    uow.changes.create(person)
    case.person_id = person.id
    order = list(Stage)
    reached = order.index(Stage(case.stage))
    for steps, (stage, stamp) in enumerate(_STAGE_TIMES, start=1):
        if reached >= order.index(stage):
            setattr(case, stamp, min(case.referral_time + steps * step, now))
    uow.changes.create(case)
    if note:
        uow.changes.create(Note(case_id=case.id, site_id=case.site_id,
                                recorded_by=case.holder or uow.user, body=note))
    uow.session.flush()
    index_person(uow.session, person.id,
                 person_search_text(person, [case.custody_record_number]))
    return case
