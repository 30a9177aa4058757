"""Sequence reservations on PostgreSQL: a pull never passes a number whose push is still
writing, an abandoned reservation stops holding pullers back, and a push whose reservation
was taken away is retried, never published under numbers a puller may have passed."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sync.memory_replica import MemoryReplica
from sync.protocol import Op, OpStatus
from sync.server import push_store, seq_reservations
from sync.server import schema as t
from sync.server.database import make_engine
from sync.server.pull_store import pull_changes

SITE = "site-a"
SITES = frozenset({SITE})
pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(fresh_postgres: str):  # type: ignore[no-untyped-def]
    engine = make_engine(fresh_postgres)
    yield engine
    engine.dispose()


def new_cases(device: str, count: int) -> list[Op]:
    replica = MemoryReplica(device)
    for n in range(count):
        replica.upsert("case", uuid.uuid4(), {"n": n}, sites=[SITE])
    return replica.pending_ops(100)


def pull_all(engine: sa.Engine, cursor: int) -> tuple[list[int], int]:
    page = pull_changes(engine, SITES, cursor, 1000, "hlc")
    return [record.seq for record in page.records], page.next_cursor


def test_a_pull_stops_below_a_push_that_is_still_writing(
        engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    reserved, go_on = threading.Event(), threading.Event()
    real_writes = push_store._writes

    def slow_writes(ws, accepted):  # type: ignore[no-untyped-def]
        if accepted[0][0].device_id == "slow":   # reserved, not yet written
            reserved.set()
            assert go_on.wait(10)
        return real_writes(ws, accepted)

    monkeypatch.setattr(push_store, "_writes", slow_writes)
    slow_results: list[object] = []
    slow = threading.Thread(target=lambda: slow_results.extend(
        push_store.push_ops(engine, "slow", SITES, new_cases("slow", 3))))
    slow.start()
    try:
        assert reserved.wait(10)
        fast = push_store.push_ops(engine, "fast", SITES, new_cases("fast", 2))
        slow_first = min(r.server_seq for r in fast) - 3   # reserved just before the fast one
        assert all(r.status is OpStatus.APPLIED for r in fast)
        seqs, cursor = pull_all(engine, 0)
        assert seqs == []
        assert cursor == slow_first - 1
    finally:
        go_on.set()
        slow.join(10)
    seqs, cursor = pull_all(engine, cursor)
    assert len(seqs) == 5
    assert cursor == max(seqs)
    assert sorted(r.server_seq for r in slow_results) == seqs[:3]  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.seq_reservations)
                            ).scalar_one() == 0


def _reserve_as_a_push_would(conn: sa.Connection, count: int, *, age_s: float = 0) -> None:
    """What `seq_reservations.reserve` leaves behind, on this connection's session."""
    conn.execute(sa.text(
        "WITH taken AS (UPDATE counter SET value = value + :count RETURNING value) "
        "INSERT INTO seq_reservations (first_seq, last_seq, created_at, backend_pid, "
        "backend_start) SELECT value - :count + 1, value, :created, pid, backend_start "
        "FROM taken, pg_stat_activity WHERE pid = pg_backend_pid()"),
        {"count": count, "created": datetime.now(UTC) - timedelta(seconds=age_s)})
    conn.commit()


def _end_session(engine: sa.Engine, conn: sa.Connection) -> None:
    """Close the connection as a killed process would, and wait until its server session
    is gone (PostgreSQL notices a closed socket a moment later)."""
    pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    conn.invalidate()
    conn.close()
    deadline = time.monotonic() + 10
    with engine.connect() as other:
        while other.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                            {"pid": pid}).scalar_one():
            assert time.monotonic() < deadline
            time.sleep(0.02)


def test_a_reservation_whose_session_ended_is_removed_at_once(engine: sa.Engine) -> None:
    push_store.push_ops(engine, "before", SITES, new_cases("before", 2))
    dying = engine.connect()
    _reserve_as_a_push_would(dying, 3)         # a push reserved 3 numbers, then its
    _end_session(engine, dying)                # server process died: the session ends
    push_store.push_ops(engine, "after", SITES, new_cases("after", 2))
    seqs, cursor = pull_all(engine, 0)
    assert seqs == [1, 2, 6, 7]
    assert cursor == 7


def test_an_old_reservation_is_removed_even_if_its_session_is_unknown(
        engine: sa.Engine) -> None:
    with engine.begin() as conn:     # no session recorded (say, another database role's)
        conn.execute(sa.update(t.counter).values(value=3))
        conn.execute(sa.insert(t.seq_reservations).values(
            first_seq=1, last_seq=3, backend_pid=None, created_at=datetime.now(UTC) - timedelta(
                seconds=seq_reservations.RESERVATION_TTL_S + 1)))
    push_store.push_ops(engine, "after", SITES, new_cases("after", 2))
    assert pull_all(engine, 0) == ([4, 5], 5)


