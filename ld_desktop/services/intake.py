"""Referral intake: the person and their referral filed in one transaction.

The person is either an explicit choice of someone already known (their id) or a new person's
details. A refused referral (a missing custody record number, a bad date of birth, a possible
duplicate not yet confirmed) leaves nothing behind: no person, no case, no outbox op, no audit
event. Hazard H4 (wrong person) in docs/clinical-safety/hazard-log.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from ld_desktop.domain.pathway import Urgency
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.cases import ReferralDraft, file_case
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.persons import PersonDraft, create_person, person_summary
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView, Changes, PersonSummary
from ld_desktop.store import person_queries
from ld_desktop.store.models import Person
from ld_desktop.store.redirects import follow_redirect

#: stands in for the person's id while a new person's referral is checked before saving
_NOT_YET_REGISTERED = uuid.UUID(int=0)


class PossibleDuplicates(ValueError):
    """A new person looks like someone already known: choose them, or confirm someone new."""

    def __init__(self, people: list[PersonSummary]) -> None:
        names = "; ".join(p.display_name for p in people[:3])
        super().__init__(f"Possible duplicate: {names}.")
        self.people = people


@dataclass(frozen=True)
class Intake:
    person: uuid.UUID | PersonDraft   # an explicit choice of someone known, or someone new
    site_id: uuid.UUID
    source: str
    contact_type: str
    custody_record_number: str | None = None
    offences: tuple[str, ...] = field(default=())
    urgency: str = Urgency.ROUTINE.value
    reason: str | None = None
    referral_time: datetime | None = None
    #: register the new person although they look like someone already known
    new_person_confirmed: bool = False

    def referral_for(self, person_id: uuid.UUID) -> ReferralDraft:
        return ReferralDraft(person_id, self.site_id, self.source, self.contact_type,
                             self.referral_time, self.custody_record_number, self.offences,
                             self.urgency, self.reason)


class IntakeService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def refer(self, intake: Intake) -> CaseView:
        """File the referral (and register the new person) in one transaction."""
        self._s.require(Permission.EDIT_RECORDS)
        if intake.site_id not in self._s.site_ids:
            raise PermissionError("You can only take referrals at your own sites.")
        chosen = intake.person if isinstance(intake.person, uuid.UUID) else None
        referral = intake.referral_for(chosen or _NOT_YET_REGISTERED).validated(self._s.now())
        new = (intake.person.validated(self._s.now().date())
               if isinstance(intake.person, PersonDraft) else None)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            if chosen is not None:
                # merged into another record since it was chosen: file under the survivor
                person = uow.session.get(Person, follow_redirect(uow.session, chosen))
                if person is None or person.entered_in_error:
                    raise RecordNotFound(SyncedEntity.PERSON)
            else:
                assert new is not None      # not a chosen id, so a new person's details
                if not intake.new_person_confirmed:
                    alike = person_queries.possible_duplicates(
                        uow.session, new.given_name, new.family_name, new.date_of_birth,
                        new.nhs_number)
                    if alike:
                        raise PossibleDuplicates([person_summary(p) for p in alike])
                person = create_person(uow, new, intake.site_id)
            case, site = file_case(uow, replace(referral, person_id=person.id), person,
                                   self._s.user.username)
            view = self._s.cases.view_new(uow.session, case, person, site)
        self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON, SyncedEntity.CASE}),
                                    frozenset({view.id, view.person.id})))
        return view
