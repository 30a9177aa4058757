"""Sync benchmark: one command, prints a table.

    .venv/bin/python bench/sync.py [--records 10000] [--workstations 200] [--changes 50]
                                   [--spreads 0,10] [--workers 2] [--threads 2]
                                   [--skip-first-sync] [--separate-requests]
                                   [--cases 20000] [--only-first-sync] [--profile FILE]
                                   [--app-gc] [--rounds N] [--postgresql-only]
                                   [--in-process-server] [--pages-per-apply N]

1. First sync of N records (push from one workstation, pull into another), records/s, on the
   embedded SQLite store and on PostgreSQL, real uvicorn over loopback HTTP, with the real
   client and the in-memory replica; with this process's CPU per record (client and the
   in-process server; PostgreSQL's own is not counted), which moves less with the load.
1b. A new workstation's first sync into the real encrypted store (issue 17): --cases N cases
   (person + case + completed screening each, seeded like `bench/store.py`, so 3N records
   and the directory) pulled by the real client into a fresh SQLCipher store through
   `StoreReplica`, against the floor: the same client, same server, same pages, into a
   replica that discards them. The server is `ld-sync-server serve` in a process of its own,
   as deployed (``--in-process-server``: uvicorn in a thread of this process, sharing the
   client's interpreter lock, as before 30/11/2026 night). The client applies up to
   ``--pages-per-apply`` pages together (default `SyncClient`'s, 8). ``--rounds N``: N
   first syncs into new stores on the one seeded server, each between two floors, a ratio
   each (``--postgresql-only`` skips the SQLite server). Printed as records/s, floor and
   ratio, and this process's CPU per record (the client; with ``--in-process-server`` the
   server's too; never PostgreSQL's), which moves less with the load. ``--profile FILE``
   writes a cProfile of the store pull (PostgreSQL). ``--app-gc`` collects garbage as the app
   does (automatic collection off, a check each second: `bench/app_gc.py`); without it the
   bench pays for full collections the app does not (14–17 µs a record, 30/11/2026).
2. No-change sync latency (median of 20). ``--only-replica-sync`` runs only 1 and 2.
3. End-of-shift burst: W workstations over 20 sites, each pushing C new cases and pulling
   its sites' changes, against PostgreSQL behind `ld-sync-server serve --workers 2
   --threads 2` holding 10,000 cases from earlier shifts (statistics gathered, as
   autovacuum would have). Each workstation sends one `/v1/sync` (its push and its first
   pull page) and pulls on while there is more, as the client engine does
   (``--separate-requests``: `/v1/push`, then `/v1/pull`, as clients before 30/11/2026).
   Once per --spreads value: 0 = all in the same instant,
   otherwise each starts at a random moment within that many seconds. The workstations are
   simulated by `bench/burst_load.py` in a process of its own; it shares this machine's
   cores with the server and PostgreSQL. Printed: latency p50/p95/p99; CPU per sync of the
   server (its processes, exited ones included), of PostgreSQL (the postmaster's own, its
   reaped children's, i.e. backends that ended, and its live children's) and of the load
   generator. PostgreSQL is a server of the bench's own (`bench/private_postgres.py`,
   default settings, autovacuum on) unless --postgres-url names one, whose other clients'
   CPU then counts too; the floor, all that CPU spread over the machine's cores, which no design can
   beat here; new PostgreSQL sessions; the load average before and after.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import free_port, running_server

from bench import app_gc, private_postgres
from ld_desktop.store.models import Site
from ld_desktop.store.replica import StoreReplica
from ld_desktop.store.store import Store
from sync.client import SyncClient, enrol
from sync.client.engine import PAGES_PER_APPLY
from sync.credentials import DeviceCredentials
from sync.memory_replica import MemoryReplica
from sync.protocol import (
    MAX_OPS_PER_PUSH,
    Op,
    OpResult,
    PullResponse,
    PushRequest,
    site_id_for,
)
from sync.server import ServerSettings
from sync.server.database import analyze, make_engine, migrate
from sync.server.push_store import push_ops
from sync.server.registry import issue_enrol_code
from sync.server.seq_reservations import watermark

ROOT = Path(__file__).resolve().parents[1]
SITES = 20
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CORES = os.cpu_count() or 1
OWN_POSTGRES = False     # a PostgreSQL server of the bench's own (`bench/private_postgres.py`)
SEPARATE = False         # bursts as clients before /v1/sync: a push, then pulls
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
        engine: sa.Engine = app.state.sync.engine
        writer, wcreds = new_device(url, engine, "Bench Site")
        reader, rcreds = new_device(url, engine, "Bench Site")
        site = wcreds.sites[0].id
        for n in range(records):
            writer.upsert("case", uuid.uuid4(), {"custody_record_number": str(n),
                                                 "stage": "referred", "risk_level": "low",
                                                 "reason": "x" * 80}, sites=[site])
        with SyncClient(url, writer, wcreds) as client:
            start, cpu = time.perf_counter(), time.process_time()
            client.sync()
            push_s, push_cpu = time.perf_counter() - start, time.process_time() - cpu
        with SyncClient(url, reader, rcreds, page_size=2000) as client:
            start, cpu = time.perf_counter(), time.process_time()
            report = client.sync()
            pull_s, pull_cpu = time.perf_counter() - start, time.process_time() - cpu
            assert report.pulled == records
            latencies, cpus = [], []
            for _ in range(20):
                start, cpu = time.perf_counter(), time.process_time()
                client.sync()
                latencies.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
        # this process's CPU: the client and the in-process server; PostgreSQL's is not in it
        rows.append((f"{label}: first sync push", f"{records:,} records",
                     f"{records / push_s:,.0f} records/s ({push_s:.2f} s; "
                     f"CPU {push_cpu * 1e6 / records:.0f} µs/record)"))
        rows.append((f"{label}: first sync pull", f"{records:,} records",
                     f"{records / pull_s:,.0f} records/s ({pull_s:.2f} s; "
                     f"CPU {pull_cpu * 1e6 / records:.0f} µs/record)"))
        rows.append((f"{label}: no-change sync", "median of 20",
                     f"{statistics.median(latencies) * 1000:.1f} ms "
                     f"(CPU {statistics.median(cpus) * 1000:.1f} ms)"))
    return rows


class DiscardingReplica:
    """The floor of a first sync: the same client and pages, applied to nothing."""

    def __init__(self) -> None:
        self._cursor = 0

    def pending_ops(self, limit: int) -> list[Op]:
        return []

    def acknowledge(self, results: list[OpResult]) -> None:
        pass

    def cursor(self) -> int:
        return self._cursor

    def reset_cursor(self) -> None:
        self._cursor = 0

    def apply_pull(self, page: PullResponse) -> None:
        self._cursor = page.next_cursor


def _seeded_server_outbox(engine: sa.Engine, cases: int) -> None:
    """Seed a workstation like `bench/store.py` and hand its whole outbox to the server, as
    that workstation's syncs over the months would have."""
    from bench.store import make_store, seed

    os.environ.setdefault("LD_DESKTOP_KDF_PROFILE", "fast")
    with tempfile.TemporaryDirectory() as folder:
        ws = make_store(Path(folder) / "store")
        session = ws.unlock("bench.prac", "benchmark practitioner phrase")
        seed(session, cases, random.Random(7), signed_off=False)
        replica = StoreReplica(session.store, "bench-source", "bench.prac")
        site = str(site_id_for("Bench Custody Suite"))
        while ops := replica.pending_ops(MAX_OPS_PER_PUSH):
            results = push_ops(engine, "bench-source", frozenset({site}), ops)
            # the directory (staff, site) needs a registered administrator: left out here
            refused = [r for r, op in zip(results, ops, strict=True)
                       if r.status.value == "rejected" and op.entity not in ("staff", "site")]
            if refused:
                raise RuntimeError(f"seed refused: {refused[0]}")
            replica.acknowledge(results)
            if len(ops) < MAX_OPS_PER_PUSH:
                break
        session.lock()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:   # statistics autovacuum would have by then
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))


