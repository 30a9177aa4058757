"""The encrypted store as a sync ``Replica``.

Push: outbox ops, oldest first, under the device id the server enrolled us with.
Pull: each page (or pages the client applies together, as one page) is applied and the
cursor advanced in one transaction. A field with a pending local op is rebased, never
overwritten: the local value stays, the pending op keeps its base version, so the server
sees the clash and keeps both values.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import case, delete, func, select, text
from sqlalchemy.orm import Session

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store import quarantine
from ld_desktop.store.directory_trust import (
    DIRECTORY_MODELS,
    held_back,
    hold_back,
    refusal,
    trusted_keys,
)
from ld_desktop.store.models import (
    ConflictRecord,
    DeviceState,
    OutboxOp,
    Site,
    SyncedRecord,
)
from ld_desktop.store.page_cache import wide_page_cache
from ld_desktop.store.pull_batch import apply_records, reindex_people
from ld_desktop.store.redirect_repair import repair as repair_redirects
from ld_desktop.store.store import Store, UnitOfWork
from ld_desktop.store.wire_reader import UnreadableRecord, read_fields
from ld_desktop.store.wire_values import DELETED_FIELD
from sync.hlc import Timestamp
from sync.protocol import (
    ConflictState,
    Op,
    OpKind,
    OpResult,
    OpStatus,
    PullResponse,
    RecordRef,
    RecordState,
)

log = logging.getLogger(__name__)
ACKNOWLEDGED = {OpStatus.APPLIED, OpStatus.CONFLICT, OpStatus.DUPLICATE}


class StoreReplica:
    """Implements ``sync.replica.Replica`` over a ``Store``."""

    def __init__(self, store: Store, push_device_id: str, user: str = "sync") -> None:
        self._store = store
        self._device_id = push_device_id
        self._user = user

    # ------------------------------------------------------------------ push side
    def pending_ops(self, limit: int) -> list[Op]:
        """Never-tried ops first (oldest first), then ones the server refused before, so a
        block of refused ops at the front of the outbox cannot hold newer work back."""
        retry_last = case((OutboxOp.status == "rejected", 1), else_=0)
        with self._store.reading() as db:
            rows = db.scalars(
                select(OutboxOp).order_by(retry_last, OutboxOp.device_seq).limit(limit)
            )
            return [self._to_op(row) for row in rows]

    def pending_count(self) -> int:
        with self._store.reading() as db:
            return int(db.scalar(select(func.count()).select_from(OutboxOp)) or 0)

    def acknowledge(self, results: list[OpResult]) -> None:
        done = [r.device_seq for r in results if r.status in ACKNOWLEDGED]
        rejected = [r for r in results if r.status is OpStatus.REJECTED]
        with self._store.unit_of_work(self._user) as uow:
            if done:
                uow.session.execute(delete(OutboxOp).where(OutboxOp.device_seq.in_(done)))
            for result in rejected:
                row = uow.session.get(OutboxOp, result.device_seq)
                if row is not None:
                    row.status = "rejected"
                    row.error = (result.error or "refused by the server")[:500]
            if rejected:
                uow.audit("sync-rejected", detail={"ops": len(rejected)})

    def _to_op(self, row: OutboxOp) -> Op:
        return Op(
            op_id=row.op_id,
            device_id=self._device_id,
            device_seq=row.device_seq,
            hlc=row.hlc,
            user=row.user,
            schema_version=row.schema_version,
            entity=row.entity,
            entity_id=row.entity_id,
            kind=OpKind(row.kind),
            sites=list(row.sites),
            links=[RecordRef(entity=li["entity"], entity_id=li["entity_id"]) for li in row.links],
            fields=dict(row.fields),
            base_versions=dict(row.base_versions),
        )

    # ------------------------------------------------------------------ pull side
    def cursor(self) -> int:
        with self._store.reading() as db:
            device = db.get(DeviceState, 1)
            return 0 if device is None else device.pull_cursor

    def reset_cursor(self) -> None:
        with self._store.unit_of_work(self._user) as uow:
            device = uow.session.get(DeviceState, 1)
            assert device is not None
            device.pull_cursor = 0
            uow.audit("sync-cursor-reset")

    def apply_pull(self, page: PullResponse) -> None:
        """Apply one page and move the cursor past it, in one transaction. A record this
        version cannot apply is set aside in the quarantine (with the reason), never allowed
        to stop the pull."""
        with (self._store.unit_of_work(self._user) as uow,
              wide_page_cache(uow.session)):   # a first sync's random index inserts
            db = uow.session
            # A page is in server order, where a linked record (a person bumped by a new case
            # at another site) can come after the record that refers to it: check foreign
            # keys at commit, when the whole page is in.
            db.execute(text("PRAGMA defer_foreign_keys = ON"))
            pending = _pending_fields(db)
            unverified = _apply_directory(db, [s for s in page.records
                                               if s.entity in DIRECTORY_MODELS])
            if unverified:
                uow.audit("directory-held-back", detail={"records": unverified})
            set_aside_now, people = apply_records(
                db, [s for s in page.records if s.entity not in DIRECTORY_MODELS], pending)
            for conflict in page.conflicts:
                _apply_conflict(db, conflict)
            _follow_merges(db, uow, self._user, pending, people)
            device = db.get(DeviceState, 1)
            assert device is not None
            if page.next_cursor < device.pull_cursor and not page.cursor_reset:
                raise ValueError("the server tried to move the cursor backwards")
            device.pull_cursor = page.next_cursor
            self._store.clock.observe(Timestamp.decode(page.server_hlc))
            device.last_hlc = self._store.clock.last.encode()
            if page.records or page.conflicts:
                uow.audit(
                    "sync-pulled",
                    detail={"records": len(page.records), "conflicts": len(page.conflicts),
                            "cursor": page.next_cursor, "set_aside": len(set_aside_now)},
                )
            _audit_set_aside(uow, set_aside_now)

    def retry_quarantine(self, *, only_other_versions: bool = False) -> tuple[int, int]:
        """Try the quarantined records again (all, or those an earlier version set aside).
        Returns (applied, still set aside)."""
        with self._store.reading() as db:   # usually none: no write transaction for nothing
            if not quarantine.held_states(db, only_other_versions=only_other_versions):
                return 0, quarantine.count(db)
        with self._store.unit_of_work(self._user) as uow:
            db = uow.session
            states = quarantine.held_states(db, only_other_versions=only_other_versions)
            if not states:
                return 0, quarantine.count(db)
            db.execute(text("PRAGMA defer_foreign_keys = ON"))
            before = quarantine.count(db)
            pending = _pending_fields(db)
            _set_aside, people = apply_records(db, states, pending)
            _follow_merges(db, uow, self._user, pending, people)
            left = quarantine.count(db)
            uow.audit("sync-quarantine-retried",
                      detail={"applied": before - left, "still_set_aside": left,
                              "version": quarantine.reader_version()})
            return before - left, left

    def quarantined(self) -> list[quarantine.QuarantineEntry]:
        with self._store.reading() as db:
            return quarantine.entries(db)


def _follow_merges(db: Session, uow: UnitOfWork, user: str,
                   pending: dict[tuple[str, uuid.UUID], set[str]],
                   people: set[uuid.UUID]) -> None:
    """Records still referring to a merged-away person follow it to the survivor."""
    db.flush()
    moving = {eid for (entity, eid), names in pending.items()
              if entity == SyncedEntity.CASE and "person_id" in names}
    reindex_people(db, repair_redirects(db, uow.changes, user, moving, people))


def _audit_set_aside(uow: UnitOfWork, set_aside_now: list[tuple[RecordState, str]]) -> None:
    if set_aside_now:
        # Counts only in the log (no record ids, no values); each record in the audit.
        log.warning("set aside %d pulled record(s) this version cannot apply",
                    len(set_aside_now))
    for state, reason in set_aside_now:
        uow.audit("sync-record-set-aside", entity=state.entity[:64], entity_id=state.entity_id,
                  detail={"reason": reason, "seq": state.seq})


def _apply_directory(db: Session, pulled: list[RecordState]) -> int:
    """Apply the staff and site records that verify (`directory_trust`), those held back
    earlier included, until no more do (an administrator's record can unlock others); hold
    back the rest. A verified record replaces what this workstation's own refused changes to
    it had made. Returns how many are held back."""
    waiting = [*held_back(db), *pulled]
    if not waiting:
        return 0
    applied: dict[tuple[str, uuid.UUID], int] = {}
    progress = True
    trusted: set[str] | None = None
    while waiting and progress:
        progress = False
        for state in list(waiting):
            if trusted is None:
                trusted = trusted_keys(db)
            model = DIRECTORY_MODELS[state.entity]
            local = db.get(model, state.entity_id)
            # a record this workstation changed and the server has not accepted is not a
            # signed state to protect from rollback
            unconfirmed = db.scalar(select(OutboxOp.device_seq).where(
                OutboxOp.entity == state.entity, OutboxOp.entity_id == state.entity_id)
                .limit(1)) is not None
            reason = refusal(state, trusted, None if unconfirmed else local)
            if reason is not None and not (model is Site and local is None):
                continue
            if reason is not None:
                log.warning("new site applied without a verified signature: %s", reason)
            db.execute(delete(OutboxOp).where(OutboxOp.entity == state.entity,
                                              OutboxOp.entity_id == state.entity_id,
                                              OutboxOp.status == "rejected"))
            try:
                values = read_fields(model, state.fields, new=local is None)
            except UnreadableRecord as exc:   # set aside like any unreadable record
                quarantine.set_aside(db, state, exc.reason, exc.waits_for)
                waiting.remove(state)
                continue
            _apply_record(db, model, local, state, values,
                          _pending_fields(db).get((state.entity, state.entity_id)))
            db.flush()
            waiting.remove(state)
            applied[(state.entity, state.entity_id)] = state.seq
            progress = True
            if model is not Site:
                # a staff record can grant or take away an administrator's key: the
                # records after it (in this page, or pages applied together) are judged
                # by what it left, as they would be in a later page
                trusted = None
    waiting = [s for s in waiting if applied.get((s.entity, s.entity_id), -1) < s.seq]
    for state in waiting:
        log.warning("pulled %s record held back: %s", state.entity,
                    refusal(state, trusted_keys(db), db.get(DIRECTORY_MODELS[state.entity],
                                                             state.entity_id)))
    hold_back(db, waiting)
    return len(waiting)


def _pending_fields(db: Session) -> dict[tuple[str, uuid.UUID], set[str]]:
    found: dict[tuple[str, uuid.UUID], set[str]] = defaultdict(set)
    for entity, entity_id, kind, fields in db.execute(
        select(OutboxOp.entity, OutboxOp.entity_id, OutboxOp.kind, OutboxOp.fields)
    ):
        if kind == OpKind.RESOLVE:  # an unsent decision protects the decided field of its record
            conflict = db.get(ConflictRecord, entity_id)
            if conflict is not None:
                found[(conflict.entity, conflict.entity_id)].add(conflict.field)
            continue
        found[(entity, entity_id)].update(fields)
    return found


def _apply_record(
    db: Session, model: type[SyncedRecord], record: SyncedRecord | None, state: RecordState,
    values: dict[str, Any], pending: set[str] | None,
) -> None:
    pending = pending or set()
    if record is None:
        record = model()
        record.id = state.entity_id
        for name, value in values.items():
            setattr(record, name, value)
        record.field_versions = {k: v for k, v in state.versions.items()}
        record.entered_in_error = state.deleted
        db.add(record)
        db.flush()
        return
    versions = dict(record.field_versions)
    for name, value in values.items():
        if name in pending:
            continue  # rebase: our unsent change stays and will meet this one at the server
        setattr(record, name, value)
        if name in state.versions:
            versions[name] = state.versions[name]
    if DELETED_FIELD not in pending:
        record.entered_in_error = state.deleted
        if DELETED_FIELD in state.versions:
            versions[DELETED_FIELD] = state.versions[DELETED_FIELD]
    record.field_versions = versions


def _apply_conflict(db: Session, state: ConflictState) -> None:
    row = db.get(ConflictRecord, state.conflict_id)
    values = [v.model_dump(mode="json") for v in state.values]
    if row is None:
        db.add(
            ConflictRecord(
                id=state.conflict_id, server_seq=state.seq, entity=state.entity,
                entity_id=state.entity_id, field=state.field, values=values,
                current={"value": state.current}, status=state.status,
                resolution=state.resolution,
            )
        )
        return
    row.server_seq = state.seq
    row.values = values
    row.current = {"value": state.current}
    if row.decision_pending and state.status != "resolved":
        return  # our decision has not reached the server yet: keep showing it as decided here
    row.status = state.status
    row.resolution = state.resolution
    row.decision_pending = False
