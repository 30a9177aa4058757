"""Reading the history of corrections, merges and moves as plain words for a timeline:
"Family name: Quinn → Quin", with who, when and why."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ld_desktop.domain.nhs_number import formatted
from ld_desktop.domain.pathway import Gender, Urgency
from ld_desktop.services.person_codes import ethnic_category_label, sex_label
from ld_desktop.store.change_history import changes_for
from ld_desktop.store.models import Person, RecordChange
from ld_desktop.store.store import DbSession

FIELD_LABELS = {
    "given_name": "Given name", "family_name": "Family name", "date_of_birth": "Date of birth",
    "gender": "Gender", "sex": "Sex", "nhs_number": "NHS number",
    "nhs_number_status": "NHS number status", "ethnic_category": "Ethnic category",
    "aliases": "Also known as", "address": "Address", "no_fixed_abode": "No fixed abode",
    "communication_needs": "Communication needs", "interpreter_language": "Interpreter",
    "parent_carer": "Parent or carer", "gp_practice": "GP practice",
    "urgency": "Urgency", "custody_record_number": "Custody number", "offences": "Offences",
    "holder": "Held by", "person_id": "Person", "merged_into": "Merged into",
    "merged_in": "Record merged in",
}
PERSON_FIELDS = frozenset({"person_id", "merged_into"})
KIND_LABELS = {"edit": "Corrected", "merge": "Merged", "undo-merge": "Merge undone",
               "move": "Case moved", "redirect": "Followed a merge"}


@dataclass(frozen=True)
class ChangeEntry:
    at: datetime
    kind: str
    by: str
    reason: str | None
    lines: tuple[str, ...]      # "Field: old → new"

    @property
    def summary(self) -> str:
        text = f"{KIND_LABELS.get(self.kind, self.kind)}: " + "; ".join(self.lines)
        return text + (f" (reason: {self.reason})" if self.reason else "")


def show_value(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if field == "ethnic_category":
        return ethnic_category_label(str(value))
    if field == "sex":
        return sex_label(str(value))
    if field == "gender":
        try:
            return Gender(str(value)).label
        except ValueError:
            return str(value)
    if field == "urgency":
        try:
            return Urgency(str(value)).label
        except ValueError:
            return str(value)
    if field == "nhs_number":
        return formatted(str(value))
    if field == "date_of_birth":
        y, m, d = str(value).split("-")
        return f"{d}/{m}/{y}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def entry(row: RecordChange, person_name: Callable[[str], str] = str) -> ChangeEntry:
    def shown(name: str, value: Any) -> str:
        if name in PERSON_FIELDS and value:
            return person_name(str(value))
        return show_value(name, value)

    lines = tuple(
        f"{FIELD_LABELS.get(name, name)}: {shown(name, change.get('old'))} → "
        f"{shown(name, change.get('new'))}"
        for name, change in row.changes.items()
        if name not in {"merge_detail"}
    )
    return ChangeEntry(row.created_at, row.kind, row.recorded_by, row.reason, lines)


def history_of(db: DbSession, entity: str, record_id: uuid.UUID) -> list[ChangeEntry]:
    """Person ids in the history (a case moved, a merge) are shown as names."""
    def person_name(value: str) -> str:
        try:
            person = db.get(Person, uuid.UUID(value))
        except ValueError:
            return value
        if person is None:
            return "a record not held here"
        return f"{person.family_name.upper()}, {person.given_name}"

    return [entry(row, person_name) for row in changes_for(db, entity, record_id)]
