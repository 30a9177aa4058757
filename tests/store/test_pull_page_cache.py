"""A pull's apply runs with the wide page cache and gives the connection its own size back
before it commits (issue 17): a first sync's inserts into indexes with random keys otherwise
read index pages back from the file, decrypting each, and spill pages to be written again
before the commit; and no sync may leave a pooled connection holding 128 MB, whichever
connections of the (FIFO) pool its applies land on (`store/page_cache.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from ld_desktop.services.session import UserSession
from ld_desktop.store.page_cache import WIDE_CACHE_MIB
from ld_desktop.store.replica import StoreReplica
from sync.protocol import PullResponse

from .test_pull_batch import HLC, person

WIDE = -WIDE_CACHE_MIB * 1024
OWN = -3000   # not sqlcipher3's default (-8000): the size given back is the connection's own


def cache_size(connection: Any) -> int:
    return int(connection.execute("PRAGMA cache_size").fetchone()[0])


def page(site: uuid.UUID, seq: int, *, more: bool = False) -> PullResponse:
    return PullResponse(records=[person(uuid.uuid4(), seq, site, "Wide", "Cache")],
                        conflicts=[], next_cursor=seq, has_more=more, server_hlc=HLC)


@pytest.fixture
def seen(prac: UserSession) -> Iterator[list[tuple[Any, int]]]:
    """Every connection checked out starts at ``OWN``; each person INSERT's DB-API
    connection is noted with its cache size at that moment."""
    noted: list[tuple[Any, int]] = []

    def at_checkout(dbapi_connection: Any, *_args: Any) -> None:
        dbapi_connection.execute(f"PRAGMA cache_size = {OWN}")

    def before(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO person "):
            noted.append((cursor.connection, cache_size(cursor.connection)))

    engine = prac.store.engine
    event.listen(engine, "checkout", at_checkout)
    event.listen(engine, "before_cursor_execute", before)
    yield noted
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "checkout", at_checkout)


def test_the_apply_is_wide_and_the_connection_gets_its_own_back(
        prac: UserSession, seen: list[tuple[Any, int]]) -> None:
    StoreReplica(prac.store, "dev", prac.user.username).apply_pull(page(prac.site_ids[0], 1))
    [(connection, during)] = seen
    assert during == WIDE
    assert cache_size(connection) == OWN   # back in the pool as it was checked out


def test_a_failed_apply_gives_the_connection_its_own_back(
        prac: UserSession, seen: list[tuple[Any, int]]) -> None:
    replica = StoreReplica(prac.store, "dev", prac.user.username)
    replica.apply_pull(page(prac.site_ids[0], 5))
    with pytest.raises(ValueError, match="backwards"):   # the cursor may not move back ...
        replica.apply_pull(page(prac.site_ids[0], 0))
    assert [during for _, during in seen] == [WIDE] * 2
    assert all(cache_size(connection) == OWN for connection, _ in seen)
    assert replica.cursor() == 5   # ... and nothing of that page stayed


def test_no_connection_stays_wide_whichever_the_applies_land_on(
        prac: UserSession, seen: list[tuple[Any, int]]) -> None:
    """The UI and the sync thread once held three connections at once; a pull of seven
    pages then reads the cursor before each apply, as the sync client does, and the FIFO
    pool hands its applies from one connection to the next."""
    held = [prac.store.engine.raw_connection() for _ in range(3)]
    for connection in held:
        connection.close()   # back to the pool, idle
    replica = StoreReplica(prac.store, "dev", prac.user.username)
    for seq in range(1, 8):
        replica.cursor()
        replica.apply_pull(page(prac.site_ids[0], seq, more=seq < 7))
    used = {id(connection): connection for connection, _ in seen}
    assert len(used) > 1   # the applies did move between connections
    assert [during for _, during in seen] == [WIDE] * 7
    assert all(cache_size(connection) == OWN for connection in used.values())
