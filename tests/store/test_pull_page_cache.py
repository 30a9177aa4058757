"""A pull's apply runs with the wide page cache (issue 17): a first sync's inserts into
indexes with random keys otherwise read index pages back from the file, decrypting each,
and spill pages to be written again before the commit (`store/page_cache.py`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event

from ld_desktop.services.session import UserSession
from ld_desktop.store.page_cache import WIDE_CACHE_MIB
from ld_desktop.store.replica import StoreReplica
from sync.protocol import PullResponse

from .test_pull_batch import HLC, person


def test_the_pull_commits_with_the_wide_cache(prac: UserSession) -> None:
    seen: list[int] = []

    def at_commit(connection: Any) -> None:   # the connection that applied the page
        seen.append(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())

    replica = StoreReplica(prac.store, "dev", prac.user.username)
    page = PullResponse(records=[person(uuid.uuid4(), 1, prac.site_ids[0], "Wide", "Cache")],
                        conflicts=[], next_cursor=1, has_more=False, server_hlc=HLC)
    event.listen(prac.store.engine, "commit", at_commit)
    try:
        replica.apply_pull(page)
    finally:
        event.remove(prac.store.engine, "commit", at_commit)
    assert seen == [-WIDE_CACHE_MIB * 1024]
