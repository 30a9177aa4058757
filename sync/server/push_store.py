"""A push: load what its ops touch, merge, write back with the results, all or nothing.

The result of every accepted op is recorded in the same transaction as its effect, so a
repeated push (same device and device sequence, or same op id) returns the recorded result.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from pydantic_core import PydanticSerializationError, to_json
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from sync.protocol import SUPPORTED_SCHEMA_VERSIONS, Op, OpKind, OpResult, OpStatus
from sync.server import schema as t
from sync.server import seq_reservations
from sync.server.authority import Authority, signer_records
from sync.server.batch_sql import (
    JsonText,
    PgText,
    WriteBatch,
    int_array,
    is_postgres,
    one_of,
    text_array,
)
from sync.server.merge import (
    ConflictRow,
    FieldMeta,
    OpIds,
    Outcome,
    RecordKey,
    RecordRow,
    WorkingSet,
    apply_op,
    share,
)
from sync.server.op_checks import FieldSchema, bounded_clock, clock_problem, size_problem
from sync.server.record_body import record_body
from sync.server.seq_reservations import Reservation, ReservationLost

log = logging.getLogger(__name__)

#: sequence numbers handed out while merging, before the real ones are reserved, start here;
#: no real sequence number comes near it
PROVISIONAL = 1 << 48
ATTEMPTS = 5
MAX_RECORD_LOCKS = 100
_DEADLOCK = "40P01"


def push_ops(engine: Engine, device_id: str, device_sites: frozenset[str],
             ops: list[Op], schema: FieldSchema | None = None) -> list[OpResult]:
    """SQLite takes its write lock at BEGIN IMMEDIATE, so a push there is simply one locked
    transaction. PostgreSQL pushes run side by side (see `_push_alongside_others`).
    `schema`: the app's published fields (None only in tests of the merge itself). A push of
    no ops (a sync with nothing to send) answers at once: it would lock, read and write
    nothing."""
    if not ops:
        return []
    checks = _Checks(device_id, schema, int(time.time() * 1000),
                     frozenset(id(op) for op in ops if not _storable_names(op)),
                     {id(op): (str(op.op_id), str(op.entity_id)) for op in ops})
    if engine.dialect.name == "postgresql":
        return _push_alongside_others(engine, checks, device_sites, ops)
    with engine.begin() as conn:
        base = int(conn.execute(sa.select(t.counter.c.value).where(t.counter.c.id == 1))
                   .scalar_one())
        ws, answers, accepted = _merge(conn, checks, device_sites, ops,
                                       _keys_read(conn, checks, ops), base)
        results, op_rows = _results(answers, accepted)
        if op_rows:
            _writes(ws, op_rows).run(conn)
            conn.execute(sa.update(t.counter).where(t.counter.c.id == 1)
                         .values(value=ws.last_seq))
        return results


def _push_alongside_others(engine: Engine, checks: _Checks, device_sites: frozenset[str],
                           ops: list[Op]) -> list[OpResult]:
    """Session advisory locks on the device and on every record the push reads serialise
    exactly the pushes that could change each other's merge (the same records, or the same
    device's repeated ops); the merge runs with provisional numbers; then the real block is
    reserved (`seq_reservations`) and the rows are written and committed with it. A deadlock
    between two pushes' locks, or a reservation that expired, retries the whole push."""
    for attempt in range(ATTEMPTS):
        try:
            with engine.connect() as conn:
                return _push_once(conn, checks, device_sites, ops)
        except ReservationLost:
            log.warning("push retried: its sequence reservation expired")
        except IntegrityError:
            # another device's push carried the same op id at the same moment; merged
            # again, this push finds it recorded and answers "duplicate"
            if attempt + 1 == ATTEMPTS:
                raise
            log.info("push retried after a concurrent duplicate op id")
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != _DEADLOCK or attempt + 1 == ATTEMPTS:
                raise
            log.info("push retried after a lock deadlock")
    raise ReservationLost("push could not keep a sequence reservation; try again")


