"""Background operations with owners (Anki's ``aqt/operations``: ``CollectionOp`` /
``QueryOp``). An :class:`Operation` runs a callable on a worker thread and calls ``success``
or ``failure`` back on the GUI thread, but only while its owner widget is alive and the
session has not been locked since it started; otherwise the result is dropped unseen.

A failure without a handler gets a default display: a calm message box over the owner and a
log line naming the exception's type and where it happened, never its message (which can
carry a name or an NHS number) - the same as :mod:`ld_desktop.ui.error_window`.

Operations run on their own thread pool and are counted, so the main window's lock can
cancel what is queued, wait for what is running (while the key is still there) and only then
drop the key: see :func:`settle_for_lock`.

An operation that swaps the store's key (a re-key: ``exclusive=True``) runs alone, as the
lock does: it waits for the operations already running, and any that start meanwhile wait
on their worker until the swap is done, then run with the new key (see :class:`KeySwapGate`).
Without it a load that ran mid-swap found no engine, or the old key, and its page fell back
to the default failure display.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ld_desktop.ui.error_window import where

log = logging.getLogger(__name__)

_pool: QThreadPool | None = None
_in_flight: set[Operation] = set()
_open_boxes: list[QMessageBox] = []   # default failure displays now showing
_at_once: list[tuple[threading.Thread, _Task]] = []   # see Operation.run(at_once=)


def pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(max(2, QThreadPool.globalInstance().maxThreadCount()))
    return _pool


def in_flight() -> int:
    """Operations started and not yet reported back (queued or running)."""
    return len(_in_flight)


def settle_for_lock() -> int:
    """Before the key goes: drop the queued operations, ask cancellable ones to stop, wait
    for the running ones to finish (they still need the key) and drop every result still on
    its way to the GUI thread. Returns how many operations were dropped."""
    dropped = len(_in_flight)
    pool().clear()
    for operation in list(_in_flight):
        operation.drop()
    pool().waitForDone()
    unseen: list[tuple[str, Exception]] = []
    for thread, task in _at_once:   # started at once: a Save pressed, a draft before the lock
        thread.join()
        waiting = _numbered.get(task.number)
        if task.failed is not None and waiting is not None:   # not yet reported: say so
            unseen.append((waiting._doing, task.failed))
    _at_once.clear()
    _in_flight.clear()   # their results, still queued for the GUI thread, are dropped
    _numbered.clear()    # (queued ones that never ran are released here, on the GUI thread)
    for doing, exc in unseen:   # a write that failed is never dropped silently
        show_failure(None, exc, doing)
    return dropped


class KeySwapGate:
    """Operations share the store; a key swap takes it alone. A swap waits for the
    operations running and stops new ones from starting (they wait on their worker, never
    the GUI thread) until it is done; a swap asked for is served before any operation that
    starts after the ask, so a stream of loads cannot hold a re-key off for ever."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0        # ordinary operations in their work
        self._swapping = False
        self._swaps_waiting = 0

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._changed:
            while self._swapping or self._swaps_waiting:
                self._changed.wait()
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    @contextlib.contextmanager
    def alone(self) -> Iterator[None]:
        with self._changed:
            self._swaps_waiting += 1
            while self._swapping or self._running:
                self._changed.wait()
            self._swaps_waiting -= 1
            self._swapping = True
        try:
            yield
        finally:
            with self._changed:
                self._swapping = False
                self._changed.notify_all()

    def swapping(self) -> bool:
        with self._changed:
            return self._swapping or bool(self._swaps_waiting)


key_swap = KeySwapGate()


class _Bridge(QObject):
    """The one relay from worker threads to the GUI thread: (operation number, outcome).
    It is made once, on the GUI thread, and never deleted. A QObject per operation was
    released from whichever thread let go of it last, sometimes the worker's, or from
    inside its own signal, and that crashed the process ("Segmentation fault" in
    test_operations under load)."""
    done = Signal(int, object)
    failed = Signal(int, object)


_relay: _Bridge | None = None
_numbered: dict[int, Operation] = {}   # GUI thread only
_next_number = 0


def _bridge() -> _Bridge:
    global _relay
    if _relay is None:
        _relay = _Bridge()
        _relay.done.connect(lambda number, value: _deliver(number, value, failed=False))
        _relay.failed.connect(lambda number, exc: _deliver(number, exc, failed=True))
    return _relay


def _deliver(number: int, outcome: Any, *, failed: bool) -> None:
    operation = _numbered.pop(number, None)
    if operation is None:
        return
    if failed:
        operation._on_failed(outcome)
    else:
        operation._on_done(outcome)


