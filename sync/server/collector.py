"""Garbage collection in a server process, settled once it has started.

Python's automatic collection is tuned for small programs: a young collection every 700
new container objects, and a full one, which walks every tracked object, whenever enough
have survived. A server process holds a few hundred thousand objects from its start
(FastAPI's, pydantic's and SQLAlchemy's models, routes and caches) that live as long as it
does, and a sync makes tens of thousands of short-lived ones. In the end-of-shift burst
(200 × 50, `bench/sync.py`) the collector took ~9 % of the server's CPU (`perf`, 1/12/2026).

So, once, when the process has been built: what exists then is collected and frozen out of
every later collection (`gc.freeze`, as CPython documents for long-lived servers), and the
youngest generation is collected every `YOUNG_THRESHOLD` new objects rather than 700. The
cost is memory: objects that outlive young collections (a request's, while it is in
flight) and then die wait longer for a full collection, one every ~2 million new objects
rather than every ~70,000. With 15,000 kept alive at a time, the collector tracked up to
~320,000 objects against ~107,000 with the default thresholds: bounded, not growing with
requests (tests/sync/test_server_collector.py). Only `ld-sync-server serve`'s processes do
this (`app.create_app_from_env`): a server run inside another program (the workstation's
embedded one, the tests') leaves that program's collector alone.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000


def settle() -> None:
    """Collect, freeze what survives, and collect the youngest generation less often."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