def share_records(engine: Engine, device_id: str, keys: set[RecordKey], site: str) -> int:
    """Give records already on the server one more site (the people a lookup found), with
    new sequence numbers so that site's workstations pull them; locked and numbered as a
    push is. Returns how many records gained the site."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            base = int(conn.execute(sa.select(t.counter.c.value)
                                    .where(t.counter.c.id == 1)).scalar_one())
            ws = _load_working_set(conn, keys, base)
            shared = share(ws, keys, site)
            if shared:
                _writes(ws, []).run(conn)
                conn.execute(sa.update(t.counter).where(t.counter.c.id == 1)
                             .values(value=ws.last_seq))
            return shared
    for attempt in range(ATTEMPTS):
        try:
            with engine.connect() as conn:
                return _share_once(conn, device_id, keys, site)
        except ReservationLost:
            log.warning("share retried: its sequence reservation expired")
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != _DEADLOCK or attempt + 1 == ATTEMPTS:
                raise
    raise ReservationLost("share could not keep a sequence reservation; try again")


def _share_once(conn: Connection, device_id: str, keys: set[RecordKey], site: str) -> int:
    conn.execution_options(isolation_level="AUTOCOMMIT")
    reservation: Reservation | None = None
    try:
        _lock_for_session(conn, device_id, keys)
        ws = _load_working_set(conn, keys, PROVISIONAL)
        shared = share(ws, keys, site)
        if shared:
            reservation = seq_reservations.reserve(conn, ws.last_seq - PROVISIONAL)
            _renumber(ws, [], reservation.first_seq - 1)
            seq_reservations.publish(conn, reservation, _writes(ws, []))
            reservation = None
        return shared
    finally:
        _unlock_session(conn, reservation)


def _push_once(conn: Connection, checks: _Checks, device_sites: frozenset[str],
               ops: list[Op]) -> list[OpResult]:
    """Every statement commits by itself: the locks span them, and the writes are one."""
    conn.execution_options(isolation_level="AUTOCOMMIT")
    reservation: Reservation | None = None
    try:
        keys = _keys_read(conn, checks, ops)
        _lock_for_session(conn, checks.device_id, keys)
        ws, answers, accepted = _merge(conn, checks, device_sites, ops, keys, PROVISIONAL)
        if not accepted:
            return _results(answers, accepted)[0]   # duplicates or refusals: nothing to write
        reservation = seq_reservations.reserve(conn, ws.last_seq - PROVISIONAL)
        _renumber(ws, accepted, reservation.first_seq - 1)
        results, op_rows = _results(answers, accepted)
        seq_reservations.publish(conn, reservation, _writes(ws, op_rows))
        reservation = None
        return results
    finally:
        _unlock_session(conn, reservation)


def _lock_for_session(conn: Connection, device_id: str, keys: set[RecordKey]) -> None:
    """Advisory locks held until `_unlock_session`, taken in one statement in a fixed order
    (so two pushes cannot wait for each other; PostgreSQL breaks a deadlock if they do).

    Every push first holds the all-pushes lock shared, then a lock per record it reads. A
    push reading more than `MAX_RECORD_LOCKS` records (a large backlog after an outage)
    holds the all-pushes lock alone instead and runs by itself: PostgreSQL's lock table is
    shared and small (about 64 locks per connection), and a push must never fill it."""
    if len(keys) > MAX_RECORD_LOCKS:
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": ALL_PUSHES})
        return
    names = [f"device:{device_id}", *(f"record:{entity}:{entity_id}" for entity, entity_id
                                      in keys)]
    ordered = [ALL_PUSHES, *sorted({_lock_key(name) for name in names} - {ALL_PUSHES})]
    _LOCK.rows(conn, {"keys": int_array(ordered)})


_LOCK = PgText(
    "SELECT CASE WHEN n = 1 THEN pg_advisory_lock_shared(k) ELSE pg_advisory_lock(k) END "
    "FROM unnest(CAST(:keys AS bigint[])) WITH ORDINALITY AS u(k, n) ORDER BY n")
_UNLOCK = PgText("SELECT pg_advisory_unlock_all()")


def _lock_key(name: str) -> int:
    """A 64-bit advisory lock key (collisions only make two pushes wait for each other)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


