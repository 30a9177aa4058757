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
  one apply and gives the connection its own size back before the commit; the pages the
  commit makes clean are then freed down to that size, so no apply leaves a pooled
  connection holding more. (Keeping it wide while more pages follow gained nothing
  measurable end to end, and the pool is FIFO: the applies of one pull move from one
  connection to the next, and any not given back would stay wide.)

Memory only: up to ``WIDE_CACHE_MIB`` for a connection while it is wide.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ld_desktop.store import prepared

log = logging.getLogger(__name__)
WIDE_CACHE_MIB = 128
_WIDE = f"PRAGMA cache_size = -{WIDE_CACHE_MIB * 1024}"


def widen_page_cache(db: Session) -> None:
    """Give the session's (pooled) connection a cache of ``WIDE_CACHE_MIB``, and leave it."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text(_WIDE))


@contextmanager
def wide_page_cache(db: Session) -> Iterator[None]:
    """A cache of ``WIDE_CACHE_MIB`` for the rest of the session's transaction, up to the end
    of the block; then the connection's own size again, whether the block ended well or not
    (set on the DB-API connection, which a failed flush does not make unusable). Where the
    block failed, its error is the one raised; a failure to give the size back is logged."""
    if db.get_bind().dialect.name != "sqlite":
        yield
        return
    connection, dialect = prepared.driver(db), prepared.dialect_of(db)
    own = int(prepared.run(connection, dialect, "PRAGMA cache_size", ()).fetchone()[0])
    prepared.run(connection, dialect, _WIDE, ())
    give_back = f"PRAGMA cache_size = {own}"
    try:
        yield
    except BaseException:
        try:
            prepared.run(connection, dialect, give_back, ())
        except SQLAlchemyError as exc:   # the apply's own error is the one to report
            log.warning("a connection's page cache size was not given back: %s",
                        type(exc).__name__)
        raise
    prepared.run(connection, dialect, give_back, ())
