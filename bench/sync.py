"""Sync benchmark: one command, prints a table.

    .venv/bin/python bench/sync.py [--records 10000] [--workstations 200] [--changes 50]
                                   [--spread 60]

1. First sync of N records (push from one workstation, pull into another), records/s, on the
   embedded SQLite store and on PostgreSQL, real uvicorn over loopback HTTP.
2. No-change sync latency (median of 20).
3. Burst: W simulated workstations (threads, spread over 20 sites) each syncing C changes at
   once against PostgreSQL behind `ld-sync-server serve --workers 2`: throughput, p50/p99.
4. The same end of shift with the syncs starting at random moments over --spread seconds.
   The simulated workstations run in this process, on the same cores as the server and the
   database: on a small machine the all-at-once figure measures the machine's CPU as much as
   the server.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import free_port, running_server

from sync.client import SyncClient, enrol
from sync.credentials import DeviceCredentials
from sync.memory_replica import MemoryReplica
from sync.server import ServerSettings
from sync.server.database import make_engine, migrate
from sync.server.registry import issue_enrol_code

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PG_URL = os.environ.get("LD_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
Row = tuple[str, str, str]


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    name = f"ld_sync_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def new_device(url: str, engine: sa.Engine, site: str) -> tuple[MemoryReplica, DeviceCredentials]:
    creds = enrol(url, issue_enrol_code(engine, [site]), "bench")
    return MemoryReplica(creds.device_id), creds


def first_sync(label: str, settings: ServerSettings, records: int) -> list[Row]:
    rows: list[Row] = []
    with running_server(settings) as (url, app):
        engine: sa.Engine = app.state.sync.engine  # type: ignore[attr-defined]
        writer, wcreds = new_device(url, engine, "Bench Site")
        reader, rcreds = new_device(url, engine, "Bench Site")
        site = wcreds.sites[0].id
        for n in range(records):
            writer.upsert("case", uuid.uuid4(), {"n": n, "status": "open", "risk": "low",
                                                 "summary": "x" * 80}, sites=[site])
        with SyncClient(url, writer, wcreds) as client:
            start = time.perf_counter()
            client.sync()
            push_s = time.perf_counter() - start
        with SyncClient(url, reader, rcreds, page_size=2000) as client:
            start = time.perf_counter()
            report = client.sync()
            pull_s = time.perf_counter() - start
            assert report.pulled == records
            latencies = []
            for _ in range(20):
                start = time.perf_counter()
                client.sync()
                latencies.append(time.perf_counter() - start)
        rows.append((f"{label}: first sync push", f"{records:,} records",
                     f"{records / push_s:,.0f} records/s ({push_s:.2f} s)"))
        rows.append((f"{label}: first sync pull", f"{records:,} records",
                     f"{records / pull_s:,.0f} records/s ({pull_s:.2f} s)"))
        rows.append((f"{label}: no-change sync", "median of 20",
                     f"{statistics.median(latencies) * 1000:.1f} ms"))
    return rows


def burst(database_url: str, workstations: int, changes: int, spread: float = 0.0
          ) -> list[Row]:
    """All workstations sync at once (``spread`` 0: a barrier), or start at random moments
    over ``spread`` seconds (the end of a shift as it happens: not all in the same second)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    engine = make_engine(database_url)
    migrate(engine)
    server = subprocess.Popen(
        [sys.executable, "-m", "sync.server.cli", "serve", "--database-url", database_url,
         "--port", str(port), "--workers", str(WORKERS), "--log-level", "warning"],
        cwd=Path(__file__).resolve().parents[1])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/v1/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        devices = [new_device(url, engine, f"Bench Site {n % 20}") for n in range(workstations)]
        for replica, creds in devices:
            for n in range(changes):
                replica.upsert("case", uuid.uuid4(), {"n": n, "summary": "y" * 80},
                               sites=[creds.sites[0].id])
        latencies: list[float] = []
        errors: list[str] = []
        barrier = threading.Barrier(workstations)

        def run(replica: MemoryReplica, creds: DeviceCredentials, delay: float) -> None:
            with SyncClient(url, replica, creds) as client:
                barrier.wait()
                time.sleep(delay)
                start = time.perf_counter()
                try:
                    client.sync()
                except Exception as exc:  # reported in the table
                    errors.append(type(exc).__name__)
                latencies.append(time.perf_counter() - start)

        delays = random.Random(7).uniform if spread else (lambda _a, _b: 0.0)
        threads = [threading.Thread(target=run, args=(*d, delays(0, spread))) for d in devices]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
    latencies.sort()
    total = workstations * changes
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    when = f", starts spread over {spread:g} s" if spread else ", all at once"
    label = (f"burst: {workstations} workstations x {changes} changes (PostgreSQL, "
             f"{WORKERS} workers{when})")
    return [
        (label, "throughput", f"{total / wall:,.0f} records/s pushed ({wall:.2f} s wall)")
        if not spread else (label, "wall", f"{wall:.2f} s"),
        (label, "sync latency p50", f"{statistics.median(latencies) * 1000:.0f} ms"),
        (label, "sync latency p99", f"{p99 * 1000:.0f} ms"),
        (label, "failed syncs", str(len(errors))),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--workstations", type=int, default=200)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--spread", type=float, default=60.0,
                        help="seconds over which the end-of-shift syncs start (second burst)")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        rows += first_sync("SQLite", ServerSettings.for_data_dir(Path(folder)), args.records)
    with throwaway_postgres() as url:
        rows += first_sync("PostgreSQL", ServerSettings(database_url=url), args.records)
    with throwaway_postgres() as url:
        rows += burst(url, args.workstations, args.changes)
    with throwaway_postgres() as url:
        rows += burst(url, args.workstations, args.changes, args.spread)
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    print(f"{'measurement':{width[0]}}  {'size':{width[1]}}  result")
    for row in rows:
        print(f"{row[0]:{width[0]}}  {row[1]:{width[1]}}  {row[2]}")


if __name__ == "__main__":
    main()
