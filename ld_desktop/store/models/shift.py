"""End of shift: handover notes and the rota."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models.base import Base, SyncedRecord


class HandoverNote(SyncedRecord, Base):
    __tablename__ = SyncedEntity.HANDOVER_NOTE.value
    __entity__ = SyncedEntity.HANDOVER_NOTE
    __append_only__ = True

    site_ids: Mapped[list[str]] = mapped_column(default=list)
    shift_start: Mapped[datetime]
    shift_end: Mapped[datetime]
    author: Mapped[str]
    notes: Mapped[dict[str, Any]] = mapped_column(default=dict)   # {"general": ..., site: ...}
    sync_receipt: Mapped[dict[str, Any]] = mapped_column(default=dict)
    incomplete_reason: Mapped[str | None]

    def sync_sites(self) -> list[str]:
        return list(self.site_ids)


class HandoverAcknowledgement(SyncedRecord, Base):
    __tablename__ = SyncedEntity.HANDOVER_ACK.value
    __entity__ = SyncedEntity.HANDOVER_ACK
    __append_only__ = True

    handover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("handover_note.id"))
    site_ids: Mapped[list[str]] = mapped_column(default=list)
    acknowledged_by: Mapped[str]

    def sync_sites(self) -> list[str]:
        return list(self.site_ids)


class RotaEntry(SyncedRecord, Base):
    __tablename__ = SyncedEntity.ROTA_ENTRY.value
    __entity__ = SyncedEntity.ROTA_ENTRY

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    username: Mapped[str | None]           # None = an unfilled shift
    on_date: Mapped[date]
    starts: Mapped[str]                    # "07:00"
    ends: Mapped[str]                      # "15:00"
    kind: Mapped[str] = mapped_column(default="shift")   # shift | leave | sickness
