"""Wire models beyond push/pull: enrolment, device identity, sites and staff directory."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from sync.protocol import StorableText


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteInfo(_Model):
    id: str = Field(min_length=1, max_length=64)      # str(site_id_for(name))
    name: str = Field(min_length=1, max_length=200)


class EnrolRequest(_Model):
    code: StorableText = Field(min_length=4, max_length=64)
    # base64 of the raw 32-byte Ed25519 key
    public_key: StorableText = Field(min_length=40, max_length=64)
    device_name: StorableText = Field(min_length=1, max_length=100)
    # A training workstation says so; a live server refuses it and a training server refuses
    # anything else, so fictional training data and live data never meet.
    training: StrictBool = False


class EnrolResponse(_Model):
    device_id: str
    sites: list[SiteInfo]
    server_time: datetime
    training: bool = False   # the server's own mode; the workstation checks it matches


class DeviceInfo(_Model):
    device_id: str
    name: str
    sites: list[SiteInfo]
    enrolled_at: datetime
    last_seen: datetime | None = None
    revoked_at: datetime | None = None


class DeviceName(_Model):
    device_id: str
    name: str


class DeviceNames(_Model):
    """Names of the workstations sharing a site with the asking device (for the Conflicts
    page: 'Riverside court workstation', not a UUID). Revoked ones are kept: old clashes
    still name them."""
    devices: list[DeviceName]


class StaffMember(_Model):
    id: uuid.UUID
    name: StorableText = Field(min_length=1, max_length=200)
    role: StorableText = Field(min_length=1, max_length=100)
    sites: list[Annotated[StorableText, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=64)   # site ids
    active: StrictBool = True


class StaffList(_Model):
    staff: list[StaffMember]


class SiteList(_Model):
    sites: list[SiteInfo]
