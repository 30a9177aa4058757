"""A push's answers are made once, when its numbers are final (issue 17: results were made
with provisional numbers, then copied with the real ones): every result carries the number
its changes were written with, and an op repeated inside the same push answers "duplicate"
with the first one's result, on SQLite (numbered as merged) and PostgreSQL (renumbered)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from sync.memory_replica import MemoryReplica
from sync.protocol import OpStatus
from sync.server import ServerSettings, create_app, push_store
from sync.server import schema as t

SITE = "site-a"
SITES = frozenset({SITE})


@pytest.fixture
def engine(server_settings: ServerSettings) -> Iterator[sa.Engine]:
    engine: sa.Engine = create_app(server_settings).state.sync.engine
    yield engine
    engine.dispose()


def test_a_repeat_inside_a_push_answers_with_the_first_ones_final_number(
        engine: sa.Engine) -> None:
    push_store.push_ops(engine, "earlier", SITES, _cases("earlier", 3))   # numbers 1-3 taken
    first, second = _cases("dev", 2)
    same_seq = second.model_copy(update={"op_id": uuid.uuid4(), "entity_id": uuid.uuid4()})
    results = push_store.push_ops(engine, "dev", SITES, [first, second, first, same_seq])
    assert [r.status for r in results] == [OpStatus.APPLIED, OpStatus.APPLIED,
                                           OpStatus.DUPLICATE, OpStatus.REJECTED]
    assert [r.server_seq for r in results] == [4, 5, 4, None]
    assert [r.op_id for r in results] == [first.op_id, second.op_id, first.op_id,
                                          same_seq.op_id]
    assert "already numbers another op of this device" in (results[3].error or "")
    with engine.connect() as conn:
        logged = dict(conn.execute(sa.select(t.ops.c.op_id, t.ops.c.server_seq)
                                   .where(t.ops.c.device_id == "dev")).all())
        stored = dict(conn.execute(sa.select(t.records.c.entity_id, t.records.c.seq)).all())
    assert logged == {str(first.op_id): 4, str(second.op_id): 5}
    assert stored[str(first.entity_id)] == 4
    assert stored[str(second.entity_id)] == 5
    assert str(same_seq.entity_id) not in stored             # refused: changes nothing
    again = push_store.push_ops(engine, "dev", SITES, [second, first])
    assert [(r.status, r.server_seq) for r in again] == [(OpStatus.DUPLICATE, 5),
                                                         (OpStatus.DUPLICATE, 4)]


def test_another_ops_device_sequence_never_makes_an_op_a_duplicate(engine: sa.Engine) -> None:
    """"Duplicate" takes an op out of its workstation's outbox, so only the same op may
    earn it. A workstation whose sequence went back (restored from a backup) sends a new
    op under a number it used before: refused, so it stays queued and is shown, never
    dropped. And another device's op, copied with its id (a cloned workstation), must not
    make this device's own op with that device's number a "duplicate"."""
    [earlier] = _cases("dev", 1)
    push_store.push_ops(engine, "dev", SITES, [earlier])
    restored = _cases("dev", 1)[0]                       # a new op, numbered 1 again
    [answer] = push_store.push_ops(engine, "dev", SITES, [restored])
    assert answer.status is OpStatus.REJECTED
    assert answer.error is not None
    assert "already numbers another op" in answer.error
    [theirs] = _cases("other", 1)                        # the other device's op number 1
    push_store.push_ops(engine, "other", SITES, [theirs])
    copied = theirs.model_copy(update={"device_id": "third", "device_seq": 2})
    [own] = _cases("third", 1)                           # this device's own number 1
    results = push_store.push_ops(engine, "third", SITES, [copied, own])
    assert [r.status for r in results] == [OpStatus.DUPLICATE, OpStatus.APPLIED]
    with engine.connect() as conn:
        stored = set(conn.execute(sa.select(t.records.c.entity_id)).scalars())
    assert str(own.entity_id) in stored
    assert str(restored.entity_id) not in stored


def test_a_clash_answers_with_its_conflict_and_the_numbers_written(engine: sa.Engine) -> None:
    record = uuid.uuid4()
    one, two = MemoryReplica("one"), MemoryReplica("two")
    one.upsert("case", record, {"urgency": "low"}, sites=[SITE])
    two.upsert("case", record, {"urgency": "high"}, sites=[SITE])
    push_store.push_ops(engine, "one", SITES, one.pending_ops(10))
    refused = two.pending_ops(10)[0].model_copy(update={"op_id": uuid.uuid4(),
                                                        "device_seq": 2, "sites": ["else"]})
    [clash, no] = push_store.push_ops(engine, "two", SITES, [*two.pending_ops(10), refused])
    assert clash.status is OpStatus.CONFLICT
    assert no.status is OpStatus.REJECTED
    assert no.server_seq is None
    assert no.error == "op names a site this device is not enrolled for"
    with engine.connect() as conn:
        conflict = conn.execute(sa.select(t.conflicts.c.id, t.conflicts.c.seq)).one()
        seq = conn.execute(sa.select(t.records.c.seq)).scalar_one()
        logged = conn.execute(sa.select(t.ops.c.result).where(t.ops.c.device_id == "two")
                              ).scalar_one()
    assert [str(c) for c in clash.conflict_ids] == [conflict.id]
    assert clash.server_seq == seq
    assert conflict.seq > 1
    assert logged == clash.model_dump(mode="json")


def _cases(device: str, count: int) -> list:  # type: ignore[type-arg]
    replica = MemoryReplica(device)
    for n in range(count):
        replica.upsert("case", uuid.uuid4(), {"n": n}, sites=[SITE])
    return replica.pending_ops(100)


def test_a_push_of_no_ops_runs_no_statement(engine: sa.Engine) -> None:
    """A sync with nothing to send (most syncs of a quiet workstation) locks, reads and
    writes nothing."""
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda _c, _cur, statement, *_args: statements.append(statement))
    assert push_store.push_ops(engine, "dev", SITES, []) == []
    assert statements == []
