"""Comparing the local audit trail with the server's copy of it (``ld-admin verify``).

A workstation whose newest audit events were deleted, together with the record of the chain's
head, still has an unbroken chain locally; only a copy kept elsewhere can show that it used to
be longer. The server holds every event this workstation sent after each sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ld_desktop.services.session import UserSession
from ld_desktop.store.audit_copy import chain_position
from ld_desktop.store.sync_state import device_state

if TYPE_CHECKING:
    import httpx

    from sync.client.transport import Verify

MATCHES, SHORTER, DIFFERS, UNREACHABLE, NOT_ENROLLED = (
    "matches", "shorter", "differs", "unreachable", "not-enrolled")


@dataclass(frozen=True)
class ServerCopyComparison:
    state: str
    local_seq: int
    server_seq: int | None
    message: str

    @property
    def problem(self) -> bool:
        return self.state in (SHORTER, DIFFERS)


def compare_with_server(session: UserSession, *,
                        transport: httpx.BaseTransport | None = None,
                        verify: Verify = True) -> ServerCopyComparison:
    with session.store.reading() as db:
        enrolment = dict(device_state(db).enrolment)
    local_seq, _ = chain_position(session.store, 0)
    if not enrolment.get("credentials") or enrolment.get("revoked"):
        return ServerCopyComparison(NOT_ENROLLED, local_seq, None,
                                    "Not compared with a server copy: this workstation is not "
                                    "enrolled with a sync server.")
    # The HTTP client is imported only to talk to a server: every ld-admin command imports
    # this module, and httpx with sync.client is ~0.2 s of a command's start-up.
    from sync.client import (
        DeviceCredentials,
        DeviceRevoked,
        NotEnrolled,
        RetryPolicy,
        ServerRefused,
        ServerUnreachable,
    )
    from sync.client.audit_upload import fetch_audit_head

    quick = RetryPolicy(attempts=2, base_delay=0.2, max_delay=1.0, timeout=10.0)
    credentials = DeviceCredentials.from_json(enrolment["credentials"])
    try:
        head = fetch_audit_head(credentials, transport=transport, verify=verify, retry=quick)
    except (ServerUnreachable, ServerRefused, DeviceRevoked, NotEnrolled) as exc:
        return ServerCopyComparison(UNREACHABLE, local_seq, None,
                                    "Could not compare with the server's copy of the audit "
                                    f"trail ({type(exc).__name__}): the sync server did not "
                                    "answer.")
    local_seq, local_mac = chain_position(session.store, head.seq)
    if local_seq < head.seq:
        return ServerCopyComparison(
            SHORTER, local_seq, head.seq,
            f"The local audit trail ends at event {local_seq} but the server holds this "
            f"workstation's events up to {head.seq}: events were removed from this "
            "workstation.")
    if head.seq and local_mac != head.mac:
        return ServerCopyComparison(
            DIFFERS, local_seq, head.seq,
            f"Local audit event {head.seq} differs from the server's copy: the trail was cut "
            "and has grown again, or was rewritten.")
    return ServerCopyComparison(
        MATCHES, local_seq, head.seq,
        f"The audit trail matches the server's copy (up to event {head.seq}).")
