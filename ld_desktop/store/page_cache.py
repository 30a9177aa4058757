"""A connection's page cache, widened for work that revisits many pages.

Every SQLCipher page read is decrypted and HMAC-checked, and every page written is encrypted
again at commit, so a page kept in the cache is worth far more than in plain SQLite. The
default cache (8 MB) is too small for two kinds of work:

* a report, which revisits the same month's pages for each figure and again next time
  (315 ms cold, 63 ms warm for one figure at 100k cases): ``widen_page_cache`` leaves the
  pooled connection's cache wide, to be warm next time;
* a pull's apply (issue 17: a new workstation's first sync), which inserts into indexes
  whose keys are random (the people search index's rowids, a case's referral time). With
  the default cache, each insert late in a large first sync read an index page back from
  the file and decrypted it, and dirty pages were spilled and written again before the
  commit (docs/sync.md, "A wider page cache for a pull"). ``wide_page_cache`` widens it for
  the apply and keeps it wide while more pages of the same pull follow (the next apply
  finds the index pages it needs still there); the pull's last page gives the connection
  its own size back before the commit, and the pages the commit makes clean are then
  freed down to that size, so a routine sync leaves no pooled connection holding more.

Memory only: up to ``WIDE_CACHE_MIB`` for a connection while it is wide.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from ld_desktop.store import prepared

WIDE_CACHE_MIB = 128
_WIDE = f"PRAGMA cache_size = -{WIDE_CACHE_MIB * 1024}"
_OWN = "own_page_cache_size"   # in the connection's info while a pull keeps it wide


def widen_page_cache(db: Session) -> None:
    """Give the session's (pooled) connection a cache of ``WIDE_CACHE_MIB``, and leave it."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text(_WIDE))


@contextmanager
def wide_page_cache(db: Session, *, keep: bool = False) -> Iterator[None]:
    """A cache of ``WIDE_CACHE_MIB`` for the rest of the session's transaction, up to the end
    of the block; then, unless ``keep``, the connection's own size again (the size it had
    before the first block that widened it), whether the block ended well or not: set on
    the DB-API connection, which a failed flush does not make unusable."""
    if db.get_bind().dialect.name != "sqlite":
        yield
        return
    info = db.connection().info   # the pooled connection's own, across checkouts
    connection = prepared.driver(db)
    if _OWN not in info:
        info[_OWN] = int(connection.execute("PRAGMA cache_size").fetchone()[0])
    connection.execute(_WIDE)
    try:
        yield
    finally:
        if not keep:
            connection.execute(f"PRAGMA cache_size = {info.pop(_OWN)}")
