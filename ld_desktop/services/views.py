"""What services hand to the UI and CLI: plain frozen dataclasses, never ORM objects."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from ld_desktop.domain.roles import Role


@dataclass(frozen=True)
class SiteView:
    id: uuid.UUID
    name: str
    kind: str


@dataclass(frozen=True)
class StaffView:
    username: str
    display_name: str
    role: Role
    site_ids: tuple[uuid.UUID, ...]
    active: bool = True
    has_key_slot: bool = True


@dataclass(frozen=True)
class PersonSummary:
    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    nhs_number: str | None
    nhs_number_status: str

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"


@dataclass(frozen=True)
class PersonView(PersonSummary):
    gender: str = "not-stated"
    ethnic_category: str = "Z"
    aliases: tuple[str, ...] = ()
    address: str | None = None
    no_fixed_abode: bool = False
    communication_needs: str | None = None
    interpreter_language: str | None = None
    parent_carer: str | None = None
    gp_practice: str | None = None
    site_id: uuid.UUID | None = None
    sex: str = "X"                           # NHS phenotypic sex code
    merged_into: uuid.UUID | None = None     # set on a merged-away record (a redirect)
    estimated_birth_year: int | None = None   # only when the date of birth is not known


@dataclass(frozen=True)
class CaseRow:
    """One line of the Cases list or the caseload board."""

    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    date_of_birth: date | None
    site_id: uuid.UUID
    site_name: str
    stage: str
    urgency: str
    referral_time: datetime
    custody_record_number: str | None
    contact_type: str
    holder: str | None
    flags: tuple[str, ...]
    risk_level: str | None
    breaches: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str        # referral | stage | note | audit ...
    summary: str
    by: str | None = None


@dataclass(frozen=True)
class CaseView:
    id: uuid.UUID
    person: PersonView
    site: SiteView
    referral_source: str
    referral_time: datetime
    custody_record_number: str | None
    offences: tuple[str, ...]
    contact_type: str
    urgency: str
    reason: str | None
    stage: str
    holder: str | None
    flags: tuple[str, ...]
    risk_level: str | None
    in_custody: bool
    seen_at: datetime | None
    screened_at: datetime | None
    assessed_at: datetime | None
    closed_at: datetime | None
    age_at_referral: int | None
    is_youth: bool
    breaches: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...] = field(default=())
    estimated_age: int | None = None     # when the date of birth is not known


@dataclass(frozen=True)
class Changes:
    """What a mutation changed, so each view refreshes only what it shows (Anki OpChanges)."""

    entities: frozenset[str]
    ids: frozenset[uuid.UUID] = frozenset()

    def touches(self, *entities: str) -> bool:
        return bool(self.entities & set(entities))
