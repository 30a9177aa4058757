"""A screening draft's writes, off the GUI thread and in order.

The wizard asks for a write whenever an answer is given (text after a pause); each runs as
an :class:`~ld_desktop.ui.operations.Operation` owned by the wizard. Two writes may run on
two workers at once, so each writes the newest answers asked for, under one lock, and skips
if a later write already stored them: an older snapshot never lands after a newer one. The
work that ends the draft (complete, stop, discard) runs under the same lock, after any write
in flight, and no draft write runs after it has succeeded.

Leaving the case mid-write drops only the result, never the write. Before a lock the window
calls ``flush_drafts``, which writes with ``at_once``: the write starts at once on a thread of
its own rather than waiting in the pool's queue (which the lock clears), so the lock, which
waits for running work before the key goes, waits for it too.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtWidgets import QWidget

from ld_desktop.services.clinical.screenings import ScreeningService
from ld_desktop.ui.operations import Operation

T = TypeVar("T")


class DraftWriter:
    def __init__(self, owner: QWidget, screenings: ScreeningService,
                 screening_id: uuid.UUID, failed: Callable[[Exception], None]) -> None:
        self._owner = owner
        self._screenings = screenings
        self._id = screening_id
        self._failed = failed
        self._gate = threading.Lock()      # one write (or the ending) at a time
        self._latest: tuple[int, dict[str, Any], dict[str, Any]] | None = None
        self._asked = 0                    # GUI thread: the newest snapshot's number
        self._written = 0                  # workers, under the gate
        self._ended = False                # workers, under the gate

    def write(self, answers: dict[str, Any], flow: dict[str, Any], *,
              at_once: bool = False) -> Operation:
        self._asked += 1
        self._latest = (self._asked, dict(answers), dict(flow))   # one assignment: atomic
        return Operation(self._owner, self._write_latest,
                         doing="saving the screening's answers") \
            .failure(self._failed).run(at_once=at_once)

    def _write_latest(self) -> None:   # on a worker
        with self._gate:
            latest = self._latest
            if self._ended or latest is None or latest[0] <= self._written:
                return
            number, answers, flow = latest
            self._screenings.save_progress(self._id, answers, flow)
            self._written = number

    def ending(self, work: Callable[[], T]) -> Callable[[], T]:
        """``work`` (complete, stop or discard) to run after any write in flight; once it
        has succeeded no draft write runs."""
        def run() -> T:
            with self._gate:
                result = work()
                self._ended = True
                return result
        return run
