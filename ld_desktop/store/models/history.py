"""Corrections, merges and moves, kept as synced append-only records so every workstation's
timeline shows what a field held before it was changed, by whom and why."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models.base import Base, SyncedRecord


class RecordChange(SyncedRecord, Base):
    __tablename__ = SyncedEntity.RECORD_CHANGE.value
    __entity__ = SyncedEntity.RECORD_CHANGE
    __append_only__ = True
    __table_args__ = (Index("ix_record_change_record", "record_entity", "record_id"),)

    record_entity: Mapped[str]                  # person | case
    record_id: Mapped[uuid.UUID]
    kind: Mapped[str]                           # edit | merge | undo-merge | move | redirect
    # {field: {"old": wire value, "new": wire value}}
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str | None]
    recorded_by: Mapped[str]
    sites: Mapped[list[str]] = mapped_column(default=list)   # where the record is seen

    def sync_sites(self) -> list[str]:
        return list(self.sites)

    def sync_links(self) -> list[tuple[str, uuid.UUID]]:
        return [(self.record_entity, self.record_id)]
