"""Pull pages fetched ahead, in order, while the pages before them are applied.

One thread of its own asks for the pages one after another (one request in flight at a
time, never more than ``depth`` pages waiting), each from where the page before it ended. The
caller takes them in that order; it may also take, at once, the pages that have already
arrived, to apply them together. A failed fetch is handed over in its place in the order:
the pages before it are taken first, the failure is raised where the caller would have
fetched that page itself.

The caller makes no request of its own while a read-ahead runs: it closes it first
(``close`` waits for a request under way to end; the fetch is handed an event that
``close`` sets, so a request being retried makes no further attempt).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from sync.protocol import PullResponse, stalls

_Item = PullResponse | BaseException


class ReadAhead:
    """Pages from ``cursor`` on; ``cursor`` is always where the next page taken starts."""

    def __init__(self, fetch: Callable[[int, threading.Event], PullResponse], cursor: int,
                 depth: int) -> None:
        if depth < 1:
            raise ValueError("a read-ahead holds at least one page")
        self.cursor = cursor
        self._depth = depth
        self._items: deque[_Item] = deque()
        self._ended = False           # the thread fetches nothing more
        self._stopping = False
        self._stop = threading.Event()   # for the fetch: stop retrying, nobody waits for it
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, args=(fetch, cursor),
                                        name="sync-page-ahead", daemon=True)
        self._thread.start()

    def _run(self, fetch: Callable[[int, threading.Event], PullResponse], cursor: int) -> None:
        try:
            while True:
                with self._changed:
                    self._changed.wait_for(
                        lambda: self._stopping or len(self._items) < self._depth)
                    if self._stopping:
                        return
                try:
                    page = fetch(cursor, self._stop)
                except BaseException as exc:   # handed to the caller in the page's place
                    self._put(exc)
                    return
                self._put(page)
                if page.cursor_reset or not page.has_more or stalls(page, cursor):
                    return   # the last page, or one the caller refuses or restarts from
                cursor = page.next_cursor
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def _put(self, item: _Item) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def take(self) -> PullResponse:
        """The next page, waiting for it; raises the failure that came in its place."""
        with self._changed:
            self._changed.wait_for(lambda: bool(self._items) or self._ended)
            if not self._items:   # pragma: no cover - the thread always leaves an item
                raise RuntimeError("the read-ahead ended without a page")
            item = self._items.popleft()
            self._changed.notify_all()
        if isinstance(item, BaseException):
            raise item
        self.cursor = item.next_cursor
        return item

    def ready(self) -> PullResponse | None:
        """The next page if it has already arrived (not taken), else None; None too when a
        failure comes next (``take`` raises it)."""
        with self._changed:
            item = self._items[0] if self._items else None
        return item if isinstance(item, PullResponse) else None

    def close(self) -> None:
        """Stop fetching; waits for a request under way to end. Pages not taken are
        dropped."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._stop.set()
        self._thread.join()
        self._items.clear()
