"""Client engine: rebase of pending edits, retries, cancel, directory, credentials."""

from __future__ import annotations

import itertools
import threading
import uuid

import httpx
import pytest
from sync_harness import FAST_RETRY, IN_PROCESS_URL, Harness

from sync.client import (
    DeviceCredentials,
    ServerRefused,
    ServerUnreachable,
    StaffMember,
    SyncCancelled,
    SyncClient,
    fetch_device,
    fetch_sites,
)
from sync.client.transport import SignedSession
from sync.memory_replica import MemoryReplica
from sync.protocol import site_id_for

SITE = str(site_id_for("Leeds Custody"))


class FlakyTransport(httpx.BaseTransport):
    """Fails every n-th request, before or after the server handled it."""

    def __init__(self, inner: httpx.BaseTransport, pattern: list[str]) -> None:
        self.inner = inner
        self.pattern = itertools.cycle(pattern)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        action = next(self.pattern)
        if action == "drop-request":
            raise httpx.ConnectError("connection refused")
        response = self.inner.handle_request(request)
        if action == "drop-response":
            raise httpx.ReadError("connection reset after the server answered")
        if action == "503":
            return httpx.Response(503, content=b"busy", request=request)
        return response


def test_pending_local_edit_is_rebased_not_overwritten(harness: Harness) -> None:
    a, client_a = harness.replica("Leeds Custody")
    b, client_b = harness.replica("Leeds Custody")
    rid = uuid.uuid4()
    a.upsert("case", rid, {"risk": "low", "status": "open"}, sites=[SITE])
    client_a.sync()
    client_b.sync()
    a.upsert("case", rid, {"risk": "high"})
    client_a.sync()
    b.upsert("case", rid, {"risk": "medium"})
    # Pull only: the pending local value must survive the page.
    client_b._pull(0)
    assert b.record("case", rid) == {"risk": "medium", "status": "open"}
    report = client_b.sync()
    assert report.conflicts == 1
    client_a.sync()
    assert a.state() == b.state()
    (conflict,) = a.open_conflicts()
    assert {v.value for v in conflict.values} == {"high", "medium"}


def test_retries_survive_dropped_requests_and_responses(harness: Harness) -> None:
    creds = harness.enrol()
    replica = MemoryReplica(creds.device_id)
    flaky = FlakyTransport(harness.bridge, ["drop-request", "drop-response", "503", "ok"])
    client = SyncClient(IN_PROCESS_URL, replica, creds, transport=flaky, retry=FAST_RETRY)
    for n in range(5):
        replica.upsert("case", uuid.uuid4(), {"n": n}, sites=[SITE])
        client.sync()
    assert not replica.pending_ops(10)
    _reader, reader_client = harness.replica("Leeds Custody")
    assert reader_client.sync().pulled == 5


def test_server_unreachable_after_retries_keeps_the_outbox(harness: Harness) -> None:
    creds = harness.enrol()
    replica = MemoryReplica(creds.device_id)
    replica.upsert("case", uuid.uuid4(), {"n": 1}, sites=[SITE])
    dead = FlakyTransport(harness.bridge, ["drop-request"])
    client = SyncClient(IN_PROCESS_URL, replica, creds, transport=dead, retry=FAST_RETRY)
    with pytest.raises(ServerUnreachable):
        client.sync()
    assert len(replica.pending_ops(10)) == 1


def test_cancel_stops_between_steps(harness: Harness) -> None:
    _replica, client = harness.replica("Leeds Custody")
    cancel = threading.Event()
    cancel.set()
    client.cancel = client.session.cancel = cancel
    with pytest.raises(SyncCancelled):
        client.sync()


def test_progress_and_report(harness: Harness) -> None:
    replica, client = harness.replica("Leeds Custody")
    seen: list[str] = []
    client.progress = lambda progress: seen.append(progress.phase)
    replica.upsert("case", uuid.uuid4(), {"n": 1}, sites=[SITE])
    report = client.sync()
    assert seen == ["push", "pull", "done"]
    assert (report.pushed, report.pulled, report.rejected) == (1, 1, 0)
    assert report.cursor == report.server_seq > 0
    assert abs(report.skew_ms) < 5_000


def test_staff_and_sites_directory(harness: Harness) -> None:
    creds = harness.enrol("Leeds Custody")
    harness.enrol("Wakefield Court")
    kw = {"transport": harness.bridge, "retry": FAST_RETRY}
    names = {site.name for site in fetch_sites(creds, **kw)}  # type: ignore[arg-type]
    assert names == {"Leeds Custody", "Wakefield Court"}
    # The old unsigned staff endpoint is gone: a device cannot write the staff directory
    # except as an admin-signed op (tests/sync/test_authority.py).
    member = StaffMember(id=uuid.uuid4(), name="Sam Senior", role="admin", sites=[SITE])
    with SignedSession(creds, creds.server_url, transport=harness.bridge,
                       retry=FAST_RETRY) as session, pytest.raises(ServerRefused) as refused:
        session.call("PUT", f"/v1/directory/staff/{member.id}", member.model_dump(mode="json"))
    assert refused.value.status in (404, 405)
    device = fetch_device(creds, **kw)  # type: ignore[arg-type]
    assert device.device_id == creds.device_id
    assert device.last_seen is not None


def test_credentials_round_trip_and_hide_the_key(harness: Harness) -> None:
    creds = harness.enrol()
    again = DeviceCredentials.from_json(creds.to_json())
    assert again == creds
    assert creds.private_key.hex() not in repr(creds)
    with pytest.raises(ValueError, match="version"):
        DeviceCredentials.from_json('{"version": 9}')


def test_last_seen_is_kept_to_the_minute_without_a_write_per_request(harness: Harness
                                                                      ) -> None:
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from sync.server import schema as t

    creds = harness.enrol("Leeds Custody")
    kw = {"transport": harness.bridge, "retry": FAST_RETRY}
    first = fetch_device(creds, **kw).last_seen  # type: ignore[arg-type]
    assert fetch_device(creds, **kw).last_seen == first  # type: ignore[arg-type]
    old = datetime.now(UTC) - timedelta(minutes=5)
    with harness.engine.begin() as conn:
        conn.execute(sa.update(t.devices).where(t.devices.c.id == creds.device_id)
                     .values(last_seen=old))
    fetch_device(creds, **kw)  # type: ignore[arg-type]
    seen = fetch_device(creds, **kw).last_seen  # type: ignore[arg-type]
    assert seen is not None
    assert seen > old + timedelta(minutes=4)
