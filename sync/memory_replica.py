"""A clean in-memory reference `Replica`, recording local edits into an outbox as the app does.

Used by the tests and the benchmark, and as the executable specification of what the app's
encrypted store must do: every local edit changes the record and appends an op to the outbox
in one step; a pulled record never overwrites a field that still has a pending local op
(the local value and version stay, and the pending op keeps its original base version, so the
server sees any clash). `FileReplica` persists the whole state atomically after every change.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uuid6
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.hlc import HybridLogicalClock, Timestamp
from sync.op_signing import ATTESTATION_FIELD, attest
from sync.protocol import (
    DELETED_FIELD,
    DIRECTORY_ENTITIES,
    ConflictState,
    Op,
    OpKind,
    OpResult,
    OpStatus,
    PullResponse,
    RecordRef,
)

RESOLVE_ENTITY = "conflict"
Key = tuple[str, str]


@dataclass
class LocalRecord:
    fields: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    seq: int = 0

    @property
    def deleted(self) -> bool:
        return self.fields.get(DELETED_FIELD) is True


class MemoryReplica:
    """Reference replica. Every method is atomic (one lock; no partial state on error)."""

    def __init__(self, device_id: str, *, user: str = "tester", schema_version: int = 1,
                 now_ms: Callable[[], int] | None = None, home_sites: Iterable[str] = ()) -> None:
        self.device_id = device_id
        # the sites a record belongs to when an edit names none (as the app's records carry
        # their site): only the directory may be made visible to every site
        self.home_sites = tuple(home_sites)
        self.user = user
        # the user's personal key: when set, conflict decisions carry their signature
        self.signing_key: Ed25519PrivateKey | None = None
        self.schema_version = schema_version
        self.clock = HybridLogicalClock(device_id, now_ms)
        self.records: dict[Key, LocalRecord] = {}
        self.conflicts: dict[str, ConflictState] = {}
        self.outbox: dict[int, Op] = {}          # device_seq -> op, in order
        self.errors: dict[int, str] = {}         # device_seq -> server's rejection reason
        self._cursor = 0
        self._next_seq = 1
        self._lock = threading.RLock()

    # ---------------------------------------------------------------- local edits
    def upsert(self, entity: str, entity_id: uuid.UUID, fields: Mapping[str, Any], *,
               sites: Iterable[str] = (), links: Iterable[RecordRef] = ()) -> Op:
        with self._lock:
            local = self.records.get((entity, str(entity_id)), LocalRecord())
            base = {name: local.versions.get(name) for name in [*fields, DELETED_FIELD]}
            return self._record_op(OpKind.UPSERT, entity, entity_id, dict(fields), base,
                                   sites, links)

    def insert(self, entity: str, entity_id: uuid.UUID, fields: Mapping[str, Any], *,
               sites: Iterable[str] = (), links: Iterable[RecordRef] = ()) -> Op:
        with self._lock:
            if (entity, str(entity_id)) in self.records:
                raise ValueError("append-only record exists already")
            return self._record_op(OpKind.INSERT, entity, entity_id, dict(fields), {},
                                   sites, links)

    def delete(self, entity: str, entity_id: uuid.UUID, *, sites: Iterable[str] = ()) -> Op:
        with self._lock:
            local = self.records.get((entity, str(entity_id)), LocalRecord())
            base: dict[str, str | None] = dict(local.versions)
            base.setdefault(DELETED_FIELD, None)
            return self._record_op(OpKind.DELETE, entity, entity_id, {DELETED_FIELD: True},
                                   base, sites, ())

    def resolve(self, conflict_id: uuid.UUID, value: Any, reason: str) -> Op:
        with self._lock:
            conflict = self.conflicts[str(conflict_id)]
            decision: dict[str, Any] = {"value": value, "reason": reason}
            op = self._new_op(OpKind.RESOLVE, RESOLVE_ENTITY, conflict_id, decision, {}, (), ())
            if self.signing_key is not None:
                op = op.model_copy(update={"fields": {**decision, ATTESTATION_FIELD: attest(
                    self.signing_key, signer=self.user, op_id=op.op_id, entity=op.entity,
                    entity_id=op.entity_id, hlc=op.hlc, fields=decision)}})
            local = self.records.setdefault((conflict.entity, str(conflict.entity_id)),
                                            LocalRecord())
            local.fields[conflict.field] = value
            local.versions[conflict.field] = str(op.op_id)
            self.conflicts[str(conflict_id)] = conflict.model_copy(update={
                "status": "resolved", "current": value,
                "resolution": {"value": value, "reason": reason, "user": self.user,
                               "op_id": str(op.op_id), "hlc": op.hlc}})
            self._enqueue(op)
            return op

    def _record_op(self, kind: OpKind, entity: str, entity_id: uuid.UUID,
                   fields: dict[str, Any], base: dict[str, str | None],
                   sites: Iterable[str], links: Iterable[RecordRef]) -> Op:
        op = self._new_op(kind, entity, entity_id, fields, base, sites, links)
        if self.signing_key is not None and entity in ("staff", "site"):
            op = op.model_copy(update={"fields": {**fields, ATTESTATION_FIELD: attest(
                self.signing_key, signer=self.user, op_id=op.op_id, entity=entity,
                entity_id=entity_id, hlc=op.hlc, fields=fields)}})
        local = self.records.setdefault((entity, str(entity_id)), LocalRecord())
        for name, value in fields.items():
            local.fields[name] = value
            local.versions[name] = str(op.op_id)
        self._enqueue(op)
        return op

    def _new_op(self, kind: OpKind, entity: str, entity_id: uuid.UUID, fields: dict[str, Any],
                base: dict[str, str | None], sites: Iterable[str],
                links: Iterable[RecordRef]) -> Op:
        return Op(op_id=uuid6.uuid7(), device_id=self.device_id, device_seq=self._next_seq,
                  hlc=self.clock.now().encode(), user=self.user,
                  schema_version=self.schema_version, entity=entity, entity_id=entity_id,
                  kind=kind, sites=sorted(set(sites) or (
                      set(self.home_sites) if kind is not OpKind.RESOLVE
                      and entity not in DIRECTORY_ENTITIES else set())),
                  links=list(links), fields=fields,
                  base_versions=base)

    def _enqueue(self, op: Op) -> None:
        self.outbox[op.device_seq] = op
        self._next_seq += 1
        self._changed()

    # ---------------------------------------------------------------- reading
    def record(self, entity: str, entity_id: uuid.UUID) -> dict[str, Any] | None:
        with self._lock:
            local = self.records.get((entity, str(entity_id)))
            return dict(local.fields) if local else None

    def state(self) -> dict[Key, dict[str, Any]]:
        """Every record's fields (tombstones included), for comparing replicas."""
        with self._lock:
            return {key: dict(rec.fields) for key, rec in self.records.items()}

    def open_conflicts(self) -> list[ConflictState]:
        with self._lock:
            return [c for c in self.conflicts.values() if c.status == "open"]

    # ---------------------------------------------------------------- Replica protocol
    def pending_ops(self, limit: int) -> list[Op]:
        with self._lock:
            # never-refused ops first, so refused ones at the front cannot block newer work
            order = sorted(self.outbox, key=lambda seq: (seq in self.errors, seq))
            return [self.outbox[seq] for seq in order[:limit]]

    def acknowledge(self, results: list[OpResult]) -> None:
        with self._lock:
            for result in results:
                if result.status is OpStatus.REJECTED:
                    self.errors[result.device_seq] = result.error or "rejected"
                else:
                    self.outbox.pop(result.device_seq, None)
                    self.errors.pop(result.device_seq, None)
            self._changed()

    def cursor(self) -> int:
        with self._lock:
            return self._cursor

    def apply_pull(self, page: PullResponse) -> None:
        with self._lock:
            pending = self._pending_fields()
            for state in page.records:
                key = (state.entity, str(state.entity_id))
                local = self.records.get(key, LocalRecord())
                merged = LocalRecord(dict(state.fields), dict(state.versions), state.seq)
                for name in pending.get(key, ()):   # rebase: the local edit stays
                    if name in local.fields:
                        merged.fields[name] = local.fields[name]
                        merged.versions[name] = local.versions[name]
                self.records[key] = merged
            resolving = {str(op.entity_id) for op in self.outbox.values()
                         if op.kind is OpKind.RESOLVE}
            for conflict in page.conflicts:
                for value in conflict.values:
                    self._observe(value.hlc)
                if str(conflict.conflict_id) not in resolving:
                    self.conflicts[str(conflict.conflict_id)] = conflict
            self._observe(page.server_hlc)
            self._cursor = page.next_cursor
            self._changed()

    def reset_cursor(self) -> None:
        with self._lock:
            self._cursor = 0
            self._changed()

    def _observe(self, hlc: str) -> None:
        with contextlib.suppress(ValueError):
            self.clock.observe(Timestamp.decode(hlc))

    def _pending_fields(self) -> dict[Key, set[str]]:
        pending: dict[Key, set[str]] = {}
        for op in self.outbox.values():
            if op.kind is OpKind.RESOLVE:
                conflict = self.conflicts.get(str(op.entity_id))
                if conflict is not None:
                    key = (conflict.entity, str(conflict.entity_id))
                    pending.setdefault(key, set()).add(conflict.field)
                continue
            pending.setdefault((op.entity, str(op.entity_id)), set()).update(op.fields)
        return pending

    def _changed(self) -> None:
        """Hook for persistence after every committed change."""

    # ---------------------------------------------------------------- persistence
    def to_json(self) -> str:
        with self._lock:
            return json.dumps({
                "device_id": self.device_id, "user": self.user,
                "schema_version": self.schema_version, "cursor": self._cursor,
                "next_seq": self._next_seq, "clock": self.clock.last.encode(),
                "records": [[e, i, r.fields, r.versions, r.seq]
                            for (e, i), r in self.records.items()],
                "conflicts": [c.model_dump(mode="json") for c in self.conflicts.values()],
                "outbox": [op.model_dump(mode="json") for op in self.outbox.values()],
                "errors": {str(k): v for k, v in self.errors.items()},
            })

    def load_json(self, text: str) -> None:
        data = json.loads(text)
        with self._lock:
            self.device_id, self.user = data["device_id"], data["user"]
            self.schema_version = data["schema_version"]
            self._cursor, self._next_seq = data["cursor"], data["next_seq"]
            self.clock = HybridLogicalClock(self.device_id)
            self.clock.observe(Timestamp.decode(data["clock"]))
            self.records = {(e, i): LocalRecord(f, v, s) for e, i, f, v, s in data["records"]}
            self.conflicts = {c["conflict_id"]: ConflictState.model_validate(c)
                              for c in data["conflicts"]}
            ops = [Op.model_validate(op) for op in data["outbox"]]
            self.outbox = {op.device_seq: op for op in ops}
            self.errors = {int(k): v for k, v in data["errors"].items()}


class FileReplica(MemoryReplica):
    """A MemoryReplica saved atomically (temp file, fsync, rename) after every change."""

    def __init__(self, path: Path, device_id: str, **kwargs: Any) -> None:
        super().__init__(device_id, **kwargs)
        self.path = path
        if path.exists():
            self.load_json(path.read_text(encoding="utf-8"))

    def _changed(self) -> None:
        text = self.to_json()
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".replica-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
