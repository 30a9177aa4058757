"""The tamper-evident audit trail: every event MAC-chained to the one before it.

mac_n = HMAC-SHA256(K, prev_mac || canonical(event_n)), K = HKDF(data key, "audit chain").
An edited, inserted or deleted event breaks the chain at that point; ``verify_chain`` says
where. Events hold what happened and to which record, never clinical values or names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Table, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from ld_desktop.domain.ids import new_id
from ld_desktop.store import prepared
from ld_desktop.store.audit_anchor import ANCHOR_KEY, ANCHOR_STARTED, AuditAnchor
from ld_desktop.store.models import AuditEvent, Setting, utcnow

GENESIS = "0" * 64
HEAD_KEY = "audit-chain-head"
TRUNCATION_KEY = "audit_trail_truncated"
HEAD_MISSING = "the record of the newest event (audit-chain-head) was missing"


# Every event's statements are prepared on the DB-API connection (``store/prepared.py``).
_EVENTS = cast(Table, AuditEvent.__table__)
_EVENT_COLUMNS = tuple(c.key for c in AuditEvent.__table__.columns)
# The newest event and the recorded head, in one round trip.
_TAIL = ("SELECT e.seq, e.mac, s.value FROM (SELECT 1) AS one"
         " LEFT JOIN (SELECT seq, mac FROM audit_event ORDER BY seq DESC LIMIT 1) AS e ON 1"
         " LEFT JOIN setting AS s ON s.key = ?")
_MAC_OF = "SELECT mac FROM audit_event WHERE seq = ?"
# the head's value is JSON text, as the Setting model's JSON column stores it
_UPSERT_HEAD = ('INSERT INTO setting ("key", value) VALUES (?, ?) '
                'ON CONFLICT ("key") DO UPDATE SET value = excluded.value')


def audit_key(data_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"ld-desktop audit chain v1"
    ).derive(data_key)


def _canonical(event: Mapping[str, Any]) -> bytes:
    body = [
        event["seq"],
        str(event["id"]),
        event["at"].isoformat(),
        event["user"],
        event["action"],
        event["entity"],
        str(event["entity_id"]) if event["entity_id"] else None,
        str(event["case_id"]) if event["case_id"] else None,
        event["detail"],
        event["device_id"],
        event["prev_mac"],
    ]
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def _mac(key: bytes, event: AuditEvent | Mapping[str, Any]) -> str:
    values = event if isinstance(event, Mapping) else {
        c: getattr(event, c) for c in _EVENT_COLUMNS}
    return hmac.new(key, _canonical(values), hashlib.sha256).hexdigest()


def _head_mac(key: bytes, seq: int, last_mac: str) -> str:
    return hmac.new(key, f"head|{seq}|{last_mac}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    """What one event says happened, and to which record: recorded by a unit of work's
    ``audit``, or on its own by ``Store.record_audit`` (a search, a list, a view)."""

    action: str
    entity: str | None = None
    entity_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    detail: dict[str, Any] | None = None


class AuditLog:
    def __init__(self, key: bytes, device_id: str, anchor: AuditAnchor | None = None) -> None:
        self._key = key
        self._device_id = device_id
        self.anchor = anchor

    def record(self, session: Session, user: str, entry: AuditEntry, *,
               after: AuditTail | None = None) -> AuditTail:
        """Append one event. ``after``: what the previous call returned, for the next event
        in the same transaction (whose tail, head and anchor were read then and are ours)."""
        return self.append(prepared.driver(session), prepared.dialect_of(session), user, entry,
                           after=after)

    def append(self, connection: Any, dialect: Dialect, user: str, entry: AuditEntry, *,
               after: AuditTail | None = None) -> AuditTail:
        """``record`` on a DB-API ``connection`` inside a write transaction (its caller's:
        a unit of work's, or ``Store.record_audit``'s own)."""
        detail = dict(entry.detail or {})
        if after is None:
            seq, prev, anomaly = self._read_tail(connection, dialect, detail)
        else:
            seq, prev = after.seq + 1, after.mac
            # the anchor cannot have moved while this transaction holds the write lock
            anomaly = "" if after.anomaly == ANCHOR_STARTED else after.anomaly
            if anomaly:
                detail[ANCHOR_KEY] = anomaly
        event: dict[str, Any] = {
            "seq": seq, "id": new_id(), "at": utcnow(), "user": user, "action": entry.action,
            "entity": entry.entity, "entity_id": entry.entity_id, "case_id": entry.case_id,
            "detail": detail, "device_id": self._device_id, "prev_mac": prev}
        mac = event["mac"] = _mac(self._key, event)
        # Prepared statements on the transaction's DB-API connection, no ORM object: an
        # audit row is written once and never loaded back in this transaction (issue 17).
        events = prepared.statements_for(_EVENTS, dialect)
        prepared.run(connection, dialect, events.insert_sql, events.bind(event))
        # The chain's head, kept apart from the events (same transaction), so deleting the
        # newest events is caught too: the chain alone cannot tell a truncated tail.
        value = json.dumps({"seq": seq, "mac": _head_mac(self._key, seq, mac)})
        prepared.run(connection, dialect, _UPSERT_HEAD, (HEAD_KEY, value))
        return AuditTail(seq, mac, anomaly)

    def _read_tail(self, connection: Any, dialect: Dialect, detail: dict[str, Any]
                   ) -> tuple[int, str, str]:
        """The next event's number and previous MAC, in one statement with the recorded
        head; notes in ``detail`` a cut tail or an anchor that does not match the trail."""
        last_seq, last_mac, head_text = prepared.run(
            connection, dialect, _TAIL, (HEAD_KEY,)).fetchone()
        head = None if head_text is None else json.loads(head_text)
        seq, prev = (last_seq + 1, last_mac) if last_seq is not None else (1, GENESIS)
        recorded_head = int(head.get("seq", 0)) if head is not None else seq - 1
        anchored = self.anchor.read() if self.anchor is not None else None
        if anchored is not None and anchored.seq > recorded_head:
            recorded_head = anchored.seq   # the head setting was cut with the tail
        anomaly = ""
        if self.anchor is not None:
            anomaly = self.anchor.anomaly(
                anchored, self._key, seq,
                # usually the anchor names the newest event, whose MAC is at hand
                lambda n: last_mac if n == last_seq else _mac_of(connection, dialect, n))
            if not anomaly and head is None and last_seq is not None and anchored is not None:
                # The head setting is older than the anchor, so with an anchor it must be
                # there: gone with the tail, and an older anchor copied back over the cut.
                anomaly = HEAD_MISSING
            if anomaly:
                detail[ANCHOR_KEY] = anomaly
        if recorded_head != seq - 1:
            # The newest events were removed since the last write: say so, for ever, in the
            # chain itself, rather than silently continuing from the shortened trail.
            detail[TRUNCATION_KEY] = {"trail_ended_at": seq - 1, "head_was": recorded_head}
        return seq, prev, anomaly


def _mac_of(connection: Any, dialect: Dialect, seq: int) -> str | None:
    row = prepared.run(connection, dialect, _MAC_OF, (seq,)).fetchone()
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class AuditTail:
    """The newest event a transaction recorded, and what it noted about the anchor."""

    seq: int
    mac: str
    anomaly: str


@dataclass(frozen=True)
class ChainReport:
    events: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(session: Session, key: bytes, anchor: AuditAnchor | None = None
                 ) -> ChainReport:
    problems: list[str] = []
    anchored = anchor.read() if anchor is not None else None
    mac_of: dict[int, str] = {}
    anchor_started = False
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(2000):
        count += 1
        if event.seq != expected_seq:
            problems.append(f"events {expected_seq}..{event.seq - 1} are missing")
        if event.prev_mac != expected_prev:
            problems.append(f"event {event.seq} does not follow the event before it")
        if not hmac.compare_digest(event.mac, _mac(key, event)):
            problems.append(f"event {event.seq} has been altered")
        noted = event.detail.get(ANCHOR_KEY) if isinstance(event.detail, dict) else None
        if noted == ANCHOR_STARTED and anchor_started:
            problems.append(f"the audit anchor file had been removed when event {event.seq} "
                            "was recorded")
        elif noted and noted != ANCHOR_STARTED:
            problems.append(f"when event {event.seq} was recorded, {noted}")
        anchor_started = anchor_started or noted == ANCHOR_STARTED
        cut = event.detail.get(TRUNCATION_KEY) if isinstance(event.detail, dict) else None
        if cut:
            problems.append(
                f"events {cut['trail_ended_at'] + 1}..{cut['head_was']} were missing from the "
                f"end of the trail when event {event.seq} was recorded"
            )
        if anchored is not None and event.seq == anchored.seq:
            mac_of[event.seq] = event.mac
        expected_prev = event.mac
        expected_seq = event.seq + 1
    if anchor is not None:
        problems.extend(anchor.problems(key, count, expected_seq - 1, mac_of))
    head = session.get(Setting, HEAD_KEY)
    if head is not None:
        head_seq = int(head.value.get("seq", 0))
        if head_seq != expected_seq - 1:
            problems.append(f"the trail ends at event {expected_seq - 1} but event {head_seq} "
                            "was recorded: events are missing from the end")
        elif not hmac.compare_digest(str(head.value.get("mac", "")),
                                     _head_mac(key, head_seq, expected_prev)):
            problems.append("the record of the newest event does not match the trail")
    elif count:
        problems.append("the record of the newest event is missing")
    return ChainReport(count, problems)