@contextmanager
def sync_server(settings: ServerSettings, *, in_process: bool) -> Iterator[tuple[str, sa.Engine]]:
    """(URL, the server's database engine) of a server: as deployed, a process of its own
    (`ld-sync-server serve`, one worker, its default threads), or (``in_process``) uvicorn in a
    thread of this process, sharing the client's interpreter lock."""
    if in_process:
        with running_server(settings) as (url, app):
            yield url, app.state.sync.engine
        return
    with _server_process(settings.database_url, workers=1) as (url, engine, _pid):
        yield url, engine


@contextmanager
def _server_process(database_url: str, *, workers: int, threads: int | None = None
                    ) -> Iterator[tuple[str, sa.Engine, int]]:
    """`ld-sync-server serve` in a process of its own over a migrated database: (URL, an
    engine on the same database, the server's pid). Stopped, and the engine disposed,
    however the caller ends."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
        port = free_port()
        where = (["--data-dir", str(Path(database_url.removeprefix("sqlite:///")).parent)]
                 if database_url.startswith("sqlite") else ["--database-url", database_url])
        server = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "serve", *where, "--port", str(port),
             "--workers", str(workers),
             *([] if threads is None else ["--threads", str(threads)]),
             "--log-level", "warning"], cwd=ROOT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(url, server)
            yield url, engine, server.pid
        finally:
            _stop(server)
    finally:
        engine.dispose()


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it has not gone after 30 s."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def first_sync_into_store(label: str, settings: ServerSettings, cases: int,
                          profile: str | None = None, *, in_process: bool = False,
                          pages_per_apply: int = PAGES_PER_APPLY, rounds: int = 1) -> list[Row]:
    """Records/s of a new workstation's first sync into a fresh encrypted store, against the
    same client discarding the same pages: floor, then ``rounds`` times store and floor, on
    one seeded server; each round's ratio is to the better of the floors either side."""
    rows: list[Row] = []
    with sync_server(settings, in_process=in_process) as (url, engine):
        _seeded_server_outbox(engine, cases)
        floors: list[tuple[float, float]] = []    # records/s, this process's CPU a record
        records = 0

        def floor() -> None:
            creds = enrol(url, issue_enrol_code(engine, ["Bench Custody Suite"]), "floor")
            with SyncClient(url, DiscardingReplica(), creds,
                            pages_per_apply=pages_per_apply) as client:
                start, cpu = time.perf_counter(), time.process_time()
                nonlocal records
                records = client.sync().pulled
                floors.append((records / (time.perf_counter() - start),
                               (time.process_time() - cpu) / records))

        floor()
        whose = "client and the in-process server" if in_process else "the client"
        for round_ in range(rounds):
            pulled, store_s, store_cpu = _into_a_new_store(
                url, engine, pages_per_apply, profile if round_ == rounds - 1 else None)
            floor()
            assert pulled == records, (pulled, records)
            into_store = records / store_s
            either_side = floors[-2:]
            rows.append((
                f"{label}: first sync into the encrypted store "
                f"({'server in this process' if in_process else 'server process'}, "
                f"{pages_per_apply} pages an apply at most"
                f"{f', round {round_ + 1} of {rounds}' if rounds > 1 else ''})",
                f"{records:,} records",
                f"{into_store:,.0f} records/s ({store_s:.1f} s); floor (discarding "
                f"replica) {' / '.join(f'{f:,.0f}' for f, _ in either_side)} records/s; "
                f"ratio {into_store / max(f for f, _ in either_side):.2f}; CPU of this "
                f"process ({whose}) {store_cpu * 1e6 / records:.0f} µs/record, floor "
                f"{' / '.join(f'{c * 1e6:.0f}' for _, c in either_side)}"))
    return rows


