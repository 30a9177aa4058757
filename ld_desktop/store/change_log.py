"""Every mutation writes its rows and an outbox op in the same transaction.

The op names the version token each changed field had before the change (``base_versions``),
so the server can tell a clash per field. This is the only way records change locally.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from ld_desktop.domain.ids import new_id
from ld_desktop.store.models import ConflictRecord, DeviceState, OutboxOp, SyncedRecord, utcnow
from ld_desktop.store.wire_values import (
    DELETED_FIELD,
    apply_column_defaults,
    from_wire,
    record_fields,
    to_wire,
)
from sync.hlc import HybridLogicalClock

SCHEMA_VERSION = 1  # data-model version carried by every op; bump with wire-visible changes
# Core insert, compiled once: outbox rows are written and never read back in the same session.
_INSERT_OP = insert(cast(Table, OutboxOp.__table__))


class ChangeLog:
    def __init__(self, session: Session, clock: HybridLogicalClock, user: str) -> None:
        self._session = session
        self._clock = clock
        self._user = user
        self._device: DeviceState | None = None

    # ------------------------------------------------------------------ public
    def create(self, record: SyncedRecord) -> uuid.UUID:
        """A new record: every field gets this op as its version."""
        if record.id is None:
            record.id = new_id()
        apply_column_defaults(record)
        fields = record_fields(record)
        op_id = new_id()
        record.field_versions = {f: str(op_id) for f in fields}
        record.updated_at = utcnow()
        self._session.add(record)
        # Without relationship()s SQLAlchemy does not order inserts by foreign key: flush now
        # so records reach the database in the order they were created (person, then case).
        self._session.flush()
        kind = "insert" if record.__append_only__ else "upsert"
        self._write_op(op_id, record, kind, fields, {f: None for f in fields})
        return op_id

    def update(self, record: SyncedRecord, changes: dict[str, Any],
               base_override: dict[str, str | None] | None = None) -> list[str]:
        """Change some fields; returns the names that really changed (no op if none did).
        ``base_override``: a base version to claim instead of the one held (an edit made to
        another record, passed on here, claims that record's version so a clash shows)."""
        if record.__append_only__:
            raise TypeError(f"{record.__entity__} records are append-only: add an amendment")
        model = type(record)
        changed = {
            name: value for name, value in changes.items() if getattr(record, name) != value
        }
        if not changed:
            return []
        op_id = new_id()
        versions = dict(record.field_versions)
        overrides = base_override or {}
        base = {name: overrides[name] if name in overrides else versions.get(name)
                for name in changed}
        for name, value in changed.items():
            setattr(record, name, value)
            versions[name] = str(op_id)
        record.field_versions = versions
        record.updated_at = utcnow()
        wire = {name: to_wire(model, name, value) for name, value in changed.items()}
        self._write_op(op_id, record, "upsert", wire, base)
        return sorted(changed)

    def mark_entered_in_error(self, record: SyncedRecord, reason: str) -> None:
        """A tombstone. Based on every field version we hold, so an unseen edit clashes."""
        op_id = new_id()
        base: dict[str, str | None] = dict(record.field_versions)
        base.setdefault(DELETED_FIELD, None)
        record.entered_in_error = True
        record.field_versions = {**record.field_versions, DELETED_FIELD: str(op_id)}
        record.updated_at = utcnow()
        self._write_op(op_id, record, "delete", {DELETED_FIELD: True, "_reason": reason}, base)

    def resolve_conflict(
        self, conflict: ConflictRecord, record: SyncedRecord | None, value: Any, reason: str
    ) -> uuid.UUID:
        """A senior's decision on a clash: itself an op that syncs (kind "resolve")."""
        op_id = new_id()
        wire_value = value
        if record is not None:
            model = type(record)
            if conflict.field == DELETED_FIELD:
                record.entered_in_error = bool(value)
            else:
                setattr(record, conflict.field, from_wire(model, conflict.field, value))
                wire_value = to_wire(model, conflict.field, getattr(record, conflict.field))
            record.field_versions = {**record.field_versions, conflict.field: str(op_id)}
            record.updated_at = utcnow()
        conflict.decision_pending = True
        conflict.resolution = {"value": wire_value, "reason": reason, "user": self._user,
                               "op_id": str(op_id), "pending": True}
        sites = record.sync_sites() if record is not None else []
        self._write_raw_op(op_id, "conflict", conflict.id, "resolve", sites,
                           {"value": wire_value, "reason": reason}, {})
        return op_id

    # ------------------------------------------------------------------ internals
    def _device_state(self) -> DeviceState:
        if self._device is None:
            device = self._session.get(DeviceState, 1)
            if device is None:
                raise RuntimeError("device state row missing")
            self._device = device
        return self._device

    def _write_op(
        self,
        op_id: uuid.UUID,
        record: SyncedRecord,
        kind: str,
        fields: dict[str, Any],
        base: dict[str, str | None],
    ) -> None:
        links = [{"entity": e, "entity_id": str(i)} for e, i in record.sync_links()]
        self._write_raw_op(op_id, record.__entity__, record.id, kind, record.sync_sites(),
                           fields, base, links)

    def _write_raw_op(
        self,
        op_id: uuid.UUID,
        entity: str,
        entity_id: uuid.UUID,
        kind: str,
        sites: list[str],
        fields: dict[str, Any],
        base: dict[str, str | None],
        links: list[dict[str, Any]] | None = None,
    ) -> None:
        device = self._device_state()
        seq = device.next_device_seq
        device.next_device_seq = seq + 1
        stamp = self._clock.now().encode()
        device.last_hlc = stamp
        self._session.execute(_INSERT_OP, {
            "device_seq": seq, "op_id": op_id, "hlc": stamp, "user": self._user,
            "schema_version": SCHEMA_VERSION, "entity": entity, "entity_id": entity_id,
            "kind": kind, "sites": sites, "links": links or [], "fields": fields,
            "base_versions": base, "created_at": utcnow(), "status": "pending", "error": None,
        })
