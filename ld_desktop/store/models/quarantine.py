"""Pulled records this version of the app could not apply, set aside until it can."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from ld_desktop.store.models.base import Base, utcnow


class QuarantinedRecord(Base):
    """The server's state of one record, as pulled, that could not be applied here (a newer
    record type, a value this version cannot read). Kept (encrypted, like everything here)
    until an upgrade or a user's retry applies it; a newer readable state replaces it."""

    __tablename__ = "quarantined_record"

    entity: Mapped[str] = mapped_column(primary_key=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int]
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deleted: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str]                 # field names and expected kinds only, never values
    waits_for: Mapped[uuid.UUID | None]  # the set-aside record it refers to, if that is why
    reader_version: Mapped[str]         # the app version that last tried to read it
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_tried_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=1)
