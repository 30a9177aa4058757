"""How an accepted op changes records and conflicts: pure logic over a working set.

The rules (decided for issue 6):

* UPSERT, per field: if the op's base version equals the field's token, apply (token := op id).
  Otherwise, if the value differs, it is a clash: the field's open conflict gains the value
  (or a conflict is opened holding both values). While a conflict is open the field holds the
  value whose op has the greatest ``(hlc, op_id)`` among the conflict's values: deterministic
  and independent of arrival order. An equal value never opens a clash (it joins an open one;
  otherwise the field's token goes to the greater ``(hlc, op_id)`` of the equal writers).
* INSERT is append-only: inserted if absent, otherwise a no-op. It never clashes.
* DELETE sets ``_deleted`` = true (the tombstone is kept). If the deleter had not seen the
  latest version of some field, it is a clash on ``_deleted`` (true versus false); so is an
  UPSERT on a tombstone whose base for ``_deleted`` is not the tombstone's token.
* RESOLVE (entity "conflict") sets the field to the chosen value and closes the conflict.
* Scope only grows: a record is visible to the union of the sites ever given, and linked
  records gain the record's sites (their sequence is bumped so new sites pull them). A link
  may only name a record the pushing device can already see (or one not yet on the server),
  and only the directory (`DIRECTORY_ENTITIES`) may be created for every site (`sites: []`):
  a device can widen nothing beyond its own sites. A person at another site is shared only
  through an explicit, recorded lookup (`person_lookup.py`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from sync.protocol import DELETED_FIELD, DIRECTORY_ENTITIES, Op, OpKind, OpStatus
from sync.server.schema import GLOBAL_SCOPE

RESOLVE_ENTITY = "conflict"
RecordKey = tuple[str, str]
OpIds = tuple[str, str]       # an op's op_id and entity_id as text


@dataclass(frozen=True)
class FieldMeta:
    op_id: str
    hlc: str
    device_id: str
    user: str

    @classmethod
    def of(cls, op: Op, op_id: str | None = None) -> FieldMeta:
        """``op_id``: the op's id as text when the caller has it already."""
        return cls(op_id or str(op.op_id), op.hlc, op.device_id, op.user)

    def rank(self) -> tuple[str, str]:
        return (self.hlc, self.op_id)

    def to_list(self) -> list[str]:
        return [self.op_id, self.hlc, self.device_id, self.user]


@dataclass
class RecordRow:
    entity: str
    entity_id: str
    seq: int = 0
    fields: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, FieldMeta] = field(default_factory=dict)
    scope: set[str] = field(default_factory=set)
    exists: bool = False       # a record row exists (or will): False = scope only, via a link
    stored: bool = False       # the row is in the database already
    changed: bool = False
    new_scope: set[str] = field(default_factory=set)

    @property
    def key(self) -> RecordKey:
        return (self.entity, self.entity_id)

    def token(self, name: str) -> str | None:
        meta = self.meta.get(name)
        return meta.op_id if meta else None


@dataclass
class ConflictRow:
    conflict_id: str
    entity: str
    entity_id: str
    field_name: str
    seq: int = 0
    values: list[dict[str, Any]] = field(default_factory=list)
    current: Any = None
    status: str = "open"
    resolution: dict[str, Any] | None = None
    stored: bool = False
    changed: bool = False

    def add_value(self, value: Any, meta: FieldMeta) -> None:
        if any(entry["op_id"] == meta.op_id for entry in self.values):
            return
        self.values.append({"value": value, "op_id": meta.op_id, "device_id": meta.device_id,
                            "user": meta.user, "hlc": meta.hlc})
        self.values.sort(key=lambda entry: (entry["hlc"], entry["op_id"]))

    def winner(self) -> tuple[Any, FieldMeta]:
        top = self.values[-1]
        return top["value"], FieldMeta(top["op_id"], top["hlc"], top["device_id"], top["user"])


@dataclass
class WorkingSet:
    """Records and conflicts a push touches, loaded up front and written back in one go."""

    last_seq: int
    records: dict[RecordKey, RecordRow] = field(default_factory=dict)
    conflicts: dict[str, ConflictRow] = field(default_factory=dict)

    def next_seq(self) -> int:
        self.last_seq += 1
        return self.last_seq

    def record(self, entity: str, entity_id: str) -> RecordRow:
        key = (entity, entity_id)
        row = self.records.get(key)
        if row is None:
            row = self.records[key] = RecordRow(entity, entity_id)
        return row

    def conflicts_of(self, row: RecordRow) -> list[ConflictRow]:
        if not self.conflicts:          # most pushes: asked once a field, nothing to scan
            return []
        return [c for c in self.conflicts.values() if (c.entity, c.entity_id) == row.key]

    def open_conflict(self, row: RecordRow, name: str) -> ConflictRow | None:
        for candidate in self.conflicts_of(row):
            if candidate.field_name == name and candidate.status == "open":
                return candidate
        return None

    def new_conflict(self, row: RecordRow, name: str) -> ConflictRow:
        conflict = ConflictRow(str(uuid.uuid4()), row.entity, row.entity_id, name)
        self.conflicts[conflict.conflict_id] = conflict
        return conflict

    def touch_conflict(self, conflict: ConflictRow) -> None:
        conflict.seq = self.next_seq()
        conflict.changed = True

    def grow_scope(self, row: RecordRow, sites: set[str]) -> bool:
        added = sites - row.scope
        if not added:
            return False
        row.scope |= added
        row.new_scope |= added
        return True


