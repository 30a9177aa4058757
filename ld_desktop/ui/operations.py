"""Background operations (Anki's ``aqt/operations`` idea): run a callable off the GUI thread
and call ``success`` or ``failure`` back on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)
_alive: set[_Bridge] = set()


class _Bridge(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self._work = work
        self._bridge = bridge

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # handed to the failure callback on the GUI thread
            self._bridge.failed.emit(exc)
        else:
            self._bridge.done.emit(result)


def run_in_background(work: Callable[[], Any], success: Callable[[Any], None],
                      failure: Callable[[Exception], None]) -> None:
    bridge = _Bridge()
    _alive.add(bridge)

    def finish(handler: Callable[[Any], None], value: Any) -> None:
        _alive.discard(bridge)
        handler(value)

    bridge.done.connect(lambda value: finish(success, value))
    bridge.failed.connect(lambda exc: finish(failure, exc))
    QThreadPool.globalInstance().start(_Task(work, bridge))


class LatestOnly:
    """Background work where only the newest request matters (search as you type): the
    result of an older request that finishes late is dropped, as is any result arriving
    after ``cancel`` (the page went away or the session locked)."""

    def __init__(self) -> None:
        self._generation = 0

    def run(self, work: Callable[[], Any], success: Callable[[Any], None],
            failure: Callable[[Exception], None]) -> None:
        self._generation += 1
        mine = self._generation

        def if_current(handler: Callable[[Any], None]) -> Callable[[Any], None]:
            return lambda value: handler(value) if mine == self._generation else None

        run_in_background(work, if_current(success), if_current(failure))

    def cancel(self) -> None:
        self._generation += 1
