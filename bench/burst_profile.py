"""Where a burst's CPU goes: the server profiled per thread, PostgreSQL per statement.

    .venv/bin/python bench/burst_profile.py [--workstations 200] [--changes 50] [--spread 0]
                                            [--top 40] [--out FILE.pstats]

The burst of `bench/sync.py` (10,000 cases from earlier shifts over 20 sites, then W
workstations each pushing C new cases and pulling its site's changes), against one server
process run in this process (uvicorn in a thread, as the tests run it) with every thread
under cProfile (timed by the thread's own CPU clock, so waits for PostgreSQL, locks
or the GIL do not count), and a PostgreSQL of the bench's own with `pg_stat_statements`. Prints the
server's profile (cumulative, then own time) and PostgreSQL's statements by total time.
The load generator is `bench/burst_load.py`, in a process of its own as in the bench.
Profiling slows Python several times over: read the shares, not the wall times.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import free_port, running_server

from bench import private_postgres
from bench.sync import SITES, _earlier_shifts, _workstation_plan
from sync.server import ServerSettings
from sync.server.database import analyze, make_engine, migrate

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workstations", type=int, default=200)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--spread", type=float, default=0.0)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", help="also write the merged profile here (pstats)")
    args = parser.parse_args()
    with private_postgres.private_postgres(
            free_port(), ["shared_preload_libraries=pg_stat_statements",
                          "pg_stat_statements.track_planning=on"]) as (url, _pid):
        engine = make_engine(url)
        migrate(engine)
        settings = ServerSettings(database_url=url)
        with running_server(settings) as (base, _app):
            cursor = _earlier_shifts(engine, SITES * 500)
            plan = [_workstation_plan(base, engine, f"Bench Site {n % SITES}", args.changes,
                                      cursor) for n in range(args.workstations)]
        analyze(engine)
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            conn.execute(sa.text("SELECT pg_stat_statements_reset()"))
        profiles: list[cProfile.Profile] = []

        def start_profile(*_args: Any) -> None:   # first event of each new thread
            profile = cProfile.Profile(time.thread_time)   # CPU, not waits
            profiles.append(profile)
            profile.enable()

        threading.setprofile(start_profile)
        with running_server(settings) as (base, _app), \
                tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump(plan, handle)
            handle.flush()
            started = time.perf_counter()
            load = subprocess.run([sys.executable, str(ROOT / "bench" / "burst_load.py"),
                                   handle.name, base, str(args.spread)],
                                  capture_output=True, text=True, check=True)
            wall = time.perf_counter() - started
        threading.setprofile(None)
        result = json.loads(load.stdout)
        print(f"{args.workstations} x {args.changes}: wall {wall:.1f} s (profiled); "
              f"failed {len(result['errors'])}; load average {os.getloadavg()}")
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        if args.out:
            stats.dump_stats(args.out)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT calls, total_exec_time + total_plan_time AS ms, rows, "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS q "
                "FROM pg_stat_statements ORDER BY ms DESC LIMIT 25")).all()
        syncs = args.workstations
        print(f"PostgreSQL statements (exec + plan ms; per sync over {syncs} syncs):")
        for row in rows:
            print(f"{row.calls:>7} {row.ms:>9.1f} ms {row.ms / syncs:>6.2f}/sync "
                  f"{row.rows:>8}  {row.q}")
        engine.dispose()


if __name__ == "__main__":
    main()