def new_bench_store(folder: Path) -> Store:
    """A fresh encrypted store in ``folder`` holding the bench's site, as enrolment leaves a
    new workstation before its first sync."""
    store = Store.create(folder / "store", bytearray(os.urandom(32)), "Bench")
    with store.unit_of_work("bench.prac") as uow:
        uow.changes.create(Site(id=site_id_for("Bench Custody Suite"),
                                name="Bench Custody Suite", kind="custody"))
    return store


def _into_a_new_store(url: str, engine: sa.Engine, pages_per_apply: int,
                      profile: str | None) -> tuple[int, float, float]:
    """One first sync into a fresh encrypted store: records pulled, wall s, CPU s."""
    with tempfile.TemporaryDirectory() as folder:
        store = new_bench_store(Path(folder))
        creds = enrol(url, issue_enrol_code(engine, ["Bench Custody Suite"]), "bench")
        replica = StoreReplica(store, creds.device_id, "bench.prac")
        profiler = cProfile.Profile() if profile else None
        with SyncClient(url, replica, creds, pages_per_apply=pages_per_apply) as client:
            start, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            report = client.sync()
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(str(profile))
            wall, used = time.perf_counter() - start, time.process_time() - cpu
        store.close()
    return report.pulled, wall, used


def burst(database_url: str, workstations: int, changes: int, spread: float = 0.0
          ) -> list[Row]:
    """All workstations sync at once, or (``spread`` > 0) start at random moments over
    ``spread`` seconds: the end of a shift as it happens, not all in the same second."""
    with _server_process(database_url, workers=WORKERS, threads=THREADS) as (
            url, engine, server_pid):
        cursor = _earlier_shifts(engine, SITES * 500)
        plan = [_workstation_plan(url, engine, f"Bench Site {n % SITES}", changes, cursor)
                for n in range(workstations)]
        analyze(engine)              # as autovacuum would have, long before the shift ended
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(plan, handle)
        postmaster = _postmaster_pid(engine)
        load_before = _load_average()
        sessions_before = _sessions(engine)
        load = subprocess.Popen([sys.executable, str(ROOT / "bench" / "burst_load.py"),
                                 handle.name, url, str(spread),
                                 "separate" if SEPARATE else "sync", "coordinated"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert load.stdin is not None
        assert load.stdout is not None
        # the CPU of exactly the timed burst: read once the connections are open and again
        # when the last sync has answered, before the verification sync
        cpu_marks: list[tuple[float, float]] = []
        for _phase in ("ready", "burst done"):
            if not load.stdout.readline():
                break                                  # failed: its stderr says why
            cpu_marks.append((_tree_cpu_seconds(server_pid), _tree_cpu_seconds(postmaster)))
            load.stdin.write("go\n")
            load.stdin.flush()
        out, err = load.communicate()
        if load.returncode or len(cpu_marks) < 2:
            raise RuntimeError(f"load generator failed:\n{err}")
        after_verify = (_tree_cpu_seconds(server_pid), _tree_cpu_seconds(postmaster))
        (server_before, db_before), (server_after, db_after) = cpu_marks
        server_cpu, db_cpu = server_after - server_before, db_after - db_before
        verify_cpu = after_verify[0] - server_after + after_verify[1] - db_after
        time.sleep(1.5)              # PostgreSQL publishes session counts within a second
        ours, others = (after - before for after, before
                        in zip(_sessions(engine), sessions_before, strict=True))
        load_after = _load_average()
        os.unlink(handle.name)
    result = json.loads(out)
    latencies = result["latencies"]
    total = workstations * changes
    when = (f"starts over {spread:g} s" if spread else "all at once") + \
        (", push then pull" if SEPARATE else "")
    label = f"burst {workstations} x {changes}, {when}"
    cpu = server_cpu + db_cpu + result["cpu"]
    return [
        (label, "sync latency p50 / p95 / p99",
         " / ".join(f"{_percentile(latencies, q) * 1000:,.0f}" for q in (0.50, 0.95, 0.99))
         + " ms"),
        (label, "wall; records pushed per second",
         f"{result['wall']:.2f} s; {total / result['wall']:,.0f} records/s"),
        (label, "CPU per sync: server / PostgreSQL / load generator",
         f"{server_cpu / workstations * 1000:.1f} / {db_cpu / workstations * 1000:.1f} / "
         f"{result['cpu'] / workstations * 1000:.1f} ms"),
        (label, f"floor: all that CPU on {CORES} cores",
         f"{cpu / CORES:.2f} s (wall / floor {result['wall'] / (cpu / CORES):.2f})"),
        (label, "the untimed verification sync after it: server + PostgreSQL CPU",
         f"{verify_cpu / workstations * 1000:.1f} ms a workstation (not in the rows above)"),
        (label, "new PostgreSQL sessions; other databases' transactions",
         f"{ours:,}; {others:,}" + ("" if OWN_POSTGRES else
                                    " (other clients' CPU counts in PostgreSQL's)")),
        (label, "cases pulled; own left for next sync; missing after it",
         f"{result['pulled']:,}; {result['own_deferred']:,}; "
         f"{result['missing_after_next_sync']:,}"),
        (label, "failed syncs", str(len(result["errors"]))),
        (label, "load average before / after", f"{load_before} / {load_after}"),
    ]


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least ``q`` of the values at or below it."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _postmaster_pid(engine: sa.Engine) -> int:
    """The parent of this connection's backend (the PostgreSQL server on this machine)."""
    with engine.connect() as conn:
        backend = int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
    return int(_stat(backend)[1])


def _sessions(engine: sa.Engine) -> tuple[int, int]:
    """Sessions ever opened in this database (PostgreSQL 14+), and transactions ever ended
    in all the others (other clients of the same PostgreSQL, whose CPU counts too)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT COALESCE(sum(sessions) FILTER (WHERE datname = current_database()), 0), "
            "COALESCE(sum(xact_commit + xact_rollback) "
            "         FILTER (WHERE datname IS DISTINCT FROM current_database()), 0) "
            "FROM pg_stat_database")).one()
    return int(row[0]), int(row[1])


def _wait_for(url: str, server: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 120      # a shared machine at load 14 took over 30 s
    while True:
        try:
            httpx.get(f"{url}/v1/health", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            if server is not None and server.poll() is not None:
                raise RuntimeError(f"the server process ended (exit {server.returncode}) "
                                   "before it answered") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _earlier_shifts(engine: sa.Engine, records: int) -> int:
    """The server as the end of a shift finds it: cases from earlier shifts in every site,
    which the workstations pulled at their last sync (statistics are gathered once the
    workstations are enrolled too). Returns the workstations' cursor."""
    sites = [str(site_id_for(f"Bench Site {n}")) for n in range(SITES)]
    earlier = MemoryReplica("earlier-shifts")
    for n in range(records):
        earlier.upsert("case", uuid.uuid4(), {"custody_record_number": str(n), "reason": "s" * 80},
                       sites=[sites[n % SITES]])
    while ops := earlier.pending_ops(MAX_OPS_PER_PUSH):
        earlier.acknowledge(push_ops(engine, earlier.device_id, frozenset(sites), ops))
    with engine.connect() as conn:
        return watermark(conn)


def _workstation_plan(url: str, engine: sa.Engine, site: str, changes: int,
                      cursor: int) -> dict[str, Any]:
    """An enrolled workstation, its cursor and its outbox of ``changes`` new cases (as the
    body of a push)."""
    replica, creds = new_device(url, engine, site)
    ids = [uuid.uuid4() for _ in range(changes)]
    for n, case_id in enumerate(ids):
        replica.upsert("case", case_id, {"custody_record_number": str(n), "reason": "y" * 80},
                       sites=[creds.sites[0].id])
    body = PushRequest(ops=replica.pending_ops(MAX_OPS_PER_PUSH)).model_dump_json()
    return {"device_id": creds.device_id, "key": base64.b64encode(creds.private_key).decode(),
            "push_body": body, "own_ids": [str(case_id) for case_id in ids],
            "site": site, "cursor": cursor}


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: [0] state, [1] parent, [11] utime,
    [12] stime, [13] cutime, [14] cstime (clock ticks)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _tree_cpu_seconds(root: int) -> float:
    """CPU so far of a process and all its descendants, the exited ones included: the
    root's own time, its children's that it has reaped (cutime, cstime: a PostgreSQL
    backend that ended, an overflow connection's), and every live descendant's (Linux)."""
    parents: dict[int, int] = {}
    times: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(int(entry.name))
            except OSError:
                continue                  # ended meanwhile
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = [int(value) for value in fields[11:15]]
    total = sum(times.get(root, [0])) if root in times else 0
    live = [root]
    while live:
        pid = live.pop()
        for child, parent in parents.items():
            if parent == pid:
                total += sum(times[child])      # its own and its reaped children's
                live.append(child)
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    global WORKERS, THREADS, PG_URL, OWN_POSTGRES, SEPARATE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--workstations", type=int, default=200)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--spreads", default="0,10",
                        help="seconds over which each burst's syncs start, comma-separated")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help="server processes in the bursts (ld-sync-server serve --workers)")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads and database connections per server process")
    parser.add_argument("--separate-requests", action="store_true",
                        help="bursts as clients before /v1/sync did: /v1/push, then /v1/pull")
    parser.add_argument("--skip-first-sync", action="store_true",
                        help="only the end-of-shift bursts")
    parser.add_argument("--cases", type=int, default=20_000,
                        help="cases (3 records each) for the first sync into the store")
    parser.add_argument("--only-first-sync", action="store_true",
                        help="only the first sync into the encrypted store, with its floor")
    parser.add_argument("--only-replica-sync", action="store_true",
                        help="only part 1 and 2: first sync of --records records into the "
                             "in-memory replica, and the no-change sync")
    parser.add_argument("--profile", help="write a cProfile of the store pull (PostgreSQL)")
    parser.add_argument("--in-process-server", action="store_true",
                        help="the first sync's server in this process (uvicorn in a thread, "
                             "sharing the client's interpreter lock), as this bench ran it "
                             "before 30/11/2026 evening; default: a server process of its own")
    parser.add_argument("--rounds", type=int, default=1,
                        help="first syncs into the store, each followed by a floor, on one "
                             "seeded server (a ratio each)")
    parser.add_argument("--postgresql-only", action="store_true",
                        help="the first sync into the store on PostgreSQL alone")
    parser.add_argument("--pages-per-apply", type=int, default=PAGES_PER_APPLY,
                        help="the client's limit on pages fetched ahead and applied together "
                             "(SyncClient pages_per_apply; 1: each page in its own "
                             "transaction, as before 30/11/2026 evening)")
    parser.add_argument("--app-gc", action="store_true",
                        help="collect garbage as the app does: automatic collection off, a "
                             "check each second (bench/app_gc.py)")
    parser.add_argument("--postgres-url",
                        help="an existing PostgreSQL server, whose other clients' CPU then "
                             "counts as the bench's (default: a server of the bench's own, "
                             "started with this machine's initdb; else LD_TEST_POSTGRES_URL)")
    args = parser.parse_args()
    WORKERS, THREADS, SEPARATE = args.workers, args.threads, args.separate_requests
    # stopped by a signal, still stop the server and PostgreSQL started here (a background
    # job of a shell ignores SIGINT, so SIGTERM is the way to stop one)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.app_gc:
        app_gc.start()
    with ExitStack() as stack:
        if args.postgres_url:
            PG_URL = args.postgres_url
        elif private_postgres.bin_dir() is not None:
            PG_URL, _pid = stack.enter_context(private_postgres.private_postgres(free_port()))
            OWN_POSTGRES = True
        _run(args)