ALL_PUSHES = _lock_key("all pushes")


def _unlock_session(conn: Connection, reservation: Reservation | None) -> None:
    """Always: give up an unused reservation and drop the locks. A connection that cannot
    do that is closed, which makes PostgreSQL drop its locks (and the push's error, if any,
    is the one reported)."""
    try:
        if reservation is not None:
            seq_reservations.discard(conn, reservation)
        _UNLOCK.rows(conn, {})
    except DBAPIError:
        log.warning("push connection closed: could not release its locks")
        conn.invalidate()


@dataclass(slots=True)
class _Answer:
    """An op's answer while its push is merged: the outcome (whose provisional number
    `_renumber` moves), made an `OpResult` once, at the end, by `_results`. ``duplicate``:
    it repeats an op earlier in the same push, and answers with that op's outcome."""

    op_id: uuid.UUID
    device_seq: int
    outcome: Outcome
    duplicate: bool = False
    made: OpResult | None = None

    def result(self) -> OpResult:
        if self.made is None:
            outcome = self.outcome
            self.made = OpResult(
                op_id=self.op_id, device_seq=self.device_seq,
                status=OpStatus.DUPLICATE if self.duplicate else outcome.status,
                server_seq=outcome.server_seq,
                conflict_ids=outcome.conflict_ids,  # type: ignore[arg-type]
                error=outcome.error)
        return self.made


class _Accepted(NamedTuple):
    """An accepted op (as merged: its clock bounded), its ids as text, and its answer."""

    op: Op
    op_id: str
    entity_id: str
    answer: _Answer


class _OpRow(NamedTuple):
    """What `_writes` logs of an accepted op: the op, its ids as text, its final result."""

    op: Op
    op_id: str
    entity_id: str
    result: OpResult


def _merge(conn: Connection, checks: _Checks, device_sites: frozenset[str], ops: list[Op],
           keys: set[RecordKey], base: int
           ) -> tuple[WorkingSet, list[OpResult | _Answer], list[_Accepted]]:
    """Each op's answer, in order: a recorded result (an op accepted by an earlier push),
    or an `_Answer`. Results are made only once the numbers are final (`_results`): making
    one and copying it again with its real number was 10 % of a push's CPU (issue 17)."""
    if is_postgres(conn):
        stored, ws = _read_postgres(conn, checks.device_id, ops, keys, base)
    else:
        stored, ws = (_recorded_results(conn, checks.device_id, ops),
                      _load_working_set(conn, keys, base))
    recorded: dict[tuple[str, object], OpResult | _Answer] = dict(stored)
    authority = Authority.load(conn, ops)
    answers: list[OpResult | _Answer] = []
    accepted: list[_Accepted] = []
    for op in ops:
        previous = recorded.get(("op", op.op_id))
        if previous is None and ("seq", op.device_seq) in recorded:
            # this device numbered another op the same (a store restored from a backup, a
            # copied workstation): not a repeat, so never answered "duplicate", which would
            # drop the change from its outbox; refused, it stays there, shown as an error
            answers.append(_Answer(op.op_id, op.device_seq, Outcome(
                OpStatus.REJECTED, error=f"device sequence {op.device_seq} already numbers "
                "another op of this device: its change is kept on the workstation, not "
                "applied; the workstation's sequence went back (restored from a backup?)")))
            continue
        if isinstance(previous, OpResult):
            answers.append(previous.model_copy(update={"status": OpStatus.DUPLICATE}))
            continue
        if previous is not None:
            answers.append(_Answer(previous.op_id, previous.device_seq, previous.outcome,
                                   duplicate=True))
            continue
        ids = checks.ids[id(op)]
        # authority first, on the op as signed (the clock bound below may rewrite its HLC)
        outcome = checks.precheck(op) or _unauthorised(authority, op)
        if outcome is None:
            op = checks.bounded(op)
            outcome = apply_op(ws, op, device_sites, checks.schema, ids)
        answer = _Answer(op.op_id, op.device_seq, outcome)
        answers.append(answer)
        if outcome.status is not OpStatus.REJECTED:
            if authority is not None:
                authority.accepted(op)
            recorded[("seq", op.device_seq)] = recorded[("op", op.op_id)] = answer
            accepted.append(_Accepted(op, *ids, answer))
    return ws, answers, accepted


