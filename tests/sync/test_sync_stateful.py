"""Hypothesis state machine: edits, deletes, notes, offline, sync, crash, clock jumps."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from asgi_bridge import ASGIBridge
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sync_harness import (
    FAST_RETRY,
    IN_PROCESS_URL,
    Harness,
    sqlite_server,
    typed_values_are_kept,
)

from sync.client import RetryPolicy, ServerUnreachable, SyncClient
from sync.memory_replica import MemoryReplica
from sync.protocol import OpStatus, PushRequest, PushResponse, site_id_for
from sync.server import create_app
from sync.server import schema as t

SITE = str(site_id_for("Leeds Custody"))
RECORDS = [uuid.UUID(int=n + 1) for n in range(3)]
REPLICAS = 3
# Each example's server database goes on tmpfs where there is one. The machine checks merging
# and convergence, not durability (test_crash_safety and test_sync_faults kill real
# processes); the server's SQLite commits with synchronous=FULL, an fsync per request, and
# on disk those were ~40% of this test's time (24.6 s -> 14.7 s, measured at load ~10).
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class DropResponses(httpx.BaseTransport):
    """The server handles the request, then the connection dies: a crash after the commit."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.inner.handle_request(request)
        raise httpx.ReadError("connection lost after the server committed")


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory(dir=SCRATCH, prefix="ld-sync-machine-")
        app = create_app(sqlite_server(Path(self.folder.name), op_schema=None))
        self.harness = Harness(app, ASGIBridge(app))
        self.offsets = [0] * REPLICAS
        self.replicas: list[MemoryReplica] = []
        self.clients: list[SyncClient] = []
        self.creds = []
        for index in range(REPLICAS):
            creds = self.harness.enrol("Leeds Custody")
            replica = MemoryReplica(creds.device_id, now_ms=self._clock(index))
            self.creds.append(creds)
            self.replicas.append(replica)
            self.clients.append(self.harness.client(replica, creds))
        self.online = [True] * REPLICAS
        self.cursors = [0] * REPLICAS
        self.acknowledged: list[list[object]] = [[] for _ in range(REPLICAS)]

    def _clock(self, index: int):  # type: ignore[no-untyped-def]
        return lambda: time.time_ns() // 1_000_000 + self.offsets[index]

    replica_index = st.integers(0, REPLICAS - 1)

    @rule(i=replica_index, record=st.sampled_from(RECORDS), name=st.sampled_from(["a", "b"]),
          value=st.integers(0, 3))
    def edit(self, i: int, record: uuid.UUID, name: str, value: int) -> None:
        self.replicas[i].upsert("case", record, {name: value}, sites=[SITE])

    @rule(i=replica_index, record=st.sampled_from(RECORDS))
    def delete(self, i: int, record: uuid.UUID) -> None:
        self.replicas[i].delete("case", record, sites=[SITE])

    @rule(i=replica_index, text=st.text(max_size=5))
    def note(self, i: int, text: str) -> None:
        self.replicas[i].insert("note", uuid.uuid4(), {"text": text}, sites=[SITE])

    @rule(i=replica_index)
    def toggle_online(self, i: int) -> None:
        self.online[i] = not self.online[i]

    @rule(i=replica_index, jump=st.sampled_from([-3_600_000, -1, 1, 86_400_000]))
    def clock_jump(self, i: int, jump: int) -> None:
        self.offsets[i] += jump

    @precondition(lambda self: any(self.online))
    @rule(i=replica_index)
    def sync(self, i: int) -> None:
        if not self.online[i]:
            return
        before = [op for op in self.replicas[i].pending_ops(10_000)]
        report = self.clients[i].sync()
        after = {op.device_seq for op in self.replicas[i].pending_ops(10_000)}
        self.acknowledged[i].extend(op for op in before if op.device_seq not in after)
        assert report.cursor >= self.cursors[i] or report.cursor_reset
        self.cursors[i] = report.cursor

    @rule(i=replica_index)
    def crash_after_push(self, i: int) -> None:
        crashing = SyncClient(IN_PROCESS_URL, self.replicas[i], self.creds[i],
                              transport=DropResponses(self.harness.bridge),
                              retry=RetryPolicy(attempts=1))
        with pytest.raises(ServerUnreachable):
            crashing.sync()
        crashing.close()

    @rule(i=replica_index)
    def repeat_push_changes_nothing(self, i: int) -> None:
        ops = self.acknowledged[i][-50:]
        if not ops:
            return
        before = self._server_top()
        answer = PushResponse.model_validate(self.clients[i].session.call(
            "POST", "/v1/push", PushRequest(ops=ops).model_dump(mode="json")))  # type: ignore[arg-type]
        assert all(r.status is OpStatus.DUPLICATE for r in answer.results)
        assert self._server_top() == before

    def _server_top(self) -> int:
        with self.harness.engine.connect() as conn:
            return int(conn.execute(sa.select(t.counter.c.value)).scalar_one())

    @invariant()
    def outbox_only_shrinks_by_acknowledgement(self) -> None:
        for replica in self.replicas:
            seqs = sorted(replica.outbox)
            assert seqs == sorted(set(seqs))

    def teardown(self) -> None:
        try:
            self.offsets = [0] * REPLICAS
            for _ in range(2):
                for client in self.clients:
                    client.sync()
            states = [r.state() for r in self.replicas]
            assert states[0] == states[1] == states[2], "replicas converge"
            issued = sum(r._next_seq - 1 for r in self.replicas)
            with self.harness.engine.connect() as conn:
                ops = conn.execute(sa.select(sa.func.count()).select_from(t.ops)).scalar_one()
            assert ops == issued, "every op applied exactly once"
            typed_values_are_kept(self.harness.engine)
        finally:
            for client in self.clients:
                client.close()
            self.harness.bridge.shutdown()
            self.harness.engine.dispose()
            self.folder.cleanup()


SyncMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow], derandomize=True)
test_sync_state_machine = pytest.mark.slow(SyncMachine.TestCase)
_ = FAST_RETRY
