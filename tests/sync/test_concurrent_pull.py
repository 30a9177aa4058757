"""Pulls racing pushes on PostgreSQL: a reader pulling all the while never skips a change.

Writers push edits, clashes, deletes, links and decisions on shared records from several
devices at once, while a reader pulls pages continuously and applies them. Afterwards the
reader, after one more pull, must hold exactly what a fresh device pulling everything from
cursor 0 holds: any page that had moved the reader's cursor past a change not yet committed
(or outside its scope rows' reach) would leave it behind for ever."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
import sqlalchemy as sa
from sync_harness import register_decider

from sync.memory_replica import MemoryReplica
from sync.protocol import RecordRef
from sync.server import pull_store, push_store
from sync.server.database import make_engine

SITES = ("site-a", "site-b")
pytestmark = pytest.mark.postgres


def pull_into(engine: sa.Engine, replica: MemoryReplica, sites: frozenset[str],
              limit: int) -> None:
    while True:
        page = pull_store.pull_changes(engine, sites, replica.cursor(), limit, "hlc")
        replica.apply_pull(page)
        if not page.has_more:
            return


def writer(engine: sa.Engine, replica: MemoryReplica, shared: list[uuid.UUID], seed: int,
           rounds: int, errors: list[BaseException]) -> None:
    both = frozenset(SITES)
    rnd = random.Random(seed)
    try:
        for n in range(rounds):
            site = rnd.choice(SITES)
            for _ in range(rnd.randint(1, 6)):
                case = rnd.choice(shared)
                action = rnd.random()
                if action < 0.6:
                    replica.upsert("case", case, {rnd.choice("abc"): f"{seed}-{n}"},
                                   sites=[site])
                elif action < 0.7:
                    replica.delete("case", case, sites=[site])
                elif action < 0.85:
                    replica.insert("note", uuid.uuid4(), {"text": f"{seed}-{n}"},
                                   sites=[site], links=[RecordRef(entity="case",
                                                                  entity_id=case)])
                elif replica.open_conflicts():
                    conflict = rnd.choice(replica.open_conflicts())
                    replica.resolve(uuid.UUID(str(conflict.conflict_id)), f"{seed}-{n}",
                                    "decided")
            replica.acknowledge(push_store.push_ops(engine, replica.device_id, both,
                                                    replica.pending_ops(100)))
            pull_into(engine, replica, both, 50)
    except BaseException as exc:  # reported by the test
        errors.append(exc)


@pytest.mark.parametrize("reader_sites", [frozenset(SITES), frozenset({"site-a"})])
def test_a_reader_pulling_during_pushes_misses_nothing(fresh_postgres: str,
                                                       reader_sites: frozenset[str]) -> None:
    engine = make_engine(fresh_postgres)
    shared = [uuid.uuid4() for _ in range(6)]
    errors: list[BaseException] = []
    writing = [MemoryReplica(f"dev-{n}") for n in range(4)]
    register_decider(engine, writing)   # their decisions are signed, as the server demands
    writers = [threading.Thread(target=writer, args=(engine, replica, shared, n, 12, errors))
               for n, replica in enumerate(writing)]
    reader = MemoryReplica("reader")
    done = threading.Event()
    pages = 0

    def read_all_the_while() -> None:
        nonlocal pages
        try:
            while not done.is_set():
                pull_into(engine, reader, reader_sites, 7)   # small pages: many boundaries
                pages += 1
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    reading = threading.Thread(target=read_all_the_while)
    try:
        reading.start()
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join(60)
        done.set()
        reading.join(60)
        assert errors == []
        assert pages > 5
        pull_into(engine, reader, reader_sites, 7)
        fresh = MemoryReplica("fresh")
        pull_into(engine, fresh, reader_sites, 1000)
        assert fresh.state()
        assert reader.state() == fresh.state()
        assert reader.conflicts == fresh.conflicts
        assert reader.cursor() == fresh.cursor()
    finally:
        done.set()
        engine.dispose()