class _Task(QRunnable):
    """Holds only the work and a number: the :class:`Operation` (its owner and callbacks,
    which may hold widgets) stays on the GUI thread, and the worker lets go of the work
    before it reports, so nothing Qt-owned is ever released on a worker thread."""

    def __init__(self, work: Callable[[], Any], number: int, relay: _Bridge, *,
                 exclusive: bool = False) -> None:
        super().__init__()
        self._work: Callable[[], Any] | None = work
        self.number = number
        self._relay = relay
        self.failed: Exception | None = None   # read by the lock once the thread is joined
        self._exclusive = exclusive

    def run(self) -> None:
        work, self._work = self._work, None
        assert work is not None
        try:
            with key_swap.alone() if self._exclusive else key_swap.shared():
                result = work()
        except Exception as exc:  # handed to the failure callback on the GUI thread
            del work
            self.failed = exc
            self._relay.failed.emit(self.number, exc)
        else:
            del work
            self._relay.done.emit(self.number, result)


def show_failure(owner: QWidget | None, exc: BaseException, doing: str = "") -> None:
    """The default display of a failed operation: logged by type and place, shown calmly."""
    log.error("operation %sfailed: %s\n%s", f"({doing}) " if doing else "",
              type(exc).__name__, where(exc.__traceback__))
    parent = owner if owner is not None and shiboken6.isValid(owner) else None
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("L&D Desktop: that did not finish")
    what = f"{doing[:1].upper()}{doing[1:]} did not finish" if doing else "That did not finish"
    box.setText(f"{what} ({type(exc).__name__}). Anything you had saved is safe; check it "
                "and try again. The problem has been recorded without any personal details.")
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    _open_boxes.append(box)
    box.finished.connect(lambda _result: _open_boxes.remove(box))
    QTimer.singleShot(0, box.open)   # from the event loop, not inside the failing callback


class Operation:
    """``Operation(owner, work).success(cb).failure(cb).run()``. ``owner`` is the widget
    the result is for (``None`` only for work outside any session window); ``doing`` names
    the work for the default failure display ("loading the caseload")."""

    def __init__(self, owner: QObject | None, work: Callable[[], Any], *,
                 doing: str = "", cancel: Callable[[], None] | None = None,
                 exclusive: bool = False) -> None:
        self._owner = owner
        self._exclusive = exclusive   # swaps the store's key: runs alone (KeySwapGate)
        self._work = work
        self._doing = doing
        self._cancel = cancel
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[Exception], None] | None = None
        self._dropped = False

    def success(self, handler: Callable[[Any], None]) -> Operation:
        self._success = handler
        return self

    def failure(self, handler: Callable[[Exception], None]) -> Operation:
        self._failure = handler
        return self

    def run(self, *, at_once: bool = False) -> Operation:
        """Start the work. With ``at_once`` it starts now on a thread of its own, never
        waiting in the pool's queue, which :func:`settle_for_lock` clears (even a pool
        thread that is free is handed its task through that queue, so the pool cannot
        promise it); the lock joins these threads. Every write the person asked for uses
        it (a Save, a decision), and so does a page's ``flush_drafts``: what was pressed or
        typed before a lock is always written before the key goes."""
        global _next_number
        relay = _bridge()
        _next_number += 1
        _numbered[_next_number] = self
        _in_flight.add(self)
        if self._owner is not None:
            self._owner.destroyed.connect(lambda *_: self.drop())
        task = _Task(self._work, _next_number, relay, exclusive=self._exclusive)
        if at_once:
            thread = threading.Thread(target=task.run, name="ld-operation-at-once",
                                      daemon=True)
            _at_once[:] = [(t, k) for t, k in _at_once if t.is_alive()]   # finished: let go
            _at_once.append((thread, task))   # released on the GUI thread, once finished
            thread.start()
        else:
            pool().start(task)
        return self

    def drop(self) -> None:
        """The result is no longer wanted: it will not be handed to anyone."""
        if not self._dropped:
            self._dropped = True
            if self._cancel is not None:
                self._cancel()

    @property
    def dropped(self) -> bool:
        return self._dropped

    def _owner_gone(self) -> bool:
        return self._owner is not None and not shiboken6.isValid(self._owner)

    def _finish(self) -> bool:
        """Leave the in-flight set; whether the result is still wanted."""
        _in_flight.discard(self)
        return not (self._dropped or self._owner_gone())

    def _on_done(self, value: Any) -> None:
        if self._finish() and self._success is not None:
            self._success(value)

    def _on_failed(self, exc: Exception) -> None:
        if not self._finish():
            return
        if self._failure is not None:
            self._failure(exc)
        else:
            owner = self._owner if isinstance(self._owner, QWidget) else None
            show_failure(owner, exc, self._doing)


def run_in_background(work: Callable[[], Any], success: Callable[[Any], None],
                      failure: Callable[[Exception], None], *,
                      owner: QObject | None = None,
                      cancel: Callable[[], None] | None = None) -> Operation:
    """The older call form, kept for its callers: an :class:`Operation` with both handlers."""
    return Operation(owner, work, cancel=cancel).success(success).failure(failure).run()


