"""People: register, update, find, open (audited as a view)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from ld_desktop.domain import nhs_number
from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.domain.pathway import Gender
from ld_desktop.domain.person_search import person_search_text
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.access_audit import audit_list, audit_search
from ld_desktop.services.lookup_errors import RecordNotFound as RecordNotFound
from ld_desktop.services.person_codes import ethnic_categories, sex_codes
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes, PersonSummary, PersonView
from ld_desktop.store import person_queries
from ld_desktop.store.case_queries import custody_numbers_for
from ld_desktop.store.models import Person
from ld_desktop.store.person_queries import get_visible
from ld_desktop.store.redirects import follow_redirect
from ld_desktop.store.search_index import index_person
from ld_desktop.store.store import DbSession, UnitOfWork


@dataclass(frozen=True)
class PersonDraft:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    gender: str = Gender.NOT_STATED.value
    nhs_number: str | None = None
    ethnic_category: str = "Z"
    aliases: tuple[str, ...] = field(default=())
    address: str | None = None
    no_fixed_abode: bool = False
    communication_needs: str | None = None
    interpreter_language: str | None = None
    parent_carer: str | None = None
    gp_practice: str | None = None
    sex: str = "X"                      # NHS phenotypic sex code (resources/codes)
    estimated_birth_year: int | None = None   # when the date of birth is not known

    def validated(self, today: date) -> PersonDraft:
        """A clean copy, or ValueError naming what to fix."""
        given, family = self.given_name.strip(), self.family_name.strip()
        if not given or not family:
            raise ValueError("Enter both a given name and a family name.")
        if self.date_of_birth is not None:
            if self.date_of_birth > today:
                raise ValueError("The date of birth is in the future.")
            if self.date_of_birth.year < today.year - 120:
                raise ValueError("The date of birth is more than 120 years ago.")
            if self.estimated_birth_year is not None:
                raise ValueError("Give either the date of birth or an estimated age, not both.")
        elif self.estimated_birth_year is not None and not (
                today.year - 120 <= self.estimated_birth_year <= today.year - MIN_ESTIMATED_AGE):
            raise ValueError(f"An estimated age is between {MIN_ESTIMATED_AGE} and 120.")
        number = None
        if self.nhs_number and self.nhs_number.strip():
            number = nhs_number.normalise(self.nhs_number)  # InvalidNhsNumber is a ValueError
        if self.ethnic_category not in {c.code for c in ethnic_categories()}:
            raise ValueError("Choose an NHS ethnic category (or Z, not stated).")
        if self.sex not in {c.code for c in sex_codes()}:
            raise ValueError("Choose a sex from the list (or X, not known).")
        Gender(self.gender)
        aliases = tuple(a.strip() for a in self.aliases if a.strip())
        return PersonDraft(
            given, family, self.date_of_birth, self.gender, number, self.ethnic_category,
            aliases, _clean(self.address), self.no_fixed_abode, _clean(self.communication_needs),
            _clean(self.interpreter_language), _clean(self.parent_carer),
            _clean(self.gp_practice), self.sex, self.estimated_birth_year,
        )


#: the youngest estimated age accepted (the age of criminal responsibility)
MIN_ESTIMATED_AGE = 10


def _clean(text: str | None) -> str | None:
    return text.strip() or None if text else None


def person_summary(p: Person) -> PersonSummary:
    return PersonSummary(
        p.id, p.given_name, p.family_name, p.date_of_birth, p.nhs_number, p.nhs_number_status
    )


def person_view(p: Person) -> PersonView:
    return PersonView(
        id=p.id, given_name=p.given_name, family_name=p.family_name,
        date_of_birth=p.date_of_birth, nhs_number=p.nhs_number,
        nhs_number_status=p.nhs_number_status, gender=p.gender,
        ethnic_category=p.ethnic_category, aliases=tuple(p.aliases), address=p.address,
        no_fixed_abode=p.no_fixed_abode, communication_needs=p.communication_needs,
        interpreter_language=p.interpreter_language, parent_carer=p.parent_carer,
        gp_practice=p.gp_practice, site_id=p.site_id, sex=p.sex, merged_into=p.merged_into,
        estimated_birth_year=p.estimated_birth_year,
    )


def _draft_fields(draft: PersonDraft) -> dict[str, object]:
    return {
        "given_name": draft.given_name, "family_name": draft.family_name,
        "date_of_birth": draft.date_of_birth, "gender": draft.gender,
        "nhs_number": draft.nhs_number,
        "nhs_number_status": (NhsNumberStatus.UNVERIFIED if draft.nhs_number
                              else NhsNumberStatus.NOT_KNOWN),
        "ethnic_category": draft.ethnic_category, "aliases": list(draft.aliases),
        "address": draft.address, "no_fixed_abode": draft.no_fixed_abode,
        "communication_needs": draft.communication_needs,
        "interpreter_language": draft.interpreter_language,
        "parent_carer": draft.parent_carer, "gp_practice": draft.gp_practice,
        "sex": draft.sex,
        "estimated_birth_year": draft.estimated_birth_year,
    }


class PersonService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def possible_duplicates(self, draft: PersonDraft) -> list[PersonSummary]:
        self._s.require(Permission.VIEW_RECORDS)
        number = nhs_number.normalise(draft.nhs_number) if draft.nhs_number else None
        with self._s.store.reading() as db:
            found = person_queries.possible_duplicates(
                db, draft.given_name.strip(), draft.family_name.strip(),
                draft.date_of_birth, number,
            )
            return [person_summary(p) for p in found]

    def register(self, draft: PersonDraft, site_id: uuid.UUID) -> PersonView:
        self._s.require(Permission.EDIT_RECORDS)
        self._require_site(site_id)
        clean = draft.validated(self._s.now().date())
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            view = person_view(create_person(uow, clean, site_id))
        self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON}), frozenset({view.id})))
        return view

    def update(self, person_id: uuid.UUID, draft: PersonDraft) -> PersonView:
        self._s.require(Permission.EDIT_RECORDS)
        clean = draft.validated(self._s.now().date())
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            person = self._visible(uow.session, person_id)
            fields = _draft_fields(clean)
            if person.nhs_number == clean.nhs_number:
                fields.pop("nhs_number_status")  # keep "verified" if the number is unchanged
            changed = uow.changes.update(person, fields)
            if changed:
                index_person(uow.session, person.id, person_search_text(
                    person, custody_numbers_for(uow.session, person.id)))
                uow.audit("update", entity=SyncedEntity.PERSON, entity_id=person.id,
                          detail={"fields": changed})
            view = person_view(person)
        self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON}), frozenset({person_id})))
        return view

    def set_parent_carer(self, person_id: uuid.UUID, details: str) -> PersonView:
        """Record a young person's parent or carer (name, relationship, contact) on its own,
        leaving every other field as it is."""
        self._s.require(Permission.EDIT_RECORDS)
        text = _clean(details)
        if text is None:
            raise ValueError("Enter the parent or carer's name, relationship and contact.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            person = self._visible(uow.session, person_id)
            if uow.changes.update(person, {"parent_carer": text}):
                uow.audit("update", entity=SyncedEntity.PERSON, entity_id=person.id,
                          detail={"fields": ["parent_carer"]})
            view = person_view(person)
        self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON, SyncedEntity.CASE}),
                                    frozenset({person_id})))
        return view

    def open(self, person_id: uuid.UUID) -> PersonView:
        """Open a person's record: audited as a view. The id of a record merged into another
        opens the survivor (a workstation may still hold the old id)."""
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            person = self._visible(uow.session, follow_redirect(uow.session, person_id))
            uow.audit("view", entity=SyncedEntity.PERSON, entity_id=person.id)
            return person_view(person)

    def search(self, text: str, limit: int = 50) -> list[PersonSummary]:
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            found = [PersonSummary(*row)
                     for row in person_queries.search(db, text, self._s.site_ids, limit)]
        audit_search(self._s, "people", text, len(found), (p.id for p in found))
        return found

    def page(self, offset: int, limit: int, sort: str = "family_name",
             descending: bool = False) -> list[PersonSummary]:
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            rows = [person_summary(p) for p in
                    person_queries.page(db, self._s.site_ids, offset, limit, sort, descending)]
        if offset == 0:   # the list shown, not each further page scrolled to
            audit_list(self._s, "people", len(rows))
        return rows

    def count(self) -> int:
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            return person_queries.count(db, self._s.site_ids)

    # ------------------------------------------------------------------ helpers
    def _require_site(self, site_id: uuid.UUID) -> None:
        if site_id not in self._s.site_ids:
            raise PermissionError("You can only record at your own sites.")

    def _visible(self, db: DbSession, person_id: uuid.UUID) -> Person:
        person = get_visible(db, person_id, self._s.site_ids)
        if person is None:
            raise RecordNotFound(SyncedEntity.PERSON)
        return person


def create_person(uow: UnitOfWork, clean: PersonDraft, site_id: uuid.UUID) -> Person:
    """Register a validated person inside the caller's transaction (synced, indexed and
    audited), so intake can file the person and their referral together or not at all."""
    person = Person(site_id=site_id, **_draft_fields(clean))
    uow.changes.create(person)
    index_person(uow.session, person.id, person_search_text(person))
    uow.audit("create", entity=SyncedEntity.PERSON, entity_id=person.id)
    return person
