"""A pull's apply runs with the wide page cache, keeps it while more pages follow, and the
pull's last page gives the connection its own back (issue 17): a first sync's inserts into
indexes with random keys otherwise read index pages back from the file, decrypting each,
and spill pages to be written again before the commit; a routine sync must not leave a
pooled connection holding 128 MB (`store/page_cache.py`)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import event

from ld_desktop.services.session import UserSession
from ld_desktop.store.page_cache import WIDE_CACHE_MIB
from ld_desktop.store.replica import StoreReplica
from sync.protocol import PullResponse

from .test_pull_batch import HLC, person

OWN = -8000   # sqlcipher3's default, as every store connection opens


def cache_size(connection: Any) -> int:
    return int(connection.execute("PRAGMA cache_size").fetchone()[0])


def page(site: uuid.UUID, seq: int = 1, *, more: bool = False) -> PullResponse:
    return PullResponse(records=[person(uuid.uuid4(), seq, site, "Wide", "Cache")],
                        conflicts=[], next_cursor=seq, has_more=more, server_hlc=HLC)


def watch_inserts(engine: Any, seen: list[tuple[Any, int]]) -> Any:
    """Note each person INSERT's DB-API connection and its cache size at that moment."""
    def before(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO person "):
            seen.append((cursor.connection, cache_size(cursor.connection)))
    event.listen(engine, "before_cursor_execute", before)
    return before


def test_the_apply_is_wide_and_the_connection_gets_its_own_back(prac: UserSession) -> None:
    replica = StoreReplica(prac.store, "dev", prac.user.username)
    seen: list[tuple[Any, int]] = []
    listener = watch_inserts(prac.store.engine, seen)
    try:
        replica.apply_pull(page(prac.site_ids[0]))
    finally:
        event.remove(prac.store.engine, "before_cursor_execute", listener)
    [(connection, during)] = seen
    assert during == -WIDE_CACHE_MIB * 1024
    assert cache_size(connection) == OWN   # back in the pool as it opened


def test_a_failed_apply_gives_the_connection_its_own_back(prac: UserSession) -> None:
    replica = StoreReplica(prac.store, "dev", prac.user.username)
    seen: list[tuple[Any, int]] = []
    listener = watch_inserts(prac.store.engine, seen)
    backwards = page(prac.site_ids[0], seq=0)   # the cursor may not move backwards ...
    replica.apply_pull(page(prac.site_ids[0], seq=5))
    try:
        with pytest.raises(ValueError, match="backwards"):
            replica.apply_pull(backwards)
    finally:
        event.remove(prac.store.engine, "before_cursor_execute", listener)
    assert [during for _, during in seen] == [-WIDE_CACHE_MIB * 1024] * 2
    assert all(cache_size(connection) == OWN for connection, _ in seen)
    assert replica.cursor() == 5   # ... and nothing of that page stayed


def test_the_cache_stays_wide_while_pages_follow(prac: UserSession) -> None:
    replica = StoreReplica(prac.store, "dev", prac.user.username)
    seen: list[tuple[Any, int]] = []
    listener = watch_inserts(prac.store.engine, seen)
    try:
        replica.apply_pull(page(prac.site_ids[0], 1, more=True))
        [(first, _)] = seen
        assert cache_size(first) == -WIDE_CACHE_MIB * 1024   # the next apply finds it warm
        replica.apply_pull(page(prac.site_ids[0], 2, more=True))
        replica.apply_pull(page(prac.site_ids[0], 3))   # the last page
    finally:
        event.remove(prac.store.engine, "before_cursor_execute", listener)
    assert [during for _, during in seen] == [-WIDE_CACHE_MIB * 1024] * 3
    last = seen[-1][0]
    assert cache_size(last) == OWN   # its own size, not the wide size it had meanwhile
