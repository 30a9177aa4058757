"""The local audit chain as the server's copy sees it: events to send, and the local chain's
position to compare with what the server holds."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from ld_desktop.store.models import AuditEvent
from ld_desktop.store.store import Store
from sync.audit_wire import AuditRecord


def _record(event: AuditEvent) -> AuditRecord:
    # What happened, to which record id, by whom: the audit never holds clinical values or
    # names, and nothing more is sent than the event itself.
    body = {"user": event.user, "action": event.action, "entity": event.entity,
            "entity_id": str(event.entity_id) if event.entity_id else None,
            "case_id": str(event.case_id) if event.case_id else None,
            "detail": event.detail, "device_id": event.device_id}

    def record(body: dict[str, Any]) -> AuditRecord:
        return AuditRecord(seq=event.seq, event_id=event.id, at=event.at,
                           prev_mac=event.prev_mac, mac=event.mac, body=body)

    try:
        return record(body)
    except ValidationError:
        # A detail the server cannot store (too large, a NUL): the event still takes its
        # place in the copy's chain, its detail left here, so the copy never stops.
        return record({
            **body, "user": _plain(event.user), "action": _plain(event.action),
            "entity": _plain(event.entity or "") or None, "device_id": _plain(event.device_id),
            "detail": {"omitted": "not storable on the server"}})


def _plain(text: str) -> str:
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:128]


class StoreAuditSource:
    """Implements ``sync.client.audit_upload.AuditSource`` over a ``Store``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def audit_events_after(self, seq: int, limit: int) -> list[AuditRecord]:
        with self._store.reading() as db:
            events = db.scalars(select(AuditEvent).where(AuditEvent.seq > seq)
                                .order_by(AuditEvent.seq).limit(limit))
            return [_record(event) for event in events]


def chain_position(store: Store, at_seq: int) -> tuple[int, str | None]:
    """The newest local event's seq, and the MAC of the local event at ``at_seq`` (None if
    there is none)."""
    with store.reading() as db:
        last = db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
        mac = db.scalar(select(AuditEvent.mac).where(AuditEvent.seq == at_seq))
        return int(last), mac
