"""A new workstation's pull of one large site, server and PostgreSQL only, against main's.

    .venv/bin/python bench/first_pull.py [--records 20000] [--rounds 2] [--old REF]

A PostgreSQL server of the bench's own (`bench/private_postgres.py`) holds --records cases
at one site and a twentieth as many at another (statistics gathered). A new workstation of
the first site pulls them all from cursor 0 in pages of 500 through `pull_page` (no HTTP, no
store; each page decoded by the protocol's model as a client would), and with --old the
same through a `pull_store.py` from git (e.g. `main`), alternated on the same database.
Printed per walk: records/s, and CPU per record of this process (the server's side and the
decoding) and of its PostgreSQL backend (issue 17: a page used to look up every record of
its site changed since the cursor, so a first sync's pages cost more the larger the site).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import free_port

from bench import private_postgres
from bench.pull_cost import _old_module
from bench.sync import _stat
from sync.memory_replica import MemoryReplica
from sync.protocol import MAX_OPS_PER_PUSH, PullResponse
from sync.server import pull_store
from sync.server.database import analyze, make_engine, migrate
from sync.server.push_store import push_ops

PAGE = 500


def _cpu(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _seed(engine: sa.Engine, records: int) -> None:
    for site, count in (("site-a", records), ("site-b", records // 20)):
        replica = MemoryReplica(f"seed-{site}")
        for n in range(count):
            replica.upsert("case", uuid.uuid4(), {"custody_record_number": str(n),
                                                  "reason": "s" * 80}, sites=[site])
        while ops := replica.pending_ops(MAX_OPS_PER_PUSH):
            replica.acknowledge(push_ops(engine, replica.device_id, frozenset({site}), ops))


def _walk(engine: sa.Engine, module: ModuleType, backend: int) -> tuple[int, float, float, float]:
    database, server, wall = _cpu(backend), time.process_time(), time.monotonic()
    cursor, more, got = 0, True, 0
    while more:
        page = PullResponse.model_validate_json(
            module.pull_page(engine, frozenset({"site-a"}), cursor, PAGE, "hlc"))
        got += len(page.records)
        cursor, more = page.next_cursor, page.has_more
    return (got, time.monotonic() - wall, time.process_time() - server,
            _cpu(backend) - database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--old", help="a git ref whose pull_store.py is measured beside")
    args = parser.parse_args()
    codes: list[tuple[str, ModuleType]] = [("this code", pull_store)]
    if args.old:
        codes.insert(0, (args.old, _old_module(args.old)))
    with private_postgres.private_postgres(free_port()) as (url, _pid):
        engine = make_engine(url, pool_size=1)
        migrate(engine)
        _seed(engine, args.records)
        analyze(engine)
        with engine.connect() as conn:
            backend = int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
        print(f"bench/first_pull.py: {args.records:,} records at one site, "
              f"{args.records // 20:,} at another, pages of {PAGE}; "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
              f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        for n in range(args.rounds):
            for name, module in codes:
                got, wall, server, database = _walk(engine, module, backend)
                print(f"round {n + 1}, {name}: {got:,} records, {got / wall:,.0f} records/s; "
                      f"CPU a record: server {server * 1e6 / got:.1f} µs, PostgreSQL "
                      f"{database * 1e6 / got:.1f} µs; load {os.getloadavg()[0]:.1f}",
                      flush=True)
        engine.dispose()


if __name__ == "__main__":
    main()