@dataclass
class Outcome:
    status: OpStatus
    server_seq: int | None = None
    conflict_ids: list[str] = field(default_factory=list)
    error: str | None = None


class ValueChecker(Protocol):
    def value_problem(self, entity: str, name: str, value: Any) -> str | None: ...


def visible(scope: set[str], device_sites: frozenset[str]) -> bool:
    return not scope or GLOBAL_SCOPE in scope or bool(scope & device_sites)


def scope_problem(ws: WorkingSet, op: Op, device_sites: frozenset[str],
                  entity_id: str | None = None) -> str | None:
    """Why this op may not touch or widen what it names, or None."""
    if set(op.sites) - device_sites:
        return "op names a site this device is not enrolled for"
    row = ws.record(op.entity, entity_id or str(op.entity_id))
    if not visible(row.scope, device_sites):
        return "record belongs to sites this device cannot see"
    if not op.sites and not row.scope and op.entity not in DIRECTORY_ENTITIES:
        return ("a new record must name the sites that may see it: sites [] (every site) is "
                "for the staff and site directory only")
    for link in op.links:
        linked = ws.record(link.entity, str(link.entity_id))
        if not visible(linked.scope, device_sites):
            return (f"a link names a {link.entity} this device cannot see: find a person at "
                    "another site with a person lookup first")
    return None


def apply_op(ws: WorkingSet, op: Op, device_sites: frozenset[str],
             values: ValueChecker | None = None, ids: OpIds | None = None) -> Outcome:
    """Apply one op (already checked for duplicates, schema version and fields) to the
    working set. `values` checks a conflict decision's value against its field; `ids` are
    the op's ids as text when the caller has them (made once a push, not once a use)."""
    op_id, entity_id = ids or (str(op.op_id), str(op.entity_id))
    if op.kind is OpKind.RESOLVE:
        return _resolve(ws, op, device_sites, values, op_id)
    problem = scope_problem(ws, op, device_sites, entity_id)
    if problem:
        return Outcome(OpStatus.REJECTED, error=problem)
    row = ws.record(op.entity, entity_id)
    seq = ws.next_seq()
    meta = FieldMeta.of(op, op_id)
    touched: list[ConflictRow] = []
    if op.kind is OpKind.INSERT:
        if row.exists:
            return _widen(ws, row, op, seq, Outcome(OpStatus.APPLIED, seq))
        for name, value in op.fields.items():
            row.fields[name] = value
            row.meta[name] = meta
    elif op.kind is OpKind.UPSERT:
        for name, value in op.fields.items():
            _set_field(ws, row, name, value, op.base_versions.get(name), meta, touched)
        if DELETED_FIELD not in op.fields and row.fields.get(DELETED_FIELD) is True \
                and op.base_versions.get(DELETED_FIELD) != row.token(DELETED_FIELD):
            _clash(ws, row, DELETED_FIELD, False, meta, touched)
    else:
        _delete(ws, row, op, meta, touched)
    row.exists = True
    row.seq = seq
    row.changed = True
    status = OpStatus.CONFLICT if touched else OpStatus.APPLIED
    outcome = Outcome(status, seq, sorted({c.conflict_id for c in touched}))
    return _widen(ws, row, op, seq, outcome)


def share(ws: WorkingSet, keys: set[RecordKey], site: str) -> int:
    """Records that exist gain `site` (a lookup's finds): bumped, with their conflicts, so
    the site's workstations pull them. Returns how many gained it."""
    shared = 0
    for key in sorted(keys):
        row = ws.record(*key)
        if row.exists and ws.grow_scope(row, {site}):
            row.seq, row.changed = ws.next_seq(), True
            for conflict in ws.conflicts_of(row):
                ws.touch_conflict(conflict)
            shared += 1
    return shared


