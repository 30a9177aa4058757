"""A pull page walks its sites' records in order through `record_scope.record_seq` (migration
0008, issue 17): every scope row carries its record's own number, 0 while only a link gave
the scope, on both backends, after every kind of write (new records, edits, clashes and
decisions, links to records not yet on the server and their creation, shares after a
lookup, tombstones); and a new workstation's pages, read through that index, are the pages
the protocol's models build, page after page, for a site whose records outnumber a page
many times over."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_harness import push
from test_pull_stored_bodies import OTHER, SITE, seed, walk

from sync.memory_replica import MemoryReplica
from sync.protocol import RecordRef
from sync.server import ServerSettings
from sync.server import schema as t
from sync.server.database import make_engine, migrate


def _link_before_create(engine: sa.Engine) -> uuid.UUID:
    """A case linking a person the server has not seen: the person's scope comes first,
    from the link; then the person is pushed."""
    replica = MemoryReplica("dev-links")
    person = uuid.uuid4()
    replica.upsert("case", uuid.uuid4(), {"n": 1}, sites=[SITE],
                   links=[RecordRef(entity="person", entity_id=person)])
    push(engine, replica, frozenset({SITE}))
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.record_scope.c.record_seq).where(
            t.record_scope.c.entity_id == str(person))).scalars().all() == [0]
    replica.upsert("person", person, {"name": "Later"}, sites=[SITE])
    push(engine, replica, frozenset({SITE}))
    return person


def _mismatches(engine: sa.Engine) -> list[tuple[str, str, str, int, int]]:
    """Scope rows whose record_seq is not their record's number (0 without a record)."""
    scope, records = t.record_scope, t.records
    query = (sa.select(scope.c.entity, scope.c.entity_id, scope.c.site_id, scope.c.record_seq,
                       sa.func.coalesce(records.c.seq, 0))
             .select_from(scope.outerjoin(records, sa.and_(
                 records.c.entity == scope.c.entity, records.c.entity_id == scope.c.entity_id)))
             .where(scope.c.record_seq != sa.func.coalesce(records.c.seq, 0)))
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        url = ServerSettings.for_data_dir(tmp_path / "server").database_url
        made = make_engine(url)
        migrate(made)
        return made
    return make_engine(request.getfixturevalue("fresh_postgres"))


def test_every_scope_row_carries_its_records_number(engine: sa.Engine) -> None:
    try:
        seed(engine)
        person = _link_before_create(engine)
        with engine.connect() as conn:
            numbers = conn.execute(sa.select(t.record_scope.c.record_seq).where(
                t.record_scope.c.entity_id == str(person))).scalars().all()
            assert numbers
            assert 0 not in numbers
            assert conn.execute(sa.select(sa.func.count()).select_from(t.conflicts)
                                ).scalar_one()
        assert _mismatches(engine) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_first_sync_walks_a_large_site_page_by_page(fresh_postgres: str) -> None:
    """300 records at one site, 120 at another and edits of the first ones later: a new
    workstation at each site set, pages of 7 and of 50, every page as the models make it,
    every record of its sites once per number it had."""
    engine = make_engine(fresh_postgres)
    try:
        here, there = MemoryReplica("dev-here"), MemoryReplica("dev-there")
        ids = [uuid.uuid4() for _ in range(300)]
        for n, record_id in enumerate(ids):
            here.upsert("case", record_id, {"n": n}, sites=[SITE])
        for n in range(120):
            there.upsert("case", uuid.uuid4(), {"n": n}, sites=[OTHER])
        push(engine, here, frozenset({SITE}))
        push(engine, there, frozenset({OTHER}))
        for record_id in ids[:40]:                        # renumbered: seen at the end
            here.upsert("case", record_id, {"n": -1}, sites=[SITE])
        push(engine, here, frozenset({SITE}))
        for sites, expected in (({SITE}, 300), ({OTHER}, 120), ({SITE, OTHER}, 420)):
            for limit in (7, 50):
                seen = walk(engine, frozenset(sites), limit)
                assert len(seen) == len(set(seen)) == expected
    finally:
        engine.dispose()


def _set_record_seq(engine: sa.Engine, record_id: uuid.UUID, number: int) -> None:
    """A scope row whose record_seq is not its record's number: what a write that forgot
    the scope, or a hand-mended database, would leave."""
    with engine.begin() as conn:
        conn.execute(sa.update(t.record_scope).where(
            t.record_scope.c.entity_id == str(record_id)).values(record_seq=number))


def _number(engine: sa.Engine, record_id: uuid.UUID) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(t.records.c.seq).where(
            t.records.c.entity_id == str(record_id))).scalar_one())


@pytest.mark.postgres
@pytest.mark.expect_log   # the mended scope rows are logged
def test_a_scope_row_with_a_wrong_number_neither_hides_nor_shows_a_record(
        fresh_postgres: str, caplog: pytest.LogCaptureFixture) -> None:
    """The page trusts record_seq to choose its records. A scope row whose number is no
    record's (its record was renumbered without it) or another record's (one at a site the
    device does not have) is noticed when the page would choose it: that page is built
    from the records' own numbers and the scope rows are mended, so every page shows every
    record of the device's sites once, and nothing of another site's."""
    engine = make_engine(fresh_postgres)
    try:
        here, there = MemoryReplica("dev-here"), MemoryReplica("dev-there")
        elsewhere = uuid.uuid4()
        there.upsert("case", elsewhere, {"n": "other site"}, sites=[OTHER])
        push(engine, there, frozenset({OTHER}))
        ids = [uuid.uuid4() for _ in range(12)]
        for n, record_id in enumerate(ids):
            here.upsert("case", record_id, {"n": n}, sites=[SITE])
        push(engine, here, frozenset({SITE}))
        assert sorted(walk(engine, frozenset({SITE}), 5)) == sorted(map(str, ids))
        assert not [r for r in caplog.records if "record_seq" in r.getMessage()]
        renumbered = ids[3]
        before = _number(engine, renumbered)
        here.upsert("case", renumbered, {"n": "edited"}, sites=[SITE])
        push(engine, here, frozenset({SITE}))
        for limit in (1, 2, 5, 50):
            _set_record_seq(engine, renumbered, before)                 # no record has it
            _set_record_seq(engine, ids[7], _number(engine, elsewhere))  # another site's
            seen = walk(engine, frozenset({SITE}), limit)
            assert sorted(seen) == sorted(map(str, ids))
            assert str(elsewhere) not in seen
            assert _mismatches(engine) == []
        assert [r for r in caplog.records if "2 scope rows were mended" in r.getMessage()]
    finally:
        engine.dispose()
