"""Sites, staff and the people L&D teams see."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models.base import Base, SyncedRecord


class Site(SyncedRecord, Base):
    """A custody suite or court. Ids are deterministic from the name (see sync.protocol)."""

    __tablename__ = SyncedEntity.SITE.value
    __entity__ = SyncedEntity.SITE
    # Sites and staff have deterministic ids, so two workstations create "the same" record;
    # when each did so is bookkeeping, not a clash worth a senior's time.
    __local_fields__ = frozenset({"created_at"})

    name: Mapped[str]
    kind: Mapped[str] = mapped_column(default="custody")  # custody | court | community
    # {"mon": ["07:00", "22:00"], ...}; missing day = closed
    core_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # an administrator's signature of the whole record (sync.op_signing), set by every change
    attestation: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    __signed__ = True

    def sync_sites(self) -> list[str]:
        return [str(self.id)]


class StaffMember(SyncedRecord, Base):
    """A member of staff. Their key slot lives only in this workstation's key file."""

    __tablename__ = SyncedEntity.STAFF.value
    __entity__ = SyncedEntity.STAFF
    __local_fields__ = frozenset({"created_at"})

    username: Mapped[str] = mapped_column(unique=True)
    display_name: Mapped[str]
    role: Mapped[str]
    site_ids: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    # public halves of the member's personal keys (one per workstation they use), base64
    signing_keys: Mapped[list[str]] = mapped_column(default=list)
    # an administrator's signature of the whole record (sync.op_signing), set by every change
    attestation: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    __signed__ = True

    def sync_sites(self) -> list[str]:
        return []  # the staff directory is shared by the whole service


class Person(SyncedRecord, Base):
    __tablename__ = SyncedEntity.PERSON.value
    __entity__ = SyncedEntity.PERSON
    # Only redirects are indexed: a partial index SQLite uses for "merged_into IS NOT NULL"
    # (a full one it skipped, walking every person: 1.1 s at 100k after each pull page).
    __table_args__ = (Index("ix_person_merged_into", "merged_into",
                            sqlite_where=text("merged_into IS NOT NULL")),
                      # reports: age at referral read from the index alone
                      Index("ix_person_id_birth", "id", "date_of_birth"))
    # which late edits to this (merged-away) record were passed on to the survivor here
    __local_fields__ = frozenset({"forwarded_versions"})

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))  # where first registered
    given_name: Mapped[str]
    family_name: Mapped[str]
    date_of_birth: Mapped[date | None]
    estimated_birth_year: Mapped[int | None]  # only when the date of birth is not known
    gender: Mapped[str] = mapped_column(default="not-stated")
    nhs_number: Mapped[str | None]
    nhs_number_status: Mapped[str] = mapped_column(default=NhsNumberStatus.NOT_KNOWN)
    ethnic_category: Mapped[str] = mapped_column(default="Z")
    aliases: Mapped[list[str]] = mapped_column(default=list)
    address: Mapped[str | None]
    no_fixed_abode: Mapped[bool] = mapped_column(default=False)
    communication_needs: Mapped[str | None]
    interpreter_language: Mapped[str | None]
    parent_carer: Mapped[str | None]          # name and contact, for under-18s
    gp_practice: Mapped[str | None]
    sex: Mapped[str] = mapped_column(default="X", server_default="X")  # phenotypic sex code
    # A merged-away person is a redirect: the survivor's id, and what the merge moved.
    merged_into: Mapped[uuid.UUID | None]
    merge_detail: Mapped[dict[str, Any] | None]
    forwarded_versions: Mapped[dict[str, Any]] = mapped_column(default=dict,
                                                               server_default="{}")
