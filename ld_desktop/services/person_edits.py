"""Correcting a person's details. Only the fields the practitioner changed (compared with the
record as the dialog showed it) are written, each as a field-level synced change, so an edit
made meanwhile on another workstation to any other field is kept. The old values go into a
synced ``record_change`` for the timeline; the edit is audited."""

from __future__ import annotations

import uuid
from typing import Any

from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.domain.person_search import person_search_text
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.persons import PersonDraft, _draft_fields, person_view
from ld_desktop.services.record_changes import FIELD_LABELS, ChangeEntry, history_of
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes, PersonView
from ld_desktop.store.case_queries import custody_numbers_for
from ld_desktop.store.change_history import person_sites, record_change, wire_values
from ld_desktop.store.models import Person
from ld_desktop.store.person_queries import get_visible
from ld_desktop.store.redirects import follow_redirect
from ld_desktop.store.search_index import index_person


class NothingChanged(ValueError):
    def __init__(self) -> None:
        super().__init__("Nothing was changed.")


def _as_shown(view: PersonView) -> dict[str, Any]:
    return {
        "given_name": view.given_name, "family_name": view.family_name,
        "date_of_birth": view.date_of_birth, "gender": view.gender, "sex": view.sex,
        "nhs_number": view.nhs_number, "ethnic_category": view.ethnic_category,
        "aliases": list(view.aliases), "address": view.address,
        "no_fixed_abode": view.no_fixed_abode, "communication_needs": view.communication_needs,
        "interpreter_language": view.interpreter_language, "parent_carer": view.parent_carer,
        "gp_practice": view.gp_practice,
    }


class PersonEditService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def edit(self, original: PersonView, draft: PersonDraft, reason: str | None = None
             ) -> PersonView:
        """``original``: the record as the dialog showed it. A changed NHS number is checked
        (Modulus 11) and goes back to "unverified" until traced."""
        self._s.require(Permission.EDIT_RECORDS)
        clean = draft.validated(self._s.now().date())
        wanted = _draft_fields(clean)
        shown = _as_shown(original)
        values = {k: v for k, v in wanted.items() if k in shown and v != shown[k]}
        if "nhs_number" in values:
            values["nhs_number_status"] = (NhsNumberStatus.UNVERIFIED if values["nhs_number"]
                                           else NhsNumberStatus.NOT_KNOWN)
        if not values:
            raise NothingChanged()
        user = self._s.user.username
        with self._s.store.unit_of_work(user) as uow:
            db = uow.session
            person = get_visible(db, follow_redirect(db, original.id), self._s.site_ids)
            if person is None or person.entered_in_error:
                raise RecordNotFound(SyncedEntity.PERSON)
            if person.id != original.id:
                _refuse_unseen_overwrite(person, values, shown)
            old = wire_values(person, list(values))
            changed = uow.changes.update(person, values)
            if not changed:
                raise NothingChanged()   # someone made the same correction already
            record_change(uow.changes, person, "edit", {k: old[k] for k in changed},
                          wire_values(person, changed), user, person_sites(db, person),
                          (reason or "").strip() or None)
            index_person(db, person.id,
                         person_search_text(person, custody_numbers_for(db, person.id)))
            uow.audit("edit", entity=SyncedEntity.PERSON, entity_id=person.id,
                      detail={"fields": changed})
            view = person_view(person)
        self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON, SyncedEntity.CASE}),
                                    frozenset({view.id})))
        return view

    def history(self, person_id: uuid.UUID) -> list[ChangeEntry]:
        """Corrections, merges and moves of this person, oldest first."""
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            person = get_visible(db, follow_redirect(db, person_id), self._s.site_ids)
            if person is None:
                raise RecordNotFound(SyncedEntity.PERSON)
            return history_of(db, SyncedEntity.PERSON, person.id)


def _refuse_unseen_overwrite(survivor: Person, values: dict[str, Any],
                             shown: dict[str, Any]) -> None:
    """The record shown was merged into ``survivor`` while the dialog was open: a change to a
    field the survivor holds differently would overwrite a value nobody saw (by sync, the
    same edit is kept as a conflict). Refuse; a field the survivor holds as shown is fine."""
    differing = [k for k in values if k in shown and getattr(survivor, k) != shown[k]]
    if differing:
        labels = [FIELD_LABELS.get(k, k) for k in differing]
        fields = ", ".join(t if t[:2].isupper() else t[:1].lower() + t[1:] for t in labels)
        raise ValueError(
            f"This record was merged into {survivor.family_name.upper()}, "
            f"{survivor.given_name} while you were editing, and that record's {fields} "
            "differs from what you saw. Nothing was saved: open that record and make the "
            "change there.")
