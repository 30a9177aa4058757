"""The workstation's own bookkeeping: device state, outbox, audit chain, conflicts, settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from ld_desktop.store.models.base import Base, utcnow


class DeviceState(Base):
    """One row: who this workstation is and how far it has synced."""

    __tablename__ = "device_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str]
    service_name: Mapped[str]
    next_device_seq: Mapped[int] = mapped_column(default=1)
    last_hlc: Mapped[str] = mapped_column(default="")
    pull_cursor: Mapped[int] = mapped_column(default=0)
    last_sync_at: Mapped[datetime | None]
    last_sync_report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Enrolment: server URL, device key (encrypted with the rest of the database), sites.
    enrolment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxOp(Base):
    """A local change waiting for the server. Written in the same transaction as the change."""

    __tablename__ = "outbox"

    device_seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    op_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    hlc: Mapped[str]
    user: Mapped[str]
    schema_version: Mapped[int]
    entity: Mapped[str]
    entity_id: Mapped[uuid.UUID]
    kind: Mapped[str]
    sites: Mapped[list[str]] = mapped_column(default=list)
    links: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    base_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(default="pending")   # pending | rejected
    error: Mapped[str | None]

    __table_args__ = (Index("ix_outbox_entity", "entity", "entity_id"),
                      Index("ix_outbox_status", "status"))


class AuditEvent(Base):
    """Append-only, HMAC-chained. ``detail`` never holds clinical values, only what happened."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    at: Mapped[datetime]
    user: Mapped[str]
    action: Mapped[str]
    entity: Mapped[str | None]
    entity_id: Mapped[uuid.UUID | None]
    case_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    device_id: Mapped[str]
    prev_mac: Mapped[str]
    mac: Mapped[str]


class ConflictRecord(Base):
    """A field clash reported by the server, kept until a senior decides it."""

    __tablename__ = "conflict"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    server_seq: Mapped[int]
    entity: Mapped[str]
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    field: Mapped[str]
    values: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    current: Mapped[dict[str, Any]] = mapped_column(default=dict)   # {"value": ...}
    status: Mapped[str] = mapped_column(default="open")
    resolution: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    decision_pending: Mapped[bool] = mapped_column(default=False)  # decided here, not yet synced


class ImportedInstrument(Base):
    """An instrument definition a licensed service installed (ld-admin instruments import)."""

    __tablename__ = "imported_instrument"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    instrument_id: Mapped[str]
    version: Mapped[str]
    definition: Mapped[dict[str, Any]]
    imported_by: Mapped[str]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Typed settings live in the services layer; stored here as JSON by key."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FormDraft(Base):
    """What someone has typed into a form but not yet saved: kept (encrypted, like everything
    here) so a lock, a crash or a power cut loses nothing. Local to this workstation, never
    synced; removed when the form is saved or deliberately cancelled."""

    __tablename__ = "form_draft"

    username: Mapped[str] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(primary_key=True)   # e.g. "note:<case id>"
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
