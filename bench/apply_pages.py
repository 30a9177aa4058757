"""The store's side of a first sync alone: captured pages applied into fresh encrypted stores.

    .venv/bin/python bench/apply_pages.py [--cases 4000] [--rounds 3] [--pages FILE]
                                          [--profile FILE] [--pages-per-apply N]
                                          [--app-gc]

A workstation seeded like `bench/store.py` hands its outbox to an in-process SQLite sync
server; a new workstation's pull of it is captured once (pages as the server sent them,
saved with --pages to reuse), then each round applies every page through
`StoreReplica.apply_pull` into a new store, N pages at a time joined as the sync client
joins the pages it has already fetched (default `SyncClient`'s, 8; 1: each page alone).
``--app-gc``: garbage collected as the app does (`bench/app_gc.py`), as `bench/sync.py
--app-gc` runs the first sync. Printed per round: CPU and wall time per record (no server, no
HTTP, no JSON decoding: what the store adds to the floor of `bench/sync.py`).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import running_server

from bench import app_gc
from bench.sync import DiscardingReplica, _seeded_server_outbox, new_bench_store
from ld_desktop.store.replica import StoreReplica
from sync.client import SyncClient, enrol
from sync.client.engine import PAGES_PER_APPLY
from sync.protocol import PullResponse, pages_joined
from sync.server import ServerSettings
from sync.server.registry import issue_enrol_code


class _Recording(DiscardingReplica):
    def __init__(self) -> None:
        super().__init__()
        self.pages: list[str] = []

    def apply_pull(self, page: PullResponse) -> None:
        self.pages.append(page.model_dump_json())
        super().apply_pull(page)


def capture(cases: int) -> list[str]:
    with tempfile.TemporaryDirectory() as folder, \
            running_server(ServerSettings.for_data_dir(Path(folder))) as (url, app):
        engine = app.state.sync.engine
        _seeded_server_outbox(engine, cases)
        recording = _Recording()
        creds = enrol(url, issue_enrol_code(engine, ["Bench Custody Suite"]), "capture")
        with SyncClient(url, recording, creds) as client:
            client.sync()
        return recording.pages


def apply_all(pages: list[PullResponse], profile: str | None) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        store = new_bench_store(Path(folder))
        replica = StoreReplica(store, "bench-device", "bench.prac")
        profiler = cProfile.Profile(time.process_time) if profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        for page in pages:
            replica.apply_pull(page)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        result = time.process_time() - cpu, time.perf_counter() - wall
        store.close()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", help="a file of captured pages (written if missing)")
    parser.add_argument("--profile", help="write a cProfile (CPU clock) of the last round")
    parser.add_argument("--pages-per-apply", type=int, default=PAGES_PER_APPLY,
                        help="pages joined into one apply, as SyncClient(pages_per_apply=N) "
                             "does when they have arrived")
    parser.add_argument("--app-gc", action="store_true",
                        help="the app's garbage collection (bench/app_gc.py)")
    args = parser.parse_args()
    if args.app_gc:
        app_gc.start()
    saved = Path(args.pages) if args.pages else None
    if saved is not None and saved.exists():
        raw = saved.read_text().splitlines()
    else:
        raw = capture(args.cases)
        if saved is not None:
            saved.write_text("\n".join(raw))
    one_by_one = [PullResponse.model_validate_json(text) for text in raw]
    size = max(1, args.pages_per_apply)
    pages = [pages_joined(one_by_one[start:start + size])
             for start in range(0, len(one_by_one), size)]
    records = sum(len(page.records) for page in pages)
    print(f"bench/apply_pages.py: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{records:,} records in {len(pages)} applies, "
          f"{'the app' if args.app_gc else 'automatic'} garbage collection, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    for n in range(args.rounds):
        cpu, wall = apply_all(pages, args.profile if n == args.rounds - 1 else None)
        print(f"  round {n + 1}: CPU {cpu * 1e6 / records:.0f} µs/record, "
              f"wall {wall * 1e6 / records:.0f} µs/record ({records / wall:,.0f} records/s)",
              flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
