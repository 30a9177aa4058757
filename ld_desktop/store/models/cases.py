"""Cases: one contact with the L&D service, from referral to closure."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models.base import Base, SyncedRecord


class Case(SyncedRecord, Base):
    __tablename__ = SyncedEntity.CASE.value
    __entity__ = SyncedEntity.CASE
    __table_args__ = (
        Index("ix_case_open_site", "site_id", "stage", "referral_time"),
        Index("ix_case_person", "person_id"),
        Index("ix_case_referral_time", "referral_time"),
        Index("ix_case_closed_at", "closed_at"),          # reports: active in a period
        Index("ix_case_person_seen", "person_id", "seen_at"),   # reports: repeat attendance
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    referral_source: Mapped[str]
    referral_time: Mapped[datetime]
    custody_record_number: Mapped[str | None]
    offences: Mapped[list[str]] = mapped_column(default=list)
    contact_type: Mapped[str]
    urgency: Mapped[str] = mapped_column(default="routine")
    reason: Mapped[str | None]
    stage: Mapped[str] = mapped_column(default="referred")
    holder: Mapped[str | None]                 # username of the practitioner holding the case
    flags: Mapped[list[str]] = mapped_column(default=list)   # vulnerability domain codes
    risk_level: Mapped[str | None]             # latest risk level: low | medium | high
    in_custody: Mapped[bool] = mapped_column(default=True)
    seen_at: Mapped[datetime | None]
    screened_at: Mapped[datetime | None]
    assessed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closure_reason: Mapped[str | None]

    def sync_links(self) -> list[tuple[str, uuid.UUID]]:
        return [(SyncedEntity.PERSON, self.person_id)]


class Outcome(SyncedRecord, Base):
    __tablename__ = SyncedEntity.OUTCOME.value
    __entity__ = SyncedEntity.OUTCOME

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    disposal: Mapped[str]
    diversion_outcome: Mapped[str | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_by: Mapped[str]
