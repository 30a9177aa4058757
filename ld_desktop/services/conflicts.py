"""Record clashes from offline edits, and a senior practitioner's decision on each.

The decision is an op that syncs (so the conflict closes on every workstation) and is audited;
the values not chosen stay in the conflict's history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.store.conflict_queries import (
    decided_conflicts,
    get_conflict,
    open_conflicts,
    record_of,
)
from ld_desktop.store.models import Case, ConflictRecord, Person
from ld_desktop.store.signature_checks import decision_signature
from ld_desktop.store.staff_queries import all_staff
from ld_desktop.store.sync_state import device_state


@dataclass(frozen=True)
class ClashingValue:
    value: Any
    user: str
    device_id: str
    hlc: str
    user_label: str = ""      # the person's name and username, as staff records know them
    device_label: str = ""    # "this workstation", or another one without its raw id


@dataclass(frozen=True)
class ConflictView:
    id: uuid.UUID
    entity: str
    entity_id: uuid.UUID
    field: str
    values: tuple[ClashingValue, ...]
    current: Any
    status: str
    site_id: uuid.UUID | None
    case_id: uuid.UUID | None
    record_label: str = ""       # whose record, in words


@dataclass(frozen=True)
class DecisionView:
    """A decided clash: who decided, and whether their own signature proves it."""

    id: uuid.UUID
    field: str
    record_label: str
    decided_by: str
    reason: str
    signature_verified: bool


class ConflictService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def open(self) -> list[ConflictView]:
        """Clashes at my sites waiting for a decision (seniors only)."""
        self._s.require(Permission.RESOLVE_CONFLICTS)
        with self._s.store.reading() as db:
            views = [self._view(db, c) for c in open_conflicts(db)]
        mine = set(self._s.site_ids)
        return [v for v in views if v.site_id is None or v.site_id in mine]

    def recent_decisions(self, limit: int = 5) -> list[DecisionView]:
        self._s.require(Permission.RESOLVE_CONFLICTS)
        with self._s.store.reading() as db:
            return [DecisionView(c.id, c.field, _label(db, c, record_of(db, c)),
                                 str((c.resolution or {}).get("user", "")),
                                 str((c.resolution or {}).get("reason", "")),
                                 decision_signature(db, c) is True)
                    for c in decided_conflicts(db, limit)]

    def count_open(self) -> int:
        with self._s.store.reading() as db:
            return len(open_conflicts(db))

    def decide(self, conflict_id: uuid.UUID, value: Any, reason: str) -> None:
        self._s.require(Permission.RESOLVE_CONFLICTS)
        if not reason.strip():
            raise ValueError("Give the reason for the decision.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            conflict = get_conflict(uow.session, conflict_id)
            if conflict is None:
                raise RecordNotFound("conflict")
            if conflict.status != "open" or conflict.decision_pending:
                raise ValueError("This conflict has already been decided.")
            offered = [v["value"] for v in conflict.values]
            if value not in offered and not isinstance(value, str):
                raise ValueError("Choose one of the values, or write a combined text value.")
            record = record_of(uow.session, conflict)
            uow.changes.resolve_conflict(conflict, record, value, reason.strip())
            uow.audit("conflict-decided", entity=conflict.entity, entity_id=conflict.entity_id,
                      case_id=_case_id(conflict, record),
                      detail={"conflict": str(conflict.id), "field": conflict.field,
                              "chosen": "combined" if value not in offered else "one value"})
        self._s.bus.publish(Changes(frozenset({"conflict", conflict.entity})))

    def _view(self, db: Any, c: ConflictRecord) -> ConflictView:
        record = record_of(db, c)
        site = getattr(record, "site_id", None)
        people = {m.username: m.display_name for m in all_staff(db)}
        enrolment = device_state(db).enrolment
        mine = {str(self._s.device_id), str(enrolment.get("device_id", ""))}
        names = dict(enrolment.get("device_names", {}))
        return ConflictView(
            id=c.id, entity=c.entity, entity_id=c.entity_id, field=c.field,
            values=tuple(ClashingValue(
                v["value"], v["user"], v["device_id"], v["hlc"],
                user_label=_person(v["user"], people),
                device_label=_device(v["device_id"], mine, names))
                for v in c.values),
            current=c.current.get("value"), status=c.status,
            site_id=site if isinstance(site, uuid.UUID) else None,
            case_id=_case_id(c, record),
            record_label=_label(db, c, record),
        )


def _person(username: str, people: dict[str, str]) -> str:
    name = people.get(username)
    return f"{name} ({username})" if name and name != username else username


def _device(device_id: str, mine: set[str], names: dict[str, str]) -> str:
    """This workstation, or another one by its enrolled name (the server's list, refreshed at
    each sync); a raw id (a UUID) means nothing to a reader, so an unknown one is shortened."""
    if device_id in mine:
        return "this workstation"
    if names.get(device_id):
        return str(names[device_id])
    try:
        uuid.UUID(device_id)
    except ValueError:
        return device_id
    return f"another workstation (…{device_id[-4:]})"


def _label(db: Any, conflict: ConflictRecord, record: object) -> str:
    """'Case of SMITH, Jo (custody ABC/1)' or 'Person SMITH, Jo': who the clash is about."""
    person = record if isinstance(record, Person) else None
    case = record if isinstance(record, Case) else None
    case_id = _case_id(conflict, record)
    if case is None and case_id is not None:
        case = db.get(Case, case_id)
    if person is None and case is not None:
        person = db.get(Person, case.person_id)
    name = f"{person.family_name.upper()}, {person.given_name}" if person else "unknown person"
    what = conflict.entity.replace("_", " ")
    custody = f" (custody {case.custody_record_number})" if case and \
        case.custody_record_number else ""
    return f"{what.capitalize()} of {name}{custody}"


def _case_id(conflict: ConflictRecord, record: object) -> uuid.UUID | None:
    if conflict.entity == SyncedEntity.CASE:
        return conflict.entity_id
    case_id = getattr(record, "case_id", None)
    return case_id if isinstance(case_id, uuid.UUID) else None