def _renumber(ws: WorkingSet, accepted: list[_Accepted], last_seq: int) -> None:
    """Move provisional sequence numbers to follow the counter, in the same order (each
    accepted op's outcome once: a repeat within the push shares its outcome)."""
    def moved(seq: int | None) -> int | None:
        return seq - PROVISIONAL + last_seq if seq is not None and seq > PROVISIONAL else seq

    for row in ws.records.values():
        row.seq = moved(row.seq) or row.seq
    for conflict in ws.conflicts.values():
        conflict.seq = moved(conflict.seq) or conflict.seq
    ws.last_seq = moved(ws.last_seq) or last_seq
    for entry in accepted:
        entry.answer.outcome.server_seq = moved(entry.answer.outcome.server_seq)


def _results(answers: list[OpResult | _Answer], accepted: list[_Accepted]
             ) -> tuple[list[OpResult], list[_OpRow]]:
    """The push's results, in order, and the accepted ops' rows, with final numbers."""
    results = [a if isinstance(a, OpResult) else a.result() for a in answers]
    return results, [_OpRow(e.op, e.op_id, e.entity_id, e.answer.result()) for e in accepted]


@dataclass(frozen=True)
class _Checks:
    """What every op must be before it is merged (see `op_checks`)."""

    device_id: str
    schema: FieldSchema | None
    now_ms: int
    #: `id()` of the push's ops whose names a database cannot store (`_storable_names`,
    #: checked once a push: `_touched_keys` leaves them out and `precheck` refuses them)
    unstorable: frozenset[int]
    #: each op's ids as text, by `id()` of the op, made once a push (each was made at
    #: every use: nine times an op, 5 % of a push's CPU, issue 17)
    ids: dict[int, OpIds]

    def bounded(self, op: Op) -> Op:
        hlc = bounded_clock(op.hlc, self.now_ms)
        return op if hlc == op.hlc else op.model_copy(update={"hlc": hlc})

    def precheck(self, op: Op) -> Outcome | None:
        problem = self._problem(op)
        return None if problem is None else Outcome(OpStatus.REJECTED, error=problem)

    def _problem(self, op: Op) -> str | None:
        if op.device_id != self.device_id:
            return "op device_id is not the signing device"
        if id(op) in self.unstorable:
            return ("entity, clock, user and field names must be text without NUL characters "
                    "or lone surrogates")
        if op.schema_version not in SUPPORTED_SCHEMA_VERSIONS:
            known = ", ".join(str(v) for v in sorted(SUPPORTED_SCHEMA_VERSIONS))
            return f"unknown schema version {op.schema_version}; server knows {known}"
        problem = clock_problem(op.hlc) or size_problem(op)
        if problem is None and self.schema is not None:
            problem = self.schema.op_problem(op)
        return problem


def _unauthorised(authority: Authority | None, op: Op) -> Outcome | None:
    """Directory changes, decisions and sign-offs need a signature (`authority`)."""
    refusal = authority.refusal(op) if authority is not None else None
    return None if refusal is None else Outcome(OpStatus.REJECTED, error=refusal)


