"""What a pull costs, alone: server CPU and PostgreSQL CPU per record pulled.

    .venv/bin/python bench/pull_cost.py [--cases 10000] [--rounds 3] [--old REF]

A PostgreSQL server of the bench's own (`bench/private_postgres.py`) holds --cases cases over
20 sites (500 a site, as a burst's workstation pulls 400-500); each round pulls every site's
page of 500 from cursor 0, in one process on one connection, three ways, alternated:
`pull_store.pull_page` (this code), the floor (the same rows selected raw, their fields and
meta decoded by psycopg and put back with `json.dumps`: the least a server that builds
JSON at pull time can do), and with --old a `pull_store.py` from git (e.g. `main`), run
against this schema. CPU is the calling thread's (building the page, not counting its records
afterwards) and the connection's backend process's (`/proc/<pid>/stat`, 10 ms ticks, hence
many pages). Prints the table and the load average.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import free_port

from bench import private_postgres
from sync.memory_replica import MemoryReplica
from sync.protocol import MAX_OPS_PER_PUSH, site_id_for
from sync.server import pull_store
from sync.server.database import analyze, make_engine, migrate
from sync.server.push_store import push_ops

SITES = 20
PAGE = 500
_FLOOR = sa.text("""
SELECT r.entity, r.entity_id, r.seq, r.fields, r.meta FROM record_scope AS s
JOIN records AS r ON r.entity = s.entity AND r.entity_id = s.entity_id
WHERE s.site_id = :site AND s.record_seq > 0 ORDER BY s.record_seq LIMIT :page
""")


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _old_module(ref: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{ref}:sync/server/pull_store.py"], check=True,
                            capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1]).stdout
    path = Path(tempfile.mkdtemp()) / "pull_store_old.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("pull_store_old", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seed(engine: sa.Engine, cases: int) -> list[str]:
    sites = [str(site_id_for(f"Bench Site {n}")) for n in range(SITES)]
    earlier = MemoryReplica("earlier-shifts")
    for n in range(cases):
        earlier.upsert("case", uuid.uuid4(), {"custody_record_number": str(n), "reason": "s" * 80},
                       sites=[sites[n % SITES]])
    while ops := earlier.pending_ops(MAX_OPS_PER_PUSH):
        earlier.acknowledge(push_ops(engine, earlier.device_id, frozenset(sites), ops))
    analyze(engine)
    return sites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--old", help="a git ref whose pull_store.py is measured beside")
    parser.add_argument("--explain", action="store_true",
                        help="also print the page statement's EXPLAIN ANALYZE for one site")
    args = parser.parse_args()
    with private_postgres.private_postgres(free_port()) as (url, _pid):
        engine = make_engine(url, pool_size=1)
        migrate(engine)
        sites = _seed(engine, args.cases)
        print(f"bench/pull_cost.py {' '.join(sys.argv[1:])}: "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
              f"{_load_average()}; {args.cases:,} cases over {SITES} sites, pages of {PAGE}")
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            backend = int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
            if args.explain:
                plan = conn.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {pull_store._PAGE.text}"),
                                    {"cursor": 0, "sites": [sites[0], "*"], "over": PAGE + 1,
                                     "limit": PAGE, "max_bytes": 4 * 1024 * 1024}).scalars()
                print("\n".join(plan))

            def this_code(site: str) -> str | bytes:
                return pull_store._page_from_postgres(conn, [site, "*"], 0, PAGE, "hlc")

            def floor(site: str) -> str | bytes:
                rows = conn.execute(_FLOOR, {"site": site, "page": PAGE}).all()
                return json.dumps({"records": [
                    {"entity": r.entity, "entity_id": r.entity_id, "seq": r.seq,
                     "fields": r.fields, "meta": r.meta} for r in rows]})

            ways: dict[str, Callable[[str], str | bytes]] = {"this code": this_code,
                                                             "floor": floor}
            if args.old:
                old = _old_module(args.old)

                def old_code(site: str) -> str | bytes:
                    page: bytes = old._page_from_postgres(conn, [site, "*"], 0, PAGE, "hlc")
                    return page

                ways[f"pull_store.py of {args.old}"] = old_code
            totals = {name: [0.0, 0.0, 0.0, 0] for name in ways}
            for _ in range(args.rounds):
                for name, way in ways.items():
                    start = (time.perf_counter(), time.thread_time(), _backend_cpu(backend))
                    pages = [way(site) for site in sites]
                    total = totals[name]
                    total[0] += time.perf_counter() - start[0]
                    total[1] += time.thread_time() - start[1]
                    total[2] += _backend_cpu(backend) - start[2]
                    total[3] += sum(len(json.loads(page)["records"]) for page in pages)
        engine.dispose()
    print(f"{'way':34} {'records/s':>10} {'server µs/record':>17} {'PostgreSQL µs/record':>21}")
    for name, (wall, server, database, records) in totals.items():
        print(f"{name:34} {records / wall:>10,.0f} {server / records * 1e6:>17.1f} "
              f"{database / records * 1e6:>21.1f}")
    print(f"load average after: {_load_average()}")


if __name__ == "__main__":
    main()
