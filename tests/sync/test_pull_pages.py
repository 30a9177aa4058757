"""A pull page built by PostgreSQL as JSON text is the page the protocol's models build from
decoded rows: the same records, conflicts (open and decided), tombstones, versions, cursors
and page boundaries, for every cursor and page size."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sync_harness import pull_into, push, register_decider

from sync.memory_replica import MemoryReplica
from sync.protocol import PullResponse, RecordRef
from sync.server import pull_store
from sync.server.database import make_engine

SITE, OTHER = "site-a", "site-b"
pytestmark = pytest.mark.postgres


def both_pages(engine: sa.Engine, sites: frozenset[str], cursor: int,
               limit: int) -> tuple[PullResponse, PullResponse]:
    names = [*sorted(sites), "*"]
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        built = PullResponse.model_validate_json(
            pull_store._page_from_postgres(conn, names, cursor, limit, "hlc"))
        decoded = pull_store._page_from_rows(conn, names, cursor, limit, "hlc")
    return built, decoded


def test_postgres_pages_match_the_models(fresh_postgres: str) -> None:
    engine = make_engine(fresh_postgres)
    both = frozenset({SITE, OTHER})
    first, second = MemoryReplica("dev-1"), MemoryReplica("dev-2")
    register_decider(engine, [first, second])
    cases = [uuid.uuid4() for _ in range(4)]
    for n, case in enumerate(cases):
        first.upsert("case", case, {"n": n, "note": "Zoë’s “quoted” text\n", "nested":
                                    {"list": [1, None, True, 2.5], "empty": {}}}, sites=[SITE])
    first.insert("note", uuid.uuid4(), {"text": "append-only"},
                 links=[RecordRef(entity="case", entity_id=cases[0])])
    first.upsert("setting", uuid.uuid4(), {"global": None})          # no site: every site
    first.upsert("case", uuid.uuid4(), {"elsewhere": 1}, sites=[OTHER])
    push(engine, first, both)
    pull_into(engine, second, both)
    first.upsert("case", cases[1], {"n": "first"}, sites=[SITE])     # concurrent edits: clash
    second.upsert("case", cases[1], {"n": "second"}, sites=[SITE])
    second.delete("case", cases[2], sites=[SITE])                     # a tombstone
    push(engine, first, both)
    push(engine, second, both)
    pull_into(engine, second, both)
    conflict = next(iter(second.conflicts.values()))
    second.resolve(uuid.UUID(str(conflict.conflict_id)), "second", "checked with the custody nurse")
    push(engine, second, both)
    try:
        built, decoded = both_pages(engine, both, 0, 1000)
        assert built == decoded
        assert built.conflicts
        assert built.conflicts[0].status == "resolved"
        assert any(record.deleted for record in built.records)
        assert not built.has_more
        for sites in (frozenset({SITE}), frozenset({OTHER})):
            for limit in (1, 2, 3, 7):
                cursor, has_more = 0, True
                while has_more:
                    built, decoded = both_pages(engine, sites, cursor, limit)
                    assert built == decoded
                    cursor, has_more = built.next_cursor, built.has_more
        built, decoded = both_pages(engine, both, 10_000, 10)        # a cursor from elsewhere
        assert built == decoded
        assert built.cursor_reset
    finally:
        engine.dispose()