class LatestOnly:
    """Background work where only the newest request matters (search as you type): the
    result of an older request that finishes late is dropped, as is any result arriving
    after ``cancel`` (the page went away or the session locked)."""

    def __init__(self, owner: QObject | None = None) -> None:
        self._owner = owner
        self._current: Operation | None = None

    def run(self, work: Callable[[], Any], success: Callable[[Any], None],
            failure: Callable[[Exception], None] | None = None, *, doing: str = "") -> None:
        self.cancel()
        operation = Operation(self._owner, work, doing=doing).success(success)
        if failure is not None:
            operation.failure(failure)
        self._current = operation.run()

    def cancel(self) -> None:
        if self._current is not None:
            self._current.drop()
            self._current = None

    def running(self) -> bool:
        """The newest request has not reported back yet (and was not cancelled)."""
        return self._current is not None and self._current in _in_flight


class Debounce:
    """Call ``action`` once, ``interval_ms`` after the last of a run of ``trigger()`` calls
    (search as you type, draft autosave). Owned by ``parent``, so it stops with it."""

    def __init__(self, parent: QObject, interval_ms: int, action: Callable[[], None]) -> None:
        self._action = action
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(action)

    def trigger(self, *_ignored: object) -> None:
        self._timer.start()

    def flush(self) -> None:
        """Run a pending action now (before a lock or close); nothing if none is pending."""
        if self._timer.isActive():
            self._timer.stop()
            self._action()

    def stop(self) -> None:
        self._timer.stop()

    def is_pending(self) -> bool:
        return self._timer.isActive()


class SaveLatest:
    """Saves of something that changes as it is typed (a draft), as operations owned by
    ``owner``. Each save writes the newest value given so far, and the saves are one at a
    time, so an older save finishing last can never overwrite a newer one. ``settle`` writes
    the newest value before a lock: :func:`settle_for_lock` drops queued work and the key
    goes straight after, so a save merely queued would be lost; ``settle`` runs it at once on
    its own thread and waits for it (the GUI thread waits for the lock's work anyway)."""

    def __init__(self, owner: QObject, write: Callable[[Any], None], *, doing: str) -> None:
        self._owner = owner
        self._write = write
        self._doing = doing
        self._guard = threading.Lock()     # held while a save writes (slow: the store)
        self._offered = threading.Lock()   # the newest value and its number (never slow)
        self._newest: Any = None
        self._version = 0
        self._written = 0

    def save(self, value: Any) -> None:
        self._offer(value)
        Operation(self._owner, self._write_newest, doing=self._doing).run()

    def settle(self, value: Any) -> None:
        """Write ``value`` now, off the GUI thread, and wait for it (before a lock)."""
        self._offer(value)
        failed: list[BaseException] = []

        def write() -> None:
            try:
                self._write_newest()
            except Exception as exc:   # shown on the GUI thread below
                failed.append(exc)

        worker = threading.Thread(target=write, name="save-before-lock")
        worker.start()
        worker.join()
        if failed:
            show_failure(None, failed[0], self._doing)

    def written(self) -> None:
        """What was offered so far is saved elsewhere (or no longer wanted, e.g. handed
        over): saves still queued write nothing. Call on a worker inside ``holding``."""
        with self._offered:
            self._written = self._version

    def holding(self) -> threading.Lock:
        """Held while a save writes: work that must not interleave with one takes it."""
        return self._guard

    def _offer(self, value: Any) -> None:
        """On the GUI thread, as typed: never waits for a save that is writing (the window
        froze until the record's own save committed when this took ``_guard``)."""
        with self._offered:
            self._newest = value
            self._version += 1

    def _write_newest(self) -> None:
        with self._guard:
            with self._offered:
                if self._written == self._version:
                    return   # nothing newer than what was written
                version, value = self._version, self._newest
            self._write(value)
            with self._offered:
                self._written = max(self._written, version)


def then_drop_draft(work: Callable[[], Any], saver: SaveLatest, drop: Callable[[], None],
                    committed: list[bool]) -> Callable[[], Any]:
    """``work`` (a record's save), then its draft dropped by ``drop``, on the same worker and
    holding ``saver`` so no draft write interleaves or writes it back. Once ``work`` has
    committed the save has happened: a draft that cannot be dropped is logged, not reported
    as a failed save (which would invite a second Save of the same record)."""
    def run() -> Any:
        with saver.holding():
            value = work()
            committed[0] = True
            try:
                drop()
            except Exception as exc:
                log.warning("a saved record's draft could not be dropped: %s",
                            type(exc).__name__)
            saver.written()
        return value
    return run
