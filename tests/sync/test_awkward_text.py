"""Whatever text a workstation sends in a field's value comes back exactly, on SQLite and
PostgreSQL: a NUL pasted from a PDF, a lone surrogate, emoji, accents, a NUL inside a nested
key. A name the database cannot store as text (entity, clock or field name with a NUL) is
refused for that op alone, with a reason, and the rest of the push is applied."""

from __future__ import annotations

import uuid

from sync_harness import Harness

from sync.memory_replica import MemoryReplica
from sync.protocol import OpStatus
from sync.server import pull_store, push_store

SITE = "site-a"
AWKWARD = {
    "pasted": "Seen in custody\x00 (text pasted from a PDF)",
    "surrogate": "half a pair \ud800 here",
    "emoji": "calm 😀",
    "accents": "Zoë Ó Briain",
    "nested": {"k\x00ey": ["\x00", None, 1.5], "ok": {"deep": "😀 à"}},
}


def test_awkward_values_come_back_exactly(harness: Harness) -> None:
    writer = MemoryReplica("dev-1")
    ids = {name: uuid.uuid4() for name in AWKWARD}
    for name, value in AWKWARD.items():
        writer.upsert("case", ids[name], {"value": value, "plain": 1}, sites=[SITE])
    writer.delete("case", ids["pasted"], sites=[SITE])
    results = push_store.push_ops(harness.engine, "dev-1", frozenset({SITE}),
                                  writer.pending_ops(100))
    assert [r.status for r in results] == [OpStatus.APPLIED] * (len(AWKWARD) + 1)
    page = pull_store.pull_changes(harness.engine, frozenset({SITE}), 0, 100, "hlc")
    pulled = {record.entity_id: record for record in page.records}
    for name, value in AWKWARD.items():
        record = pulled[ids[name]]
        assert record.fields["value"] == value, name
        assert set(record.versions) == ({"value", "plain", "_deleted"} if name == "pasted"
                                        else {"value", "plain"})
        assert record.deleted is (name == "pasted")


def test_a_name_that_cannot_be_stored_is_refused_alone(harness: Harness) -> None:
    writer = MemoryReplica("dev-1")
    writer.upsert("case", uuid.uuid4(), {"fine": 1}, sites=[SITE])
    writer.upsert("case", uuid.uuid4(), {"bad\x00name": 1}, sites=[SITE])
    writer.upsert("ca\x00se", uuid.uuid4(), {"fine": 1}, sites=[SITE])
    writer.upsert("case", uuid.uuid4(), {"lone \udc00": 1}, sites=[SITE])
    results = push_store.push_ops(harness.engine, "dev-1", frozenset({SITE}),
                                  writer.pending_ops(100))
    assert [r.status for r in results] == [OpStatus.APPLIED] + [OpStatus.REJECTED] * 3
    assert all("NUL" in (r.error or "") for r in results[1:])
    page = pull_store.pull_changes(harness.engine, frozenset({SITE}), 0, 100, "hlc")
    assert [record.fields for record in page.records] == [{"fine": 1}]
