"""The audit copy on the server: each device's own audit chain, append-only, and its check.

A device sends its events in order after every sync. An event at a place the server does not
hold yet is appended; the same event again is a duplicate; a *different* event at a place
already held (the workstation's trail was cut and has grown again) never replaces the copy:
it is kept apart in ``audit_forks``. ``check_chains`` walks every device's copy: it must start
at event 1 from the genesis link, have no gap, each event naming the previous one's MAC as its
``prev_mac``, and no fork. The server cannot recompute MACs (the key stays on the workstation);
the links are enough to show a cut, an insertion or a rewrite of what it already holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from sync.audit_wire import GENESIS_MAC, AuditHead, AuditPushResult, AuditRecord
from sync.server import schema as t

log = logging.getLogger(__name__)


def store_events(engine: Engine, device_id: str, events: list[AuditRecord]) -> AuditPushResult:
    for attempt in range(2):   # a retry racing its own first attempt: read again, once
        try:
            with engine.begin() as conn:
                return _store(conn, device_id, events)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _store(conn: Connection, device_id: str, events: list[AuditRecord]) -> AuditPushResult:
    ordered = sorted(events, key=lambda e: e.seq)
    held: dict[int, str] = {seq: mac for seq, mac in conn.execute(
        sa.select(t.audit_events.c.seq, t.audit_events.c.mac)
        .where(t.audit_events.c.device_id == device_id,
               t.audit_events.c.seq.in_([e.seq for e in ordered])))}
    now = datetime.now(UTC)
    rows, forks, duplicates = [], [], 0
    for event in ordered:
        known = held.get(event.seq)
        if known == event.mac:
            duplicates += 1
        elif known is not None:
            forks.append({"device_id": device_id, "seq": event.seq, "prev_mac": event.prev_mac,
                          "mac": event.mac, "received_at": now})
        else:
            held[event.seq] = event.mac
            rows.append({"device_id": device_id, "seq": event.seq,
                         "event_id": str(event.event_id), "at": event.at,
                         "prev_mac": event.prev_mac, "mac": event.mac, "body": event.body,
                         "received_at": now})
    if rows:
        conn.execute(sa.insert(t.audit_events), rows)
    if forks:
        conn.execute(sa.insert(t.audit_forks), forks)
        log.warning("device %s sent %d audit event(s) differing from the copy held",
                    device_id, len(forks))
    return AuditPushResult(stored=len(rows), duplicates=duplicates, forks=len(forks),
                           head_seq=_head(conn, device_id).seq)


def _head(conn: Connection, device_id: str) -> AuditHead:
    row = conn.execute(
        sa.select(t.audit_events.c.seq, t.audit_events.c.mac)
        .where(t.audit_events.c.device_id == device_id)
        .order_by(t.audit_events.c.seq.desc()).limit(1)).first()
    return AuditHead(seq=0) if row is None else AuditHead(seq=row.seq, mac=row.mac)


def head(engine: Engine, device_id: str) -> AuditHead:
    with engine.connect() as conn:
        return _head(conn, device_id)


@dataclass
class DeviceChain:
    device_id: str
    name: str
    revoked: bool
    events: int = 0
    head_seq: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def check_chains(engine: Engine) -> list[DeviceChain]:
    """Every enrolled device's copy, checked for continuity."""
    with engine.connect() as conn:
        chains = {row.id: DeviceChain(row.id, row.name, row.revoked_at is not None)
                  for row in conn.execute(sa.select(t.devices.c.id, t.devices.c.name,
                                                    t.devices.c.revoked_at)
                                          .order_by(t.devices.c.enrolled_at))}
        result = conn.execution_options(yield_per=5000).execute(
            sa.select(t.audit_events.c.device_id, t.audit_events.c.seq,
                      t.audit_events.c.prev_mac, t.audit_events.c.mac)
            .order_by(t.audit_events.c.device_id, t.audit_events.c.seq))
        current: DeviceChain | None = None
        expected_seq, expected_prev = 1, GENESIS_MAC
        for device_id, seq, prev_mac, mac in result:
            if current is None or current.device_id != device_id:
                current = chains.setdefault(device_id, DeviceChain(device_id, "?", False))
                expected_seq, expected_prev = 1, GENESIS_MAC
            current.events += 1
            current.head_seq = seq
            if seq != expected_seq:
                current.problems.append(f"events {expected_seq}..{seq - 1} are missing")
            elif prev_mac != expected_prev:
                current.problems.append(f"event {seq} does not follow event {seq - 1}")
            expected_seq, expected_prev = seq + 1, mac
        for device_id, seq, count in conn.execute(
                sa.select(t.audit_forks.c.device_id, sa.func.min(t.audit_forks.c.seq),
                          sa.func.count()).group_by(t.audit_forks.c.device_id)):
            chain = chains.setdefault(device_id, DeviceChain(device_id, "?", False))
            chain.problems.append(
                f"{count} event(s) from event {seq} on differ from the copy held: the "
                "workstation's trail was cut or rewritten after they were sent")
    return list(chains.values())
