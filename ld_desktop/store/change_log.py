"""Every mutation writes its rows and an outbox op in the same transaction.

The op names the version token each changed field had before the change (``base_versions``),
so the server can tell a clash per field. This is the only way records change locally.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from ld_desktop.domain.ids import new_id
from ld_desktop.store import prepared
from ld_desktop.store.models import ConflictRecord, OutboxOp, SyncedRecord, utcnow
from ld_desktop.store.wire_values import (
    DELETED_FIELD,
    apply_column_defaults,
    from_wire,
    record_fields,
    to_wire,
)
from sync.hlc import HybridLogicalClock
from sync.op_signing import ATTESTATION_FIELD, attest
from sync.protocol import OpKind

SCHEMA_VERSION = 1  # data-model version carried by every op; bump with wire-visible changes
# Rows, ops and the sequence number go through prepared statements on the DB-API connection
# (``store/prepared.py``: SQLAlchemy's per-statement cost was most of a save's, issue 17).
_OUTBOX = cast(Table, OutboxOp.__table__)
# The op's device sequence number, taken and the clock recorded in one round trip. A
# DeviceState the session has loaded keeps its old next_device_seq: nothing else writes it.
_TAKE_SEQ = ("UPDATE device_state SET next_device_seq = next_device_seq + 1, last_hlc = ?"
             " WHERE id = 1 RETURNING next_device_seq - 1")


class ChangeLog:
    def __init__(self, session: Session, clock: HybridLogicalClock, user: str,
                 signer: Ed25519PrivateKey | None = None) -> None:
        self._session = session
        self._clock = clock
        self._user = user
        self._signer = signer

    # ------------------------------------------------------------------ public
    def create(self, record: SyncedRecord) -> uuid.UUID:
        """A new record: every field gets this op as its version."""
        if record.id is None:
            record.id = new_id()
        apply_column_defaults(record)
        fields = record_fields(record)
        fields.pop(ATTESTATION_FIELD, None)    # set by the op itself when it is signed
        op_id = new_id()
        record.field_versions = {f: str(op_id) for f in fields}
        record.updated_at = utcnow()
        self._insert(record)
        kind = OpKind.INSERT if record.__append_only__ else OpKind.UPSERT
        self._write_op(op_id, record, kind, fields, {f: None for f in fields},
                       sign=record.__signed__)
        return op_id

    def update(self, record: SyncedRecord, changes: dict[str, Any],
               base_override: dict[str, str | None] | None = None, *,
               sign: bool = False) -> list[str]:
        """Change some fields; returns the names that really changed (no op if none did).
        ``base_override``: a base version to claim instead of the one held (an edit made to
        another record, passed on here, claims that record's version so a clash shows).

        A signed change (``sign``, and every change of a directory record) is one op of the
        whole record, signed by the user: its attestation then covers every current value,
        so any workstation can check the record as it stands."""
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
        signed = sign or record.__signed__
        names = [n for n in record_fields(record) if n != ATTESTATION_FIELD] if signed \
            else list(changed)
        base = {name: overrides[name] if name in overrides else versions.get(name)
                for name in dict.fromkeys([*names, *changed])}
        for name, value in changed.items():
            setattr(record, name, value)
        for name in {*names, *changed}:
            versions[name] = str(op_id)
        record.field_versions = versions
        record.updated_at = utcnow()
        wire = {name: to_wire(model, name, getattr(record, name)) for name in
                dict.fromkeys([*names, *changed])}
        self._write_op(op_id, record, OpKind.UPSERT, wire, base, sign=signed)
        return sorted(changed)

    def resign(self, record: SyncedRecord) -> None:
        """The whole record again, values unchanged, signed by this user: for a directory
        record whose signer has lost their authority (or that predates signatures)."""
        op_id = new_id()
        versions = dict(record.field_versions)
        names = [n for n in record_fields(record) if n != ATTESTATION_FIELD]
        base = {name: versions.get(name) for name in names}
        record.field_versions = {**versions, **{name: str(op_id) for name in names}}
        record.updated_at = utcnow()
        wire = {name: to_wire(type(record), name, getattr(record, name)) for name in names}
        self._write_op(op_id, record, OpKind.UPSERT, wire, base, sign=True)

    def mark_entered_in_error(self, record: SyncedRecord, reason: str) -> None:
        """A tombstone. Based on every field version we hold, so an unseen edit clashes."""
        op_id = new_id()
        base: dict[str, str | None] = dict(record.field_versions)
        base.setdefault(DELETED_FIELD, None)
        record.entered_in_error = True
        record.field_versions = {**record.field_versions, DELETED_FIELD: str(op_id)}
        record.updated_at = utcnow()
        self._write_op(op_id, record, OpKind.DELETE, {DELETED_FIELD: True, "_reason": reason}, base,
                       sign=record.__signed__)

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
        sites = record.sync_sites() if record is not None else []
        fields = self._write_raw_op(op_id, "conflict", conflict.id, OpKind.RESOLVE, sites,
                                    {"value": wire_value, "reason": reason}, {}, sign=True)
        conflict.resolution = {"value": wire_value, "reason": reason, "user": self._user,
                               "op_id": str(op_id), "pending": True,
                               "attestation": fields.get(ATTESTATION_FIELD)}
        return op_id

    # ------------------------------------------------------------------ internals
    def _insert(self, record: SyncedRecord) -> None:
        """Insert the new row now, with a compiled Core insert, and put the record in the
        session as if it had been loaded: later changes to it are flushed as UPDATEs, and
        ``session.get`` finds it. Anything the session holds unflushed goes first, so rows
        reach the database in the order they were made (person, then case), as a flush
        after each ``add`` did (there are no relationship()s to order them by)."""
        self._session.flush()
        mapper = inspect(type(record))
        dialect = prepared.dialect_of(self._session)
        table = prepared.statements_for(cast(Table, mapper.local_table), dialect)
        loaded = record.__dict__
        values: dict[str, Any] = {}
        for prop in mapper.column_attrs:
            if prop.key not in loaded:     # unset: None, held as loaded (never re-read)
                setattr(record, prop.key, None)
            values[prop.columns[0].key] = loaded[prop.key]
        prepared.run(prepared.driver(self._session), dialect, table.insert_sql,
                     table.bind(values))
        make_transient_to_detached(record)
        self._session.add(record)

    def _next_device_seq(self, stamp: str) -> int:
        """Take the next device sequence number and record the clock, in one statement
        (Core: the device row is never loaded into the session for this)."""
        row = prepared.execute(self._session, _TAKE_SEQ, (stamp,)).fetchone()
        if row is None:
            raise RuntimeError("device state row missing")
        return int(row[0])

    def _write_op(
        self,
        op_id: uuid.UUID,
        record: SyncedRecord,
        kind: str,
        fields: dict[str, Any],
        base: dict[str, str | None],
        *,
        sign: bool = False,
    ) -> None:
        links = [{"entity": e, "entity_id": str(i)} for e, i in record.sync_links()]
        if sign and hasattr(record, ATTESTATION_FIELD):
            base = {**base, ATTESTATION_FIELD: record.field_versions.get(ATTESTATION_FIELD)}
        written = self._write_raw_op(op_id, record.__entity__, record.id, kind,
                                     record.sync_sites(), fields, base, links, sign=sign)
        if ATTESTATION_FIELD in written and hasattr(record, ATTESTATION_FIELD):
            setattr(record, ATTESTATION_FIELD, written[ATTESTATION_FIELD])
            record.field_versions = {**record.field_versions, ATTESTATION_FIELD: str(op_id)}

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
        *,
        sign: bool = False,
    ) -> dict[str, Any]:
        """Queue the op; returns its fields (with the user's attestation when signed and a
        key is at hand: without one the server refuses the op and it stays queued)."""
        stamp = self._clock.now().encode()
        seq = self._next_device_seq(stamp)
        if sign and self._signer is not None:
            fields = {**fields, ATTESTATION_FIELD: attest(
                self._signer, signer=self._user, op_id=op_id, entity=entity,
                entity_id=entity_id, hlc=stamp, fields=fields)}
        dialect = prepared.dialect_of(self._session)
        outbox = prepared.statements_for(_OUTBOX, dialect)
        prepared.run(prepared.driver(self._session), dialect, outbox.insert_sql, outbox.bind({
            "device_seq": seq, "op_id": op_id, "hlc": stamp, "user": self._user,
            "schema_version": SCHEMA_VERSION, "entity": entity, "entity_id": entity_id,
            "kind": kind, "sites": sites, "links": links or [], "fields": fields,
            "base_versions": base, "created_at": utcnow(), "status": "pending", "error": None,
        }))
        return fields