def test_a_recent_reservation_of_an_unknown_session_is_kept(engine: sa.Engine) -> None:
    with engine.begin() as conn:     # its session could not be seen: only its age counts
        conn.execute(sa.update(t.counter).values(value=3))
        conn.execute(sa.insert(t.seq_reservations).values(
            first_seq=1, last_seq=3, backend_pid=None, created_at=datetime.now(UTC)))
    push_store.push_ops(engine, "after", SITES, new_cases("after", 2))
    assert pull_all(engine, 0) == ([], 0)


def test_a_live_push_keeps_its_reservation(engine: sa.Engine) -> None:
    with engine.connect() as writing:          # a push still writing, reserved a moment ago
        _reserve_as_a_push_would(writing, 3, age_s=60)
        push_store.push_ops(engine, "after", SITES, new_cases("after", 2))
        assert pull_all(engine, 0) == ([], 0)
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(t.seq_reservations)
                                ).scalar_one() == 1


@pytest.mark.expect_log   # the server logs the retried push
def test_a_push_whose_reservation_expired_is_retried(
        engine: sa.Engine, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    real_writes = push_store._writes
    releases = 0

    def writes_after_expiry(ws, accepted):  # type: ignore[no-untyped-def]
        nonlocal releases
        releases += 1
        if releases == 1:            # the first attempt's reservation was removed as abandoned
            with engine.begin() as other:
                other.execute(sa.delete(t.seq_reservations))
        return real_writes(ws, accepted)

    monkeypatch.setattr(push_store, "_writes", writes_after_expiry)
    ops = new_cases("dev", 4)
    results = push_store.push_ops(engine, "dev", SITES, ops)
    assert releases == 2
    assert "reservation expired" in caplog.text
    assert [r.status for r in results] == [OpStatus.APPLIED] * 4
    seqs, _cursor = pull_all(engine, 0)
    assert seqs == sorted(r.server_seq for r in results) == [5, 6, 7, 8]  # 1-4 never used
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.ops)).scalar_one() == 4


def test_a_quiet_server_clears_a_dead_push_when_pulls_are_held_back(engine: sa.Engine) -> None:
    push_store.push_ops(engine, "before", SITES, new_cases("before", 2))
    dying = engine.connect()
    _reserve_as_a_push_would(dying, 3, age_s=seq_reservations.HELD_BACK_S + 1)
    _end_session(engine, dying)                # the push's process died; no push follows
    assert pull_all(engine, 0) == ([1, 2], 2)  # held back; this pull clears the way
    assert pull_all(engine, 2) == ([], 5)      # the dead block passed over


def test_the_same_op_id_from_two_devices_at_once_is_a_duplicate_not_an_error(
        engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    first = new_cases("dev-a", 1)
    push_store.push_ops(engine, "dev-a", SITES, first)
    copy = first[0].model_copy(update={"device_id": "dev-b", "entity_id": uuid.uuid4()})
    real = push_store._read_postgres       # the recorded results, read with the records
    calls = 0

    def blind_once(conn, device_id, ops, keys, last_seq):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1                              # as if dev-a's push had not committed yet
        recorded, ws = real(conn, device_id, ops, keys, last_seq)
        return ({} if calls == 1 else recorded), ws

    monkeypatch.setattr(push_store, "_read_postgres", blind_once)
    [result] = push_store.push_ops(engine, "dev-b", SITES, [copy])
    assert calls == 2
    assert result.status is OpStatus.DUPLICATE


def _commit_mode_of_a_reservation(engine: sa.Engine) -> str:
    """``synchronous_commit`` as `reserve` leaves it for its own commit (read inside the
    same transaction, before it ends)."""
    with engine.connect() as conn:
        reservation = seq_reservations.reserve(conn, 2)
        mode = str(conn.execute(sa.text("SHOW synchronous_commit")).scalar_one())
        seq_reservations.discard(conn, reservation)
        conn.commit()
    return mode


def test_a_reservation_commits_without_waiting_for_the_disk(engine: sa.Engine) -> None:
    """Pushes of a burst pass the counter's row lock one after another: a reservation that
    held it through a WAL flush would queue them all behind the disk."""
    assert _commit_mode_of_a_reservation(engine) == "off"
    push_store.push_ops(engine, "after", SITES, new_cases("after", 2))   # published: synced
    with engine.connect() as conn:
        assert str(conn.execute(sa.text("SHOW synchronous_commit")).scalar_one()) == "on"


def test_a_reservation_that_removes_an_abandoned_one_waits_for_the_disk(
        engine: sa.Engine) -> None:
    """Removing a reservation lets pullers pass its numbers: that must be on disk first."""
    dying = engine.connect()
    _reserve_as_a_push_would(dying, 3)
    _end_session(engine, dying)
    assert _commit_mode_of_a_reservation(engine) == "on"
    assert pull_all(engine, 0) == ([], 5)
