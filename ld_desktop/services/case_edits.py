"""Correcting a case's details (urgency, custody number, offences, holder). Only what the
practitioner changed against the case as shown is written, field by field and synced; the
old values go into a synced ``record_change`` for the timeline; the edit is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ld_desktop.domain.pathway import ContactType, Urgency
from ld_desktop.domain.person_search import person_search_text
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.person_edits import NothingChanged
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView, Changes
from ld_desktop.store.case_detail_queries import get_visible_case
from ld_desktop.store.case_queries import custody_numbers_for
from ld_desktop.store.change_history import record_change, wire_values
from ld_desktop.store.search_index import index_person
from ld_desktop.store.staff_queries import all_staff, find_staff


@dataclass(frozen=True)
class CaseDetailsDraft:
    urgency: str
    custody_record_number: str | None
    offences: tuple[str, ...] = field(default=())
    holder: str | None = None

    def validated(self, contact_type: str) -> dict[str, Any]:
        try:
            Urgency(self.urgency)
        except ValueError:
            raise ValueError("Choose routine, soon or urgent.") from None
        crn = (self.custody_record_number or "").strip() or None
        if crn is None and contact_type == ContactType.ARRESTED.value:
            raise ValueError("Someone under arrest needs a custody record number.")
        return {"urgency": self.urgency, "custody_record_number": crn,
                "offences": [o.strip() for o in self.offences if o.strip()],
                "holder": (self.holder or "").strip() or None}


def _as_shown(view: CaseView) -> dict[str, Any]:
    return {"urgency": view.urgency, "custody_record_number": view.custody_record_number,
            "offences": list(view.offences), "holder": view.holder}


class CaseEditService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def edit_details(self, original: CaseView, draft: CaseDetailsDraft,
                     reason: str | None = None) -> list[str]:
        """Returns the fields changed. A closed case can be corrected too."""
        self._s.require(Permission.EDIT_RECORDS)
        wanted = draft.validated(original.contact_type)
        shown = _as_shown(original)
        values = {k: v for k, v in wanted.items() if v != shown[k]}
        if not values:
            raise NothingChanged()
        user = self._s.user.username
        with self._s.store.unit_of_work(user) as uow:
            db = uow.session
            if values.get("holder") is not None:
                staff = find_staff(db, str(values["holder"]))
                if staff is None or not staff.active:
                    raise ValueError(f"There is no active member of staff called "
                                     f"{values['holder']!r}.")
            found = get_visible_case(db, original.id, self._s.site_ids)
            if found is None:
                raise RecordNotFound(SyncedEntity.CASE)
            case, person, _site = found
            old = wire_values(case, list(values))
            changed = uow.changes.update(case, values)
            if not changed:
                raise NothingChanged()
            record_change(uow.changes, case, "edit", {k: old[k] for k in changed},
                          wire_values(case, changed), user, [str(case.site_id)],
                          (reason or "").strip() or None)
            if "custody_record_number" in changed:
                index_person(db, person.id,
                             person_search_text(person, custody_numbers_for(db, person.id)))
            uow.audit("edit", entity=SyncedEntity.CASE, entity_id=case.id, case_id=case.id,
                      detail={"fields": changed})
        self._s.bus.publish(Changes(frozenset({SyncedEntity.CASE}), frozenset({original.id})))
        return changed

    def holders(self) -> list[tuple[str, str]]:
        """(username, display name) of active staff who can hold a case."""
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            return [(s.username, s.display_name) for s in all_staff(db)
                    if s.active and s.role != "admin"]
