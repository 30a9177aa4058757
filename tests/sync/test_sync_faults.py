"""Fault injection over real sockets, and a client killed with SIGKILL mid-sync."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from fault_proxy import FaultProxy, Faults
from live_server import running_server

from sync.client import RetryPolicy, SyncClient, SyncError, enrol
from sync.credentials import DeviceCredentials
from sync.memory_replica import FileReplica, MemoryReplica
from sync.server import ServerSettings
from sync.server import schema as t
from sync.server.registry import issue_enrol_code

RETRY = RetryPolicy(attempts=3, base_delay=0.005, max_delay=0.02, timeout=5)


def server_counts(engine: sa.Engine) -> tuple[int, int, set[str]]:
    with engine.connect() as conn:
        ops = conn.execute(sa.select(sa.func.count()).select_from(t.ops)).scalar_one()
        distinct = conn.execute(sa.select(sa.func.count(sa.distinct(t.ops.c.op_id)))).scalar_one()
        ids = set(conn.execute(sa.select(t.records.c.entity_id)).scalars())
    return ops, distinct, ids


@pytest.mark.expect_log   # provokes it on purpose (held back / wiped / cut link)
@pytest.mark.slow
def test_randomised_rounds_through_a_faulty_network(tmp_path: Path) -> None:
    rng = random.Random(6)
    settings = ServerSettings.for_data_dir(tmp_path / "srv", op_schema=None)
    with running_server(settings) as (url, app):
        engine: sa.Engine = app.state.sync.engine  # type: ignore[attr-defined]
        creds = [enrol(url, issue_enrol_code(engine, ["Leeds Custody"]), f"d{n}")
                 for n in range(3)]
        site = creds[0].sites[0].id
        replicas = [MemoryReplica(c.device_id) for c in creds]
        created: set[str] = set()
        with FaultProxy(int(url.rsplit(":", 1)[1]), Faults(), seed=7) as proxy:
            proxy_url = f"http://127.0.0.1:{proxy.port}"
            clients = [SyncClient(proxy_url, r, c, retry=RETRY, push_batch=5, page_size=10)
                       for r, c in zip(replicas, creds, strict=True)]
            failures = 0
            for _ in range(200):
                who = rng.randrange(3)
                replica = replicas[who]
                for _ in range(rng.randint(1, 4)):
                    if replica.records and rng.random() < 0.4:
                        entity, entity_id = rng.choice(list(replica.records))
                        replica.upsert(entity, uuid.UUID(entity_id), {"v": rng.random()})
                    else:
                        rid = uuid.uuid4()
                        created.add(str(rid))
                        replica.upsert("case", rid, {"v": 0}, sites=[site])
                try:
                    clients[who].sync()
                except SyncError:
                    failures += 1
            # 49-70 in runs on 30/11: how many depends on timing and, since /v1/sync, on
            # fewer requests per sync; what matters is that there were many
            assert proxy.injected > 25, "the proxy must actually have injected faults"
            proxy.faults = Faults(0, 0, 0)
            for _ in range(2):
                for client in clients:
                    client.sync()
            for client in clients:
                client.close()
        ops, distinct, ids = server_counts(engine)
    issued = sum(r._next_seq - 1 for r in replicas)
    assert all(not r.pending_ops(1) for r in replicas)
    assert ops == distinct == issued, "every op accepted exactly once"
    assert ids == created, "zero lost and zero extra records"
    assert replicas[0].state() == replicas[1].state() == replicas[2].state()


@pytest.mark.slow
def test_client_killed_mid_sync_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    settings = ServerSettings.for_data_dir(tmp_path / "srv", op_schema=None)
    child_dir = tmp_path / "child"
    child_dir.mkdir()
    with running_server(settings) as (url, app):
        engine: sa.Engine = app.state.sync.engine  # type: ignore[attr-defined]
        creds = enrol(url, issue_enrol_code(engine, ["Leeds Custody"]), "killed")
        (child_dir / "creds.json").write_text(creds.to_json())
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        script = Path(__file__).with_name("crash_child.py")
        rng = random.Random(9)
        for _ in range(6):
            child = subprocess.Popen([sys.executable, str(script), str(child_dir), url],
                                     stdout=subprocess.PIPE, env=env)
            assert child.stdout is not None
            assert child.stdout.readline().strip() == b"ready"
            time.sleep(rng.uniform(0.2, 0.8))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            child.stdout.close()
        replica = FileReplica(child_dir / "replica.json", creds.device_id)
        with SyncClient(url, replica, DeviceCredentials.from_json(creds.to_json())) as client:
            client.sync()
        ops, distinct, ids = server_counts(engine)
    assert replica._next_seq > 20, "the child must have done some work"
    assert not replica.pending_ops(1)
    assert ops == distinct == replica._next_seq - 1
    assert ids == {entity_id for _entity, entity_id in replica.records}