def _storable_names(op: Op) -> bool:
    """Every name storable as a database text value (field *values* may hold anything:
    JSON keeps it): no NUL character and no lone surrogate, checked on all of an op's
    names joined, in two C calls rather than two per name."""
    joined = "".join((op.entity, op.hlc, op.user, *op.fields, *op.base_versions,
                      *(link.entity for link in op.links)))
    if "\x00" in joined:
        return False
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _recorded_results(conn: Connection, device_id: str,
                      ops: list[Op]) -> dict[tuple[str, object], OpResult]:
    if not ops:
        return {}
    rows = conn.execute(
        sa.select(t.ops.c.device_id, t.ops.c.result).where(sa.or_(
            sa.and_(t.ops.c.device_id == device_id,
                    one_of(conn, t.ops.c.device_seq, [op.device_seq for op in ops])),
            one_of(conn, t.ops.c.op_id, [str(op.op_id) for op in ops]),
        ))
    )
    return _by_seq_and_id((stored_device == device_id, stored) for stored_device, stored in rows)


def _by_seq_and_id(rows: Iterable[tuple[bool, Any]]) -> dict[tuple[str, object], OpResult]:
    """Stored results by op id, and by device sequence for this device's own ops only:
    another device's numbers say nothing of this device's."""
    found: dict[tuple[str, object], OpResult] = {}
    for own, stored in rows:
        result = OpResult.model_validate(stored)
        found[("op", result.op_id)] = result
        if own:
            found[("seq", result.device_seq)] = result
    return found


_READ = PgText("""
WITH k AS (SELECT * FROM unnest(CAST(:entities AS text[]), CAST(:ids AS text[]))
           AS k(entity, entity_id))
SELECT
  (SELECT json_agg(json_build_array(o.device_id = :device_id, o.result)) FROM ops AS o
   WHERE (o.device_id = :device_id AND o.device_seq = ANY(CAST(:seqs AS bigint[])))
      OR o.op_id = ANY(CAST(:op_ids AS text[]))) AS recorded,
  -- each key looked up alone (OFFSET 0: a loop of index probes, never a hashed whole table)
  (SELECT json_agg(json_build_array(r.entity, r.entity_id, r.seq, r.fields, r.meta))
   FROM k CROSS JOIN LATERAL (SELECT * FROM records AS r
                              WHERE r.entity = k.entity AND r.entity_id = k.entity_id
                              OFFSET 0) AS r) AS records,
  (SELECT json_agg(json_build_array(s.entity, s.entity_id, s.site_id))
   FROM k CROSS JOIN LATERAL (SELECT * FROM record_scope AS s
                              WHERE s.entity = k.entity AND s.entity_id = k.entity_id
                              OFFSET 0) AS s) AS scope,
  (SELECT json_agg(json_build_array(c.id, c.entity, c.entity_id, c.field, c.seq, c."values",
                                    c."current", c.status, c.resolution))
   FROM k CROSS JOIN LATERAL (SELECT * FROM conflicts AS c
                              WHERE c.entity = k.entity AND c.entity_id = k.entity_id
                              OFFSET 0) AS c) AS conflicts
""")