def _widen(ws: WorkingSet, row: RecordRow, op: Op, seq: int, outcome: Outcome) -> Outcome:
    sites = set(op.sites) or ({GLOBAL_SCOPE} if not row.scope else set())
    was_visible_somewhere = bool(row.scope)
    if ws.grow_scope(row, sites) and was_visible_somewhere:
        if row.seq != seq:
            row.seq, row.changed = seq, True
        for conflict in ws.conflicts_of(row):
            ws.touch_conflict(conflict)
    for link in op.links:
        linked = ws.record(link.entity, str(link.entity_id))
        if ws.grow_scope(linked, set(row.scope)) and linked.exists:
            linked.seq, linked.changed = ws.next_seq(), True
            for conflict in ws.conflicts_of(linked):
                ws.touch_conflict(conflict)
    return outcome


def _set_field(ws: WorkingSet, row: RecordRow, name: str, value: Any, base: str | None,
               meta: FieldMeta, touched: list[ConflictRow]) -> None:
    if name not in row.meta or base == row.token(name):
        open_conflict = ws.open_conflict(row, name)
        if open_conflict is None:
            row.fields[name] = value
            row.meta[name] = meta
            return
        # A clean successor of a field that is still in dispute joins the dispute.
        _clash(ws, row, name, value, meta, touched)
        return
    if row.fields.get(name) == value:
        # The same value typed concurrently: no clash. It joins an open dispute, and otherwise
        # the token goes to the greater (hlc, op_id), so the outcome never depends on order.
        if ws.open_conflict(row, name) is not None:
            _clash(ws, row, name, value, meta, touched)
        elif meta.rank() > row.meta[name].rank():
            row.meta[name] = meta
        return
    _clash(ws, row, name, value, meta, touched)


def _clash(ws: WorkingSet, row: RecordRow, name: str, value: Any, meta: FieldMeta,
           touched: list[ConflictRow], *, other: tuple[Any, FieldMeta] | None = None) -> None:
    conflict = ws.open_conflict(row, name)
    if conflict is None:
        conflict = ws.new_conflict(row, name)
        if name in row.meta:
            conflict.add_value(row.fields.get(name), row.meta[name])
    if other is not None:
        conflict.add_value(*other)
    conflict.add_value(value, meta)
    current, winner = conflict.winner()
    conflict.current = current
    row.fields[name] = current
    row.meta[name] = winner
    ws.touch_conflict(conflict)
    touched.append(conflict)


def _delete(ws: WorkingSet, row: RecordRow, op: Op, meta: FieldMeta,
            touched: list[ConflictRow]) -> None:
    if row.fields.get(DELETED_FIELD) is True:
        return   # already a tombstone: deleting twice changes nothing
    unseen = [
        row.meta[name] for name in row.meta
        if name != DELETED_FIELD and op.base_versions.get(name) != row.token(name)
    ]
    if not unseen and op.base_versions.get(DELETED_FIELD) == row.token(DELETED_FIELD):
        row.fields[DELETED_FIELD] = True
        row.meta[DELETED_FIELD] = meta
        return
    # The deleter did not see an edit: edit versus delete is a clash, never "delete wins".
    newest_edit = max(unseen, key=FieldMeta.rank) if unseen else row.meta[DELETED_FIELD]
    other = None if DELETED_FIELD in row.meta else (False, newest_edit)
    _clash(ws, row, DELETED_FIELD, True, meta, touched, other=other)


def _resolve(ws: WorkingSet, op: Op, device_sites: frozenset[str],
             values: ValueChecker | None, op_id: str) -> Outcome:
    if op.entity != RESOLVE_ENTITY or "value" not in op.fields:
        return Outcome(OpStatus.REJECTED, error='a resolve op needs entity "conflict" and a value')
    conflict = ws.conflicts.get(str(op.entity_id))
    if conflict is None:
        return Outcome(OpStatus.REJECTED, error="unknown conflict")
    row = ws.record(conflict.entity, conflict.entity_id)
    if not visible(row.scope, device_sites):
        return Outcome(OpStatus.REJECTED, error="record belongs to sites this device cannot see")
    value = op.fields["value"]
    problem = values and values.value_problem(conflict.entity, conflict.field_name, value)
    if problem:
        return Outcome(OpStatus.REJECTED, error=f"the decided value does not fit: {problem}")
    seq = ws.next_seq()
    meta = FieldMeta.of(op, op_id)
    row.fields[conflict.field_name] = value
    row.meta[conflict.field_name] = meta
    row.seq, row.changed = seq, True
    resolution: dict[str, Any] = {"value": value, "reason": op.fields.get("reason"),
                                  "user": op.user, "op_id": op_id, "hlc": op.hlc,
                                  "attestation": op.fields.get("attestation")}
    if conflict.resolution is not None:   # a later decision replaces an earlier one, audited
        resolution["previous"] = conflict.resolution
    conflict.resolution = resolution
    conflict.status = "resolved"
    conflict.current = value
    ws.touch_conflict(conflict)
    return Outcome(OpStatus.APPLIED, seq, [conflict.conflict_id])
