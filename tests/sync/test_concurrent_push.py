"""Pushes side by side on PostgreSQL (advisory locks on the records they touch, sequence
numbers reserved just before the write): concurrent pushes touching the same records never
lose or double an op, sequence numbers stay unique, a clash is still a conflict."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from sync.memory_replica import MemoryReplica
from sync.protocol import OpStatus
from sync.server import push_store
from sync.server import schema as t
from sync.server.database import make_engine

SITE = "site-a"


@pytest.mark.postgres
def test_concurrent_pushes_on_the_same_records(fresh_postgres: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(fresh_postgres)
    merges = 0
    real_merge = push_store._merge

    def counting_merge(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal merges
        merges += 1
        return real_merge(*args, **kwargs)

    monkeypatch.setattr(push_store, "_merge", counting_merge)
    shared = [uuid.uuid4() for _ in range(5)]
    devices = [MemoryReplica(f"dev-{n}") for n in range(8)]
    rounds = 6
    results: list[list[object]] = []
    errors: list[BaseException] = []
    try:
        for round_no in range(rounds):
            batches = []
            for n, replica in enumerate(devices):
                for record in shared:           # everybody edits the same five records
                    replica.upsert("case", record, {"urgency": f"r{round_no}-d{n}"},
                                   sites=[SITE])
                replica.upsert("case", uuid.uuid4(), {"n": n}, sites=[SITE])
                batches.append((replica, replica.pending_ops(100)))
            barrier = threading.Barrier(len(batches))

            def push(replica: MemoryReplica, ops: list,  # type: ignore[type-arg]
                     barrier: threading.Barrier = barrier) -> None:
                try:
                    barrier.wait()
                    outcome = push_store.push_ops(engine, replica.device_id,
                                                  frozenset({SITE}), ops)
                    results.append(outcome)
                    replica.acknowledge(outcome)
                except BaseException as exc:  # reported below
                    errors.append(exc)

            threads = [threading.Thread(target=push, args=b) for b in batches]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert errors == []
        flat = [r for batch in results for r in batch]
        assert all(r.status in (OpStatus.APPLIED, OpStatus.CONFLICT) for r in flat)
        assert len(flat) == rounds * len(devices) * 6
        seqs = sorted(r.server_seq for r in flat)
        with engine.connect() as conn:
            logged = sorted(conn.execute(sa.select(t.ops.c.server_seq)).scalars())
            counter = conn.execute(sa.select(t.counter.c.value)).scalar_one()
            clashes = conn.execute(sa.select(sa.func.count()).select_from(t.conflicts)
                                   ).scalar_one()
        assert logged == seqs                                 # every op logged exactly once
        assert len(set(seqs)) == len(seqs)
        assert seqs[0] >= 1
        assert counter >= seqs[-1]
        assert clashes > 0                                    # offline edits still clash
        with engine.connect() as conn:
            for record in shared:        # no typed value vanishes without a conflict record
                kept = {v["value"] for values in conn.execute(
                    sa.select(t.conflicts.c["values"]).where(
                        t.conflicts.c.entity_id == str(record))).scalars() for v in values}
                kept.add(conn.execute(sa.select(t.records.c.fields).where(
                    t.records.c.entity_id == str(record))).scalar_one()["urgency"])
                last = {f"r{rounds - 1}-d{n}" for n in range(len(devices))}
                assert last <= kept, sorted(last - kept)
        assert merges == len(results)                         # locks, not re-merging
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_push_reading_many_records_runs_alone_on_one_lock(
        fresh_postgres: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL's lock table is small and shared: a large push must not fill it."""
    engine = make_engine(fresh_postgres)
    monkeypatch.setattr(push_store, "MAX_RECORD_LOCKS", 3)
    held: dict[str, int] = {}
    real_merge = push_store._merge

    def counting_merge(conn, checks, *args, **kwargs):  # type: ignore[no-untyped-def]
        held[checks.device_id] = conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid()")).scalar_one()
        return real_merge(conn, checks, *args, **kwargs)

    monkeypatch.setattr(push_store, "_merge", counting_merge)
    shared = [uuid.uuid4() for _ in range(3)]
    big, small = MemoryReplica("big"), [MemoryReplica(f"small-{n}") for n in range(4)]
    for n in range(10):
        big.upsert("case", shared[n % 3] if n < 3 else uuid.uuid4(), {"v": n}, sites=[SITE])
    for replica in small:
        replica.upsert("case", shared[0], {"v": replica.device_id}, sites=[SITE])
    batches = [(replica, replica.pending_ops(100)) for replica in [big, *small]]
    barrier = threading.Barrier(len(batches))
    outcomes: list[object] = []

    def push(replica: MemoryReplica, ops: list) -> None:  # type: ignore[type-arg]
        barrier.wait()
        try:
            outcomes.extend(push_store.push_ops(engine, replica.device_id,
                                                frozenset({SITE}), ops))
        except BaseException as exc:  # reported below
            outcomes.append(exc)

    threads = [threading.Thread(target=push, args=batch) for batch in batches]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert all(getattr(o, "status", None) in (OpStatus.APPLIED, OpStatus.CONFLICT)
                   for o in outcomes), outcomes
        assert len(outcomes) == 14
        assert held["big"] == 1                          # the all-pushes lock, alone
        assert all(held[r.device_id] == 3 for r in small)  # shared, device, one record
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(t.ops)
                                ).scalar_one() == 14
    finally:
        engine.dispose()
