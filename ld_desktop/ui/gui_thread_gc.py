"""Python's cyclic garbage collector runs on whichever thread happens to allocate when a
threshold is crossed: with list queries, unlocking and syncs on worker threads, that can be a
worker freeing Qt objects that belong to the GUI thread, which crashes (seen once in the test
suite, and at interpreter exit). So, as pyqtgraph's GarbageCollector does, automatic
collection is switched off and a timer on the GUI thread collects instead."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Back to automatic collection (after a last collection here)."""
        self._timer.stop()
        gc.collect()
        gc.enable()

    def check(self) -> None:
        """Collect the generations whose thresholds have been crossed, youngest first."""
        young, middle, old = gc.get_count()
        if young > self.threshold[0]:
            gc.collect(0)
            if middle > self.threshold[1]:
                gc.collect(1)
                if old > self.threshold[2]:
                    gc.collect(2)
