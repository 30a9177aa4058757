"""The app's garbage collection, for benchmarks of code the app runs (`--app-gc`).

The app switches Python's automatic collection off and collects on the GUI thread once a
second, each generation only when its threshold was crossed
(`ld_desktop/ui/gui_thread_gc.py`). A benchmark process left with automatic collection
pays for collections the app does not: in a first sync, a full collection every ~7 pages of
1,000 records (each page leaves ~6,000 tracked objects to the oldest generation while it
waits to be applied), run by whichever thread allocated, usually the one decoding the page
fetched ahead, and holding the interpreter lock meanwhile. Measured 30/11/2026: 14–17 µs a
record of the pull into the store (all threads), under 1 with this regime. This thread
stands in for the GUI thread's timer (it needs no Qt); the collections it runs are the
app's."""

from __future__ import annotations

import gc
import threading
import time

INTERVAL_S = 1.0   # ld_desktop.ui.gui_thread_gc.INTERVAL_MS


def start() -> None:
    """Automatic collection off for the rest of the process; a daemon thread collects."""
    threshold = gc.get_threshold()
    gc.disable()
    threading.Thread(target=_collect_when_due, args=(threshold,), name="app-gc",
                     daemon=True).start()


def _collect_when_due(threshold: tuple[int, int, int]) -> None:
    """`GuiThreadCollector.check`, once a second."""
    while True:
        time.sleep(INTERVAL_S)
        young, middle, old = gc.get_count()
        if young > threshold[0]:
            gc.collect(0)
            if middle > threshold[1]:
                gc.collect(1)
                if old > threshold[2]:
                    gc.collect(2)
