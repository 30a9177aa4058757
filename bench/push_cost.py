"""CPU of one push of 50 new cases, server process and PostgreSQL apart, one at a time.

    .venv/bin/python bench/push_cost.py [--pushes 200]

A PostgreSQL of the bench's own (`bench/private_postgres.py`) holding the burst's 10,000
cases from earlier shifts (statistics gathered), then ``--pushes`` pushes of 50 new cases
through `push_ops` on one connection, in this process: this process's CPU (the push's
Python: checks, merge, statements) and that connection's backend CPU (PostgreSQL's), per
push. No HTTP and no concurrency, so it moves less with the machine's load than the burst;
run it from an export of another commit to compare (`git archive`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import free_port

from bench import private_postgres
from bench.sync import SITES, _earlier_shifts, _stat
from sync.memory_replica import MemoryReplica
from sync.protocol import MAX_OPS_PER_PUSH, site_id_for
from sync.server.database import analyze, make_engine, migrate
from sync.server.push_store import push_ops


def _cpu(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=200)
    args = parser.parse_args()
    with private_postgres.private_postgres(free_port()) as (url, _pid):
        engine = make_engine(url, pool_size=1)
        migrate(engine)
        _earlier_shifts(engine, SITES * 500)
        analyze(engine)
        sites = [str(site_id_for(f"Bench Site {n}")) for n in range(SITES)]
        pushes = []
        for n in range(args.pushes):
            replica = MemoryReplica(f"bench-{n}")
            for k in range(50):
                replica.upsert("case", uuid.uuid4(), {"custody_record_number": str(k),
                                                      "reason": "y" * 80},
                               sites=[sites[n % SITES]])
            pushes.append((replica.device_id, frozenset({sites[n % SITES]}),
                           replica.pending_ops(MAX_OPS_PER_PUSH)))
        with engine.connect() as conn:
            backend = int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
        database, server = _cpu(backend), time.process_time()
        for device, device_sites, ops in pushes:
            push_ops(engine, device, device_sites, ops)
        database, server = _cpu(backend) - database, time.process_time() - server
        engine.dispose()
    print(f"push of 50, {args.pushes} pushes: server {server * 1000 / args.pushes:.2f} ms, "
          f"PostgreSQL {database * 1000 / args.pushes:.2f} ms of CPU each; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