def _read_postgres(conn: Connection, device_id: str, ops: list[Op], keys: set[RecordKey],
                   last_seq: int) -> tuple[dict[tuple[str, object], OpResult], WorkingSet]:
    """`_recorded_results` and `_load_working_set` in one round trip (PostgreSQL): each
    table's rows come back as one JSON array, decoded by the driver as JSON columns are."""
    ordered = sorted(keys)
    row = _READ.one(conn, {
        "entities": text_array(entity for entity, _ in ordered),
        "ids": text_array(i for _, i in ordered), "device_id": device_id,
        "seqs": int_array(op.device_seq for op in ops),
        "op_ids": text_array(str(op.op_id) for op in ops)})
    recorded = _by_seq_and_id(row.recorded or ())
    ws = WorkingSet(last_seq)
    for entity, entity_id, seq, fields, meta in row.records or ():
        record = ws.record(entity, entity_id)
        record.seq, record.fields, record.exists, record.stored = seq, fields, True, True
        record.meta = {name: FieldMeta(*values) for name, values in meta.items()}
    for entity, entity_id, site_id in row.scope or ():
        ws.record(entity, entity_id).scope.add(site_id)
    for c in row.conflicts or ():
        ws.conflicts[c[0]] = ConflictRow(c[0], c[1], c[2], c[3], c[4], list(c[5]), c[6], c[7],
                                         c[8], stored=True)
    return recorded, ws


def _keys_read(conn: Connection, checks: _Checks, ops: list[Op]) -> set[RecordKey]:
    """The records a push reads: those its ops name or link, and those of the conflicts its
    resolve ops decide."""
    keys, conflict_ids = _touched_keys(ops, checks)
    keys |= signer_records(ops)   # read for authority: locked so a demotion cannot race
    if conflict_ids:
        for row in conn.execute(sa.select(t.conflicts.c.entity, t.conflicts.c.entity_id)
                                .where(one_of(conn, t.conflicts.c.id, sorted(conflict_ids)))):
            keys.add((row.entity, row.entity_id))
    return keys


def _touched_keys(ops: Iterable[Op], checks: _Checks) -> tuple[set[RecordKey], set[str]]:
    keys: set[RecordKey] = set()
    conflict_ids: set[str] = set()
    for op in ops:
        if id(op) in checks.unstorable:
            continue                    # refused by `_Checks`; never reaches a query
        if op.kind is OpKind.RESOLVE:
            conflict_ids.add(checks.ids[id(op)][1])
            continue
        keys.add((op.entity, checks.ids[id(op)][1]))
        keys.update((link.entity, str(link.entity_id)) for link in op.links)
    return keys, conflict_ids


def _load_working_set(conn: Connection, keys: set[RecordKey], last_seq: int) -> WorkingSet:
    ws = WorkingSet(last_seq)
    for chunk in _chunks(sorted(keys), 400):
        _load_records(conn, ws, chunk)
    return ws


def _key_filter(conn: Connection, table: sa.Table,
                chunk: list[RecordKey]) -> sa.ColumnElement[bool]:
    """``(entity, entity_id) IN keys``, written per entity so PostgreSQL walks the primary
    key (entity, entity_id) once per entity rather than planning hundreds of row values."""
    by_entity: dict[str, list[str]] = {}
    for entity, entity_id in chunk:
        by_entity.setdefault(entity, []).append(entity_id)
    return sa.or_(*(sa.and_(table.c.entity == entity, one_of(conn, table.c.entity_id, ids))
                    for entity, ids in sorted(by_entity.items())))


def _load_records(conn: Connection, ws: WorkingSet, chunk: list[RecordKey]) -> None:
    query = (sa.select(t.records.c.entity, t.records.c.entity_id, t.records.c.seq,
                       t.records.c.fields, t.records.c.meta)
             .where(_key_filter(conn, t.records, chunk)))
    for rec in conn.execute(query).mappings():
        row = ws.record(rec["entity"], rec["entity_id"])
        row.seq, row.fields, row.exists, row.stored = rec["seq"], dict(rec["fields"]), True, True
        row.meta = {name: FieldMeta(*values) for name, values in rec["meta"].items()}
    query = sa.select(t.record_scope).where(_key_filter(conn, t.record_scope, chunk))
    for scope in conn.execute(query).mappings():
        ws.record(scope["entity"], scope["entity_id"]).scope.add(scope["site_id"])
    query = sa.select(t.conflicts).where(_key_filter(conn, t.conflicts, chunk))
    for c in conn.execute(query).mappings():
        ws.conflicts[c["id"]] = ConflictRow(
            c["id"], c["entity"], c["entity_id"], c["field"], c["seq"], list(c["values"]),
            c["current"], c["status"], c["resolution"], stored=True)


