"""Three replicas edit the same records offline and converge whatever the sync order."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from sync_harness import Harness, register_decider, typed_values_are_kept

from sync.client import SyncClient
from sync.memory_replica import MemoryReplica
from sync.protocol import DELETED_FIELD, site_id_for

SITE = str(site_id_for("Leeds Custody"))


def sync_all(clients: list[SyncClient], rounds: int = 2) -> None:
    for _ in range(rounds):
        for client in clients:
            client.sync()


def scenario(a: MemoryReplica, b: MemoryReplica, c: MemoryReplica,
             ids: list[uuid.UUID]) -> None:
    case, person, note = ids
    a.upsert("case", case, {"risk": "high", "status": "open"})
    b.upsert("case", case, {"risk": "low"})
    c.upsert("case", case, {"status": "closed", "summary": "seen"})
    a.upsert("person", person, {"name": "A"})
    b.delete("person", person)
    c.upsert("person", person, {"name": "C"})
    c.insert("note", note, {"text": "custody note"})


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_three_replicas_converge_in_any_order(sqlite_harness: Harness,
                                              order: tuple[int, ...]) -> None:
    replicas, clients = zip(*(sqlite_harness.replica("Leeds Custody") for _ in range(3)),
                            strict=True)
    ids = [uuid.uuid4() for _ in range(3)]
    # Shared starting point, then offline edits.
    replicas[0].upsert("case", ids[0], {"risk": "unknown"}, sites=[SITE])
    replicas[0].upsert("person", ids[1], {"name": "orig"}, sites=[SITE])
    sync_all(list(clients), 1)
    scenario(*replicas, ids)
    sync_all([clients[i] for i in order])
    states = [r.state() for r in replicas]
    assert states[0] == states[1] == states[2]
    conflicts = [sorted(str(c.conflict_id) for c in r.open_conflicts()) for r in replicas]
    assert conflicts[0] == conflicts[1] == conflicts[2]
    assert conflicts[0], "the offline clashes must be kept as conflicts"
    typed_values_are_kept(sqlite_harness.engine)


def test_convergence_on_every_backend_with_resolution(harness: Harness) -> None:
    replicas, clients = zip(*(harness.replica("Leeds Custody") for _ in range(3)), strict=True)
    register_decider(harness.engine, list(replicas))
    ids = [uuid.uuid4() for _ in range(3)]
    replicas[0].upsert("case", ids[0], {"risk": "unknown"}, sites=[SITE])
    replicas[0].upsert("person", ids[1], {"name": "orig"}, sites=[SITE])
    sync_all(list(clients), 1)
    scenario(*replicas, ids)
    sync_all(list(clients))
    typed_values_are_kept(harness.engine)
    senior = replicas[2]
    for conflict in senior.open_conflicts():
        chosen: Any = conflict.values[0].value
        senior.resolve(conflict.conflict_id, chosen, "agreed at huddle")
    sync_all(list(clients))
    for replica in replicas:
        assert replica.open_conflicts() == []
        assert replica.state() == replicas[0].state()
    person = replicas[0].record("person", ids[1])
    assert person is not None
    assert DELETED_FIELD in person
