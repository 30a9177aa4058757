"""Merging two people's records, undoing a merge, and moving a case to another person.

Merge (a senior): the merged person's cases move to the survivor (their screenings, notes
and the rest belong to the case, so they move with it); the survivor gains the other's
names as aliases and any detail it lacked; the merged record stays as a redirect
(``merged_into``) that syncs, with ``merge_detail`` saying what moved, so any workstation can
follow it and any can undo it. All are field-level synced changes, recorded in
``record_change`` (old and new values) and audited. Two different NHS numbers refuse the
merge: they are two people.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.domain.person_search import person_search_text
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.persons import person_summary, person_view
from ld_desktop.services.record_changes import FIELD_LABELS, show_value
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes, PersonSummary, PersonView
from ld_desktop.store.case_detail_queries import get_visible_case
from ld_desktop.store.case_queries import custody_numbers_for
from ld_desktop.store.change_history import person_sites, record_change, wire_values
from ld_desktop.store.merge_queries import cases_of, cases_redirected_from, merged_into
from ld_desktop.store.models import Case, Person
from ld_desktop.store.person_queries import get_visible
from ld_desktop.store.redirects import follow_redirect, onward_chain
from ld_desktop.store.search_index import index_person
from ld_desktop.store.store import DbSession

#: details the survivor takes from the merged record when it has none of its own
FILLED_IF_EMPTY = ("date_of_birth", "nhs_number", "address", "gp_practice",
                   "communication_needs", "interpreter_language", "parent_carer")
COMPARED = ("given_name", "family_name", "date_of_birth", "nhs_number", "sex", "gender",
            "address", "gp_practice")


class MergeRefused(ValueError):
    """The merge cannot go ahead; the message says why."""


@dataclass(frozen=True)
class MergePreview:
    survivor: PersonView
    merged: PersonView
    cases_to_move: int
    differences: tuple[str, ...]      # "Date of birth: 01/02/1990 / 02/01/1990"


def _require_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValueError("Give the reason.")
    return text


class PersonMergeService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    # ------------------------------------------------------------------ merge
    def preview(self, survivor_id: uuid.UUID, merged_id: uuid.UUID) -> MergePreview:
        self._s.require(Permission.MERGE_RECORDS)
        with self._s.store.reading() as db:
            survivor, merged = self._pair(db, survivor_id, merged_id)
            differences = tuple(
                f"{FIELD_LABELS[name]}: {show_value(name, a)} / {show_value(name, b)}"
                for name in COMPARED
                for a, b in [tuple(wire_values(p, [name])[name] for p in (survivor, merged))]
                if a != b)
            return MergePreview(person_view(survivor), person_view(merged),
                                len(cases_of(db, merged.id)), differences)

    def merge(self, survivor_id: uuid.UUID, merged_id: uuid.UUID, reason: str) -> PersonView:
        self._s.require(Permission.MERGE_RECORDS)
        why = _require_reason(reason)
        user = self._s.user.username
        with self._s.store.unit_of_work(user) as uow:
            db = uow.session
            survivor, merged = self._pair(db, survivor_id, merged_id)
            snapshot = dict(merged.field_versions)
            moved = []
            for case in cases_of(db, merged.id):   # before the redirect: pulled in this order
                uow.changes.update(case, {"person_id": survivor.id})
                record_change(uow.changes, case, "merge", {"person_id": str(merged.id)},
                              {"person_id": str(survivor.id)}, user, [str(case.site_id)], why)
                moved.append(str(case.id))
            filled: dict[str, Any] = {}
            for name in FILLED_IF_EMPTY:
                if getattr(survivor, name) in (None, "") and getattr(merged, name):
                    filled[name] = getattr(merged, name)
            if "nhs_number" in filled:
                filled["nhs_number_status"] = NhsNumberStatus.UNVERIFIED
            names = [f"{merged.given_name} {merged.family_name}", *merged.aliases]
            own = f"{survivor.given_name} {survivor.family_name}"
            added = [n for n in dict.fromkeys(names) if n != own and n not in survivor.aliases]
            values = {**filled, **({"aliases": [*survivor.aliases, *added]} if added else {})}
            old = wire_values(survivor, list(values))
            uow.changes.update(survivor, values)
            new = wire_values(survivor, list(values))
            detail = {"survivor": str(survivor.id), "cases": moved, "aliases_added": added,
                      "filled": {k: {"old": old[k], "new": new[k]} for k in filled},
                      "versions": snapshot, "reason": why, "by": user,
                      "at": self._s.now().isoformat()}
            uow.changes.update(merged, {"merged_into": survivor.id, "merge_detail": detail})
            sites = sorted(set(person_sites(db, survivor)) | {str(merged.site_id)})
            record_change(uow.changes, survivor, "merge",
                          {"merged_in": None, **old},
                          {"merged_in": f"{merged.family_name.upper()}, {merged.given_name}",
                           **new}, user, sites, why)
            record_change(uow.changes, merged, "merge", {"merged_into": None},
                          {"merged_into": str(survivor.id)}, user, sites, why)
            self._reindex(db, survivor, merged)
            uow.audit("merge", entity=SyncedEntity.PERSON, entity_id=survivor.id,
                      detail={"merged": str(merged.id), "cases": len(moved)})
            view = person_view(survivor)
        self._announce(survivor.id, merged.id)
        return view

    def undo_merge(self, merged_id: uuid.UUID, reason: str) -> PersonView:
        """Puts back what the merge moved, where nothing has changed it since: cases still
        with the survivor return, added aliases go, details filled in are emptied again."""
        self._s.require(Permission.MERGE_RECORDS)
        why = _require_reason(reason)
        user = self._s.user.username
        with self._s.store.unit_of_work(user) as uow:
            db = uow.session
            merged = db.get(Person, merged_id)
            if merged is None or merged.merged_into is None or not merged.merge_detail:
                raise MergeRefused("This record has not been merged into another.")
            survivor = get_visible(db, merged.merged_into, self._s.site_ids)
            if survivor is None:
                raise RecordNotFound(SyncedEntity.PERSON)
            _refuse_if_merged_on(db, survivor, merged)
            detail = merged.merge_detail
            case_ids = [uuid.UUID(c) for c in detail.get("cases", [])]
            case_ids += cases_redirected_from(db, merged.id)
            for case_id in dict.fromkeys(case_ids):
                # every case, at whatever site: the merge moved them all (cases_of)
                case = db.get(Case, case_id)
                if case is not None and case.person_id == survivor.id:
                    uow.changes.update(case, {"person_id": merged.id})
                    record_change(uow.changes, case, "undo-merge",
                                  {"person_id": str(survivor.id)}, {"person_id": str(merged.id)},
                                  user, [str(case.site_id)], why)
            values: dict[str, Any] = {}
            current = wire_values(survivor, list(detail.get("filled", {})))
            for name, change in detail.get("filled", {}).items():
                if current.get(name) == change["new"]:
                    values[name] = change["old"]
            added = set(detail.get("aliases_added", []))
            if added & set(survivor.aliases):
                values["aliases"] = [a for a in survivor.aliases if a not in added]
            if "date_of_birth" in values and values["date_of_birth"] is not None:
                values.pop("date_of_birth")       # only ever restored to empty
            old = wire_values(survivor, list(values))
            uow.changes.update(survivor, values)
            sites = sorted(set(person_sites(db, survivor)) | {str(merged.site_id)})
            record_change(uow.changes, survivor, "undo-merge",
                          {"merged_in": f"{merged.family_name.upper()}, {merged.given_name}",
                           **old}, {"merged_in": None, **wire_values(survivor, list(values))},
                          user, sites, why)
            uow.changes.update(merged, {"merged_into": None, "merge_detail": None})
            record_change(uow.changes, merged, "undo-merge",
                          {"merged_into": str(survivor.id)}, {"merged_into": None}, user,
                          sites, why)
            self._reindex(db, survivor, merged)
            uow.audit("undo-merge", entity=SyncedEntity.PERSON, entity_id=merged.id,
                      detail={"survivor": str(survivor.id)})
            view = person_view(merged)
        self._announce(survivor.id, merged.id)
        return view

    def merged_into(self, survivor_id: uuid.UUID) -> list[PersonSummary]:
        """The records merged into this person (which an undo could bring back)."""
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            return [person_summary(p) for p in merged_into(db, survivor_id)]

    # ------------------------------------------------------------------ move
    def move_case(self, case_id: uuid.UUID, to_person_id: uuid.UUID, reason: str) -> None:
        """A case filed under the wrong person goes to the right one, with a reason."""
        self._s.require(Permission.EDIT_RECORDS)
        why = _require_reason(reason)
        user = self._s.user.username
        with self._s.store.unit_of_work(user) as uow:
            db = uow.session
            found = get_visible_case(db, case_id, self._s.site_ids)
            if found is None:
                raise RecordNotFound(SyncedEntity.CASE)
            case, source, _site = found
            target = get_visible(db, follow_redirect(db, to_person_id), self._s.site_ids)
            if target is None or target.entered_in_error:
                raise RecordNotFound(SyncedEntity.PERSON)
            if target.id == source.id:
                raise ValueError("The case is already filed under this person.")
            uow.changes.update(case, {"person_id": target.id})
            record_change(uow.changes, case, "move", {"person_id": str(source.id)},
                          {"person_id": str(target.id)}, user, [str(case.site_id)], why)
            self._reindex(db, target, source)
            uow.audit("move-case", entity=SyncedEntity.CASE, entity_id=case.id, case_id=case.id,
                      detail={"from": str(source.id), "to": str(target.id)})
        self._announce(source.id, target.id, case_id)

    # ------------------------------------------------------------------ helpers
    def _pair(self, db: DbSession, survivor_id: uuid.UUID, merged_id: uuid.UUID
              ) -> tuple[Person, Person]:
        if survivor_id == merged_id:
            raise MergeRefused("Choose two different people.")
        survivor = get_visible(db, survivor_id, self._s.site_ids)
        merged = get_visible(db, merged_id, self._s.site_ids)
        if survivor is None or merged is None:
            raise RecordNotFound(SyncedEntity.PERSON)
        for person in (survivor, merged):
            if person.entered_in_error:
                raise MergeRefused(f"{person.family_name.upper()}, {person.given_name} was "
                                   "entered in error.")
            if person.merged_into is not None:
                raise MergeRefused(f"{person.family_name.upper()}, {person.given_name} has "
                                   "already been merged into another record.")
        if survivor.nhs_number and merged.nhs_number and \
                survivor.nhs_number != merged.nhs_number:
            raise MergeRefused("These records have different NHS numbers: they are two "
                               "people. Correct the wrong number first if one is wrong.")
        return survivor, merged

    def _reindex(self, db: DbSession, *people: Person) -> None:
        for p in people:
            index_person(db, p.id, person_search_text(p, custody_numbers_for(db, p.id)))

    def _announce(self, *ids: uuid.UUID) -> None:
        self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON, SyncedEntity.CASE}),
                                    frozenset(ids)))


def _refuse_if_merged_on(db: DbSession, survivor: Person, merged: Person) -> None:
    """The survivor has since been merged into another record: what this merge moved went
    on with it, so an undo now would leave the cases under that record. Undo the later merge
    first. (A cycle - two workstations merging each way - leads back to ``merged``: allowed,
    undoing it is how a senior resolves the cycle.)"""
    if merged.id in onward_chain(db, survivor.id):
        return
    if survivor.merged_into is not None:
        onward = db.get(Person, survivor.merged_into)
        name = (f"{onward.family_name.upper()}, {onward.given_name}" if onward is not None
                else "another record")
        raise MergeRefused(
            f"{survivor.family_name.upper()}, {survivor.given_name} has since been merged into "
            f"{name}; undo that merge first, then this one.")
