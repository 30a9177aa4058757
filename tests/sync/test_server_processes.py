"""The server under load on PostgreSQL (issue 17): a process never opens more database
connections than its pool holds (each extra one forked and authenticated a new backend,
then was closed), and `ld-sync-server serve --workers 2` runs two processes whose pushes
share one sequence without a gap, a double or a change lost to a puller."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from live_server import free_port, running_server

from sync.client import SyncClient, enrol
from sync.credentials import DeviceCredentials
from sync.memory_replica import MemoryReplica
from sync.protocol import site_id_for
from sync.server import ServerSettings
from sync.server import schema as t
from sync.server.database import APPLICATION_NAME, make_engine
from sync.server.registry import issue_enrol_code

ROOT = Path(__file__).resolve().parents[2]
SITE_NAME = "Northgate Custody"
SITE = str(site_id_for(SITE_NAME))

pytestmark = pytest.mark.postgres


def _sync_side_by_side(url: str, engine: sa.Engine, devices: int, rounds: int,
                       cases: int) -> list[MemoryReplica]:
    """``devices`` workstations, each syncing ``rounds`` times at once with the others,
    every sync pushing ``cases`` new cases. Returns their replicas after a last sync."""
    stations: list[tuple[MemoryReplica, DeviceCredentials]] = []
    for n in range(devices):
        creds = enrol(url, issue_enrol_code(engine, [SITE_NAME]), f"station {n}")
        stations.append((MemoryReplica(creds.device_id), creds))
    errors: list[BaseException] = []
    barrier = threading.Barrier(devices)

    def work(replica: MemoryReplica, creds: DeviceCredentials) -> None:
        try:
            with SyncClient(url, replica, creds) as client:
                for _ in range(rounds):
                    for n in range(cases):
                        replica.upsert("case", uuid.uuid4(), {"custody_record_number": str(n)},
                                       sites=[SITE])
                    barrier.wait(timeout=60)
                    assert client.sync().rejected == 0
        except BaseException as exc:   # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=station) for station in stations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    for replica, creds in stations:
        with SyncClient(url, replica, creds) as client:
            client.sync()
    return [replica for replica, _ in stations]


def _every_case_everywhere(engine: sa.Engine, replicas: list[MemoryReplica],
                           expected: int) -> None:
    with engine.connect() as conn:
        seqs = list(conn.execute(sa.select(t.ops.c.server_seq).order_by(t.ops.c.server_seq))
                    .scalars())
        counter = conn.execute(sa.select(t.counter.c.value)).scalar_one()
    assert seqs == list(range(1, expected + 1))        # one number each, none skipped
    assert counter == expected
    cases = {key for key in replicas[0].state() if key[0] == "case"}
    assert len(cases) == expected
    for replica in replicas:                            # nothing lost to any puller
        assert {key for key in replica.state() if key[0] == "case"} == cases


def test_a_process_never_opens_more_connections_than_its_pool(fresh_postgres: str) -> None:
    settings = ServerSettings(database_url=fresh_postgres, pool_size=3)
    with running_server(settings) as (url, app):
        engine: sa.Engine = app.state.sync.engine  # type: ignore[attr-defined]
        opened: list[int] = []
        sa.event.listen(engine, "connect", lambda *_: opened.append(1))
        replicas = _sync_side_by_side(url, engine, devices=12, rounds=2, cases=5)
        _every_case_everywhere(engine, replicas, expected=12 * 2 * 5)
        assert engine.pool.checkedout() == 0
    assert len(opened) <= 3 - 1      # the migration's connection stayed in the pool


def _server_pids(engine: sa.Engine) -> set[int]:
    with engine.connect() as conn:
        names = conn.execute(sa.text(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE :name"),
            {"name": f"{APPLICATION_NAME} %"}).scalars()
        return {int(name.rsplit(" ", 1)[1]) for name in names} - {os.getpid()}


def _wait_for(url: str, server: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/v1/health", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.2)


def test_two_server_processes_share_one_sequence(fresh_postgres: str) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "sync.server.cli", "serve", "--database-url", fresh_postgres,
         "--port", str(port), "--workers", "2", "--threads", "3", "--log-level", "warning"],
        cwd=ROOT)
    engine = make_engine(fresh_postgres)
    try:
        _wait_for(url, server)
        deadline = time.monotonic() + 60
        while len(workers := _server_pids(engine)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)                      # the other worker may still be starting
        assert len(workers) == 2                 # a pool in each worker process
        assert server.pid not in workers         # (the supervisor let its own go)
        replicas = _sync_side_by_side(url, engine, devices=8, rounds=3, cases=4)
        _every_case_everywhere(engine, replicas, expected=8 * 3 * 4)
        assert _server_pids(engine) == workers   # each kept its pool's connections
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