def _op_row(accepted: _OpRow, now: datetime) -> dict[str, Any]:
    """The ops-log row of an accepted op (with its final sequence number)."""
    op, result = accepted.op, accepted.result
    return {
        "server_seq": result.server_seq, "op_id": accepted.op_id, "device_id": op.device_id,
        "device_seq": op.device_seq, "entity": op.entity, "entity_id": accepted.entity_id,
        "kind": op.kind.value, "hlc": op.hlc, "schema_version": op.schema_version,
        "result": _encoded(result), "op": _encoded(op), "received_at": now,
    }


def _encoded(model: Op | OpResult) -> JsonText | dict[str, Any]:
    """The model's JSON text by its own serializer (as `model_dump(mode="json")` then
    `json.dumps` would give, at a fifth of the cost); its JSON-mode dict when a value is
    text UTF-8 cannot carry (a lone surrogate), for `rows_as_json` to encode with `json`."""
    try:
        return JsonText(to_json(model).decode())
    except (PydanticSerializationError, UnicodeDecodeError):
        return model.model_dump(mode="json")


def _writes(ws: WorkingSet, accepted: list[_OpRow]) -> WriteBatch:
    """Everything a push writes: changed records, new scope, conflicts, the ops log."""
    now = datetime.now(UTC)
    batch = WriteBatch()
    rows = [r for r in ws.records.values() if r.exists and r.changed]
    batch.insert(t.records, [_record_values(r) for r in rows if not r.stored])
    batch.update(t.records, ("entity", "entity_id"), ("seq", "fields", "meta", "body"),
                 [_record_values(r) for r in rows if r.stored])
    # scope rows carry their record's own number: those of records this push changed move
    batch.update(t.record_scope, ("entity", "entity_id"), ("record_seq",),
                 [{"entity": r.entity, "entity_id": r.entity_id, "record_seq": r.seq}
                  for r in sorted(rows, key=lambda r: r.key) if r.scope - r.new_scope])
    batch.insert(t.record_scope, [
        {"entity": r.entity, "entity_id": r.entity_id, "site_id": site,
         "record_seq": _record_seq(r)}
        for r in ws.records.values() for site in sorted(r.new_scope)])
    changed = [c for c in ws.conflicts.values() if c.changed]
    batch.insert(t.conflicts, [_conflict_values(c) for c in changed if not c.stored])
    batch.update(t.conflicts, ("id",), _CONFLICT_CHANGING,
                 [_conflict_values(c) for c in changed if c.stored])
    batch.insert(t.ops, [_op_row(row, now) for row in accepted])
    return batch


def _record_seq(row: RecordRow) -> int:
    """What its scope rows carry as `record_seq`: the record's own number, 0 while the
    record is not on the server (a scope given through a link)."""
    return row.seq if row.exists else 0


def _record_values(row: RecordRow) -> dict[str, Any]:
    meta = {k: m.to_list() for k, m in row.meta.items()}
    return {"entity": row.entity, "entity_id": row.entity_id, "seq": row.seq,
            "fields": row.fields, "meta": meta,
            "body": record_body(row.entity, row.entity_id, row.fields, meta)}


def _conflict_values(c: ConflictRow) -> dict[str, Any]:
    return {"id": c.conflict_id, "seq": c.seq, "entity": c.entity, "entity_id": c.entity_id,
            "field": c.field_name, "values": c.values, "current": c.current, "status": c.status,
            "resolution": c.resolution}


_CONFLICT_CHANGING = ("seq", "values", "current", "status", "resolution")


def _chunks(items: list[RecordKey], size: int) -> Iterable[list[RecordKey]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
