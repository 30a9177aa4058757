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


def test_a_connection_keeps_one_plan_of_the_page(fresh_postgres: str) -> None:
    """psycopg prepares the page statement on a connection's fifth use; PostgreSQL then keeps
    one plan for it rather than planning each call anew (0.4-0.8 ms of its CPU a page), as
    it did for a burst's small pages while it could see the values given (`pull_store._PAGE`).
    The site's 20,000 records are written directly: only the planner's statistics matter."""
    engine = make_engine(fresh_postgres)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("""
                INSERT INTO records (entity, entity_id, seq, fields, meta, body)
                SELECT 'case', md5(n::text)::uuid::text, n, '{}', '{}',
                       '{"entity":"case","entity_id":"' || md5(n::text)::uuid::text
                       || '","fields":{},"versions":{},"deleted":false}'
                FROM generate_series(1, 20000) AS n""")
            conn.execute(sa.text("""
                INSERT INTO record_scope (entity, entity_id, site_id, record_seq)
                SELECT 'case', md5(n::text)::uuid::text, :site, n
                FROM generate_series(1, 20000) AS n"""),
                {"site": SITE})
            conn.execute(sa.text("UPDATE counter SET value = 20000"))
            conn.execute(sa.text("ANALYZE"))
            for call in range(20):          # small pages near the top, as in a burst
                page = pull_store._page_from_postgres(conn, [SITE, "*"], 19_990 + call % 3,
                                                      500, "hlc")
                assert PullResponse.model_validate_json(page).records
            plans = conn.execute(sa.text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE '%chosen AS%'")).one()
        assert (plans.generic_plans, plans.custom_plans) == (10, 5)
    finally:
        engine.dispose()
