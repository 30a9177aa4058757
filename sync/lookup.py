"""Wire models of a cross-site person lookup: how a workstation finds a person first seen at
another site. Exact match only (an NHS number, or surname, given name and date of birth),
made by a named user for a case at one of the device's own sites, recorded by the server;
the people found are then shared with that site and arrive in its pulls."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sync.protocol import RecordState, SiteId, StorableText

Name = Annotated[StorableText, Field(min_length=1, max_length=200)]
MAX_MATCHES = 10


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonLookupRequest(_Model):
    user: Annotated[StorableText, Field(min_length=1, max_length=128)]
    site_id: SiteId                      # the device's site the case is at
    case_id: uuid.UUID                   # the case the person is looked up for
    reason: Annotated[StorableText, Field(min_length=1, max_length=500)]
    nhs_number: Annotated[str, Field(pattern=r"^\d{10}$")] | None = None
    family_name: Name | None = None
    given_name: Name | None = None
    date_of_birth: date | None = None

    @model_validator(mode="after")
    def _exact(self) -> Self:
        by_name = (self.family_name, self.given_name, self.date_of_birth)
        if self.nhs_number is None and None in by_name:
            raise ValueError("give an NHS number, or surname, given name and date of birth")
        return self


class PersonLookupResponse(_Model):
    lookup_id: uuid.UUID
    matches: list[RecordState]           # now shared with the site; they arrive in pulls
    too_many: bool = False               # more than MAX_MATCHES: nothing shared; be exact


class LookupRecord(_Model):
    """A lookup as the server recorded it (for a person's audit)."""

    lookup_id: uuid.UUID
    at: datetime
    device_id: str
    user: str
    site_id: str
    case_id: uuid.UUID
    by: str                              # "nhs_number" | "name_and_date_of_birth"
    reason: str


class LookupList(_Model):
    lookups: list[LookupRecord]
