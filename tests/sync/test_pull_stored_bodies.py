"""The pull joins record bodies stored at push time (`records.body`): its pages are, JSON for
JSON, the pages the protocol's models build from decoded rows, for a mixed history (a
person merge and the cases it redirects, directory records, a share after a lookup, a
clash and its decision, a tombstone, text PostgreSQL cannot look into), for every site set,
cursor and page size; a refused op is in no page; bodies filled in by migration 0007 are
the bodies a push writes."""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sync_harness import pull_into, push, register_decider

from sync.memory_replica import MemoryReplica
from sync.protocol import Op, OpKind, OpStatus, RecordRef
from sync.server import pull_store, push_store
from sync.server import schema as t
from sync.server.database import make_engine

SITE, OTHER, ELSEWHERE = "site-a", "site-b", "site-z"
pytestmark = pytest.mark.postgres
MIGRATION = (Path(pull_store.__file__).parent / "migrations" / "versions"
             / "0007_record_body.py")


def pages(engine: sa.Engine, sites: frozenset[str], cursor: int,
          limit: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page as sent (stored bodies) and as the models build it, both as JSON."""
    sent = json.loads(pull_store.pull_page(engine, sites, cursor, limit, "hlc"))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        built = pull_store._page_from_rows(conn, [*sorted(sites), "*"], cursor, limit, "hlc")
    return sent, json.loads(pull_store.wire_json(built))


def walk(engine: sa.Engine, sites: frozenset[str], limit: int) -> list[str]:
    """The entity ids of every page from cursor 0 until one says there is no more, each
    page as sent checked to be the page the models build."""
    cursor, has_more, seen = 0, True, []
    while has_more:
        sent, built = pages(engine, sites, cursor, limit)
        assert sent == built
        seen += [r["entity_id"] for r in sent["records"]]
        cursor, has_more = sent["next_cursor"], sent["has_more"]
    return seen


def seed(engine: sa.Engine) -> tuple[uuid.UUID, uuid.UUID]:
    """A mixed history; returns a refused op's record and the shared person."""
    both = frozenset({SITE, OTHER})
    first, second = MemoryReplica("dev-1"), MemoryReplica("dev-2")
    register_decider(engine, [first, second])          # a signed staff record: every site
    kept, merged, shared = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    cases = [uuid.uuid4() for _ in range(3)]
    first.upsert("person", kept, {"name": "Ada Example", "note": "Zoë’s “quoted”\n"},
                 sites=[SITE])
    first.upsert("person", merged, {"name": "Ada Exampel", "odd": "nul\x00 and 😀"},
                 sites=[SITE])
    first.upsert("person", shared, {"name": "Bea Sample"}, sites=[OTHER])
    for n, case in enumerate(cases):
        first.upsert("case", case, {"n": n, "person_id": str(merged),
                                    "nested": {"list": [1, None, True, 2.5], "empty": {}}},
                     sites=[SITE], links=[RecordRef(entity="person", entity_id=merged)])
    first.insert("note", uuid.uuid4(), {"text": "append-only"}, sites=[SITE],
                 links=[RecordRef(entity="case", entity_id=cases[0])])
    first.upsert("site", uuid.uuid4(), {"name": "Northgate custody"})    # directory
    push(engine, first, both)
    pull_into(engine, second, both)
    # the merge: the duplicate redirects to the kept person, its cases follow
    first.upsert("person", merged, {"merged_into": str(kept)}, sites=[SITE])
    for case in cases[:2]:
        first.upsert("case", case, {"person_id": str(kept)}, sites=[SITE],
                     links=[RecordRef(entity="person", entity_id=kept)])
    second.upsert("case", cases[1], {"person_id": str(merged)}, sites=[SITE])   # a clash
    second.delete("case", cases[2], sites=[SITE])                               # tombstone
    push(engine, first, both)
    push(engine, second, both)
    pull_into(engine, second, both)
    conflict = next(iter(second.conflicts.values()))
    second.resolve(uuid.UUID(str(conflict.conflict_id)), str(kept), "same person, checked")
    push(engine, second, both)
    assert push_store.share_records(engine, "dev-1", {("person", str(shared))}, SITE) == 1
    refused = uuid.uuid4()
    op = Op(op_id=uuid.uuid4(), device_id="dev-1", device_seq=999, hlc=first.clock.now().encode(),
            user=first.user, schema_version=99, entity="case", entity_id=refused,
            kind=OpKind.UPSERT, sites=[SITE], fields={"n": "refused"})
    [result] = push_store.push_ops(engine, "dev-1", both, [op])
    assert result.status is OpStatus.REJECTED
    return refused, shared


def test_stored_bodies_make_the_pages_the_models_make(fresh_postgres: str) -> None:
    engine = make_engine(fresh_postgres)
    try:
        refused, shared = seed(engine)
        everything, _ = pages(engine, frozenset({SITE, OTHER}), 0, 2000)
        assert everything["conflicts"]
        assert not everything["has_more"]
        assert {r["entity"] for r in everything["records"]} >= {"staff", "site", "person",
                                                                 "case", "note"}
        assert any(r["deleted"] for r in everything["records"])
        for sites in ({SITE}, {OTHER}, {SITE, OTHER}, {ELSEWHERE}):
            for limit in (1, 2, 3, 7, 500):
                seen = walk(engine, frozenset(sites), limit)
                assert str(refused) not in seen
                assert (str(shared) in seen) == bool(sites & {SITE, OTHER})
                if sites == {ELSEWHERE}:              # the directory goes everywhere
                    assert seen
                    assert all(r["entity"] in {"staff", "site"}
                                        for r in everything["records"]
                                        if r["entity_id"] in seen)
        sent, built = pages(engine, frozenset({SITE}), 10_000, 10)     # a cursor from elsewhere
        assert sent == built
        assert sent["cursor_reset"]
    finally:
        engine.dispose()


def test_the_page_is_the_stored_body(fresh_postgres: str) -> None:
    """What leaves is `records.body`, not JSON built from the fields at pull time."""
    engine = make_engine(fresh_postgres)
    try:
        replica = MemoryReplica("dev-1")
        replica.upsert("case", uuid.uuid4(), {"n": 1}, sites=[SITE])
        push(engine, replica, frozenset({SITE}))
        with engine.begin() as conn:
            body = conn.execute(sa.select(t.records.c.body)).scalar_one()
            conn.execute(sa.update(t.records).values(
                body=body.replace('"n":1', '"n":"from the body"')))
        page = pull_store.pull_changes(engine, frozenset({SITE}), 0, 10, "hlc")
        assert page.records[0].fields == {"n": "from the body"}
    finally:
        engine.dispose()


def test_bodies_filled_in_by_the_migration_are_the_pushed_ones(fresh_postgres: str) -> None:
    spec = importlib.util.spec_from_file_location("record_body_migration", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    engine = make_engine(fresh_postgres)
    try:
        seed(engine)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(t.records)).mappings().all()
        assert rows
        for row in rows:
            assert json.loads(row["body"]) == json.loads(migration._body(
                row["entity"], row["entity_id"], row["fields"], row["meta"]))
    finally:
        engine.dispose()
