"""Sending the workstation's own audit chain to the server's append-only copy, and asking
how far that copy goes (``ld-admin verify`` compares it with the local trail)."""

from __future__ import annotations

from typing import Protocol

import httpx

from sync.audit_wire import (
    MAX_AUDIT_EVENTS_PER_PUSH,
    AuditHead,
    AuditPush,
    AuditPushResult,
    AuditRecord,
)
from sync.client.transport import RetryPolicy, SignedSession, Verify
from sync.credentials import DeviceCredentials


class AuditSource(Protocol):
    """A local audit chain (the workstation's store)."""

    def audit_events_after(self, seq: int, limit: int) -> list[AuditRecord]:
        """Events with a greater ``seq``, oldest first, at most ``limit``."""
        ...


def upload_audit(session: SignedSession, source: AuditSource,
                 known_head: int | None = None) -> tuple[int, int]:
    """Append the events the server's copy lacks. Returns (events stored, the server's
    newest seq afterwards). ``known_head``: that seq as the last upload in this process left
    it, saving a round trip; None asks the server. Events at places the server already
    holds are never sent again (a cut trail that grew again shows as a break in the copy's
    links once it grows past what the server holds)."""
    if known_head is None:
        known_head = AuditHead.model_validate(session.call("GET", "/v1/audit/head")).seq
    after, stored = known_head, 0
    while True:
        events = source.audit_events_after(after, MAX_AUDIT_EVENTS_PER_PUSH)
        if not events:
            return stored, after
        answer = AuditPushResult.model_validate(session.call(
            "POST", "/v1/audit", AuditPush(events=events).model_dump(mode="json")))
        stored += answer.stored
        after = max(answer.head_seq, events[-1].seq)
        if len(events) < MAX_AUDIT_EVENTS_PER_PUSH:
            return stored, after


def fetch_audit_head(credentials: DeviceCredentials, *,
                     transport: httpx.BaseTransport | None = None, verify: Verify = True,
                     retry: RetryPolicy | None = None) -> AuditHead:
    """The newest event of this device's chain the server holds (seq 0: none)."""
    with SignedSession(credentials, credentials.server_url, transport=transport, verify=verify,
                       retry=retry) as session:
        return AuditHead.model_validate(session.call("GET", "/v1/audit/head"))