def _run(args: argparse.Namespace) -> None:
    print(f"bench/sync.py {' '.join(sys.argv[1:])}: "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {CORES} cores, load average "
          f"{_load_average()}; {'the app' if args.app_gc else 'automatic'} garbage collection; "
          f"bursts: {WORKERS} server processes x {THREADS} threads; "
          f"PostgreSQL {sa.make_url(PG_URL).set(database=None).render_as_string()}",
          flush=True)
    rows: list[Row] = []
    if not args.skip_first_sync and not args.only_replica_sync:
        if not args.postgresql_only:
            with tempfile.TemporaryDirectory() as folder:
                rows += first_sync_into_store(
                    "SQLite", ServerSettings.for_data_dir(Path(folder)), args.cases,
                    in_process=args.in_process_server, pages_per_apply=args.pages_per_apply,
                    rounds=args.rounds)
        with throwaway_postgres() as url:
            rows += first_sync_into_store("PostgreSQL", ServerSettings(database_url=url),
                                          args.cases, args.profile,
                                          in_process=args.in_process_server,
                                          pages_per_apply=args.pages_per_apply,
                                          rounds=args.rounds)
    if not args.skip_first_sync and not args.only_first_sync:
        with tempfile.TemporaryDirectory() as folder:
            rows += first_sync("SQLite", ServerSettings.for_data_dir(Path(folder)),
                               args.records)
        with throwaway_postgres() as url:
            rows += first_sync("PostgreSQL", ServerSettings(database_url=url), args.records)
    for spread in ([] if args.only_first_sync or args.only_replica_sync else
                   (float(value) for value in args.spreads.split(","))):
        with throwaway_postgres() as url:
            rows += burst(url, args.workstations, args.changes, spread)
    print(f"uptime: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} (load average, {os.cpu_count()} cores)")
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    print(f"{'measurement':{width[0]}}  {'size':{width[1]}}  result")
    for row in rows:
        print(f"{row[0]:{width[0]}}  {row[1]:{width[1]}}  {row[2]}")


if __name__ == "__main__":
    main()
