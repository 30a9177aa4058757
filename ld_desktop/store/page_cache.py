"""A pooled connection's page cache, widened for the work that revisits many pages.

Every SQLCipher page read is decrypted and HMAC-checked, and every page written is encrypted
again at commit, so a page kept in the cache is worth far more than in plain SQLite. The
default cache (8 MB) is too small for two kinds of work:

* a report, which revisits the same month's pages for each figure and again next time
  (315 ms cold, 63 ms warm for one figure at 100k cases);
* a pull's apply (issue 17: a new workstation's first sync), which inserts into indexes
  whose keys are random (the people search index's rowids, a case's referral time): with
  the default cache each insert late in a large first sync read an index page back from
  the file and decrypted it, and pages were spilled and written more than once a
  transaction (docs/sync.md, "A wider page cache for a pull").

Memory only, up to ``WIDE_CACHE_MIB`` for each pooled connection that was widened; the cache
goes with the connection when the store locks.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

WIDE_CACHE_MIB = 128


def widen_page_cache(db: Session) -> None:
    """Give the session's (pooled) connection a page cache of ``WIDE_CACHE_MIB``."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text(f"PRAGMA cache_size = -{WIDE_CACHE_MIB * 1024}"))
