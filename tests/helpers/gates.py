"""Background work held at a gate: a slowed service waits on its worker thread until the test
opens the gate, so what the window shows meanwhile is decided by the code, not by how fast
this machine is or how long a sleep lasted (a sleep made these tests flaky under load and
slow when idle).

A lock waits for the work that is running, so a held gate opens by itself at the moment the
lock starts waiting: for a form's draft (``SaveLatest.settle``, which waits for a save in
progress) or for the pool (``operations.settle_for_lock``). The work is still held then, and
``opened_by_lock`` says so. ``tests/ui/conftest.py`` offers a :class:`Gate` as the ``gate``
fixture, opened at the end of the test whatever happened, and failing the test if work
waited out ``GATE_S`` (something waited for it with the gate shut, a hidden sleep).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from ld_desktop.ui import operations

GATE_S = 10.0   # held longer than this, the work goes on (the test fails on what it sees)


class Gate:
    def __init__(self) -> None:
        self.entered = threading.Event()        # some work is waiting at the gate
        self.opened_by_lock = threading.Event()  # the lock was waiting for the pool then
        self.held_on: list[threading.Thread] = []
        self.timed_out = False
        self._open = threading.Event()

    def hold(self) -> None:
        """Called by the held work: wait here until the test (or a lock) opens the gate.
        Never blocks the GUI thread: work held there is seen in ``held_on`` instead."""
        self.held_on.append(threading.current_thread())
        self.entered.set()
        if threading.current_thread() is not threading.main_thread() \
                and not self._open.wait(GATE_S):
            self.timed_out = True

    def open(self) -> None:
        self._open.set()

    def is_open(self) -> bool:
        return self._open.is_set()

    def on_worker(self) -> bool:
        """Every held call ran off the GUI thread."""
        return bool(self.held_on) and threading.main_thread() not in self.held_on

    def hold_calls(self, monkeypatch: pytest.MonkeyPatch, owner: type, name: str, *,
                   only: Callable[..., bool] | None = None) -> list[tuple[Any, ...]]:
        """From now on ``owner.name`` waits at this gate before it runs (only the calls for
        which ``only(*args, **kwargs)`` is true, if given); returns the arguments of every
        call."""
        real, gate = getattr(owner, name), self
        calls: list[tuple[Any, ...]] = []

        def held(self: object, *args: Any, **kwargs: Any) -> Any:
            calls.append(args)
            if only is None or only(*args, **kwargs):
                gate.hold()
            return real(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, held)
        return calls

    def open_when_the_lock_waits(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The lock waits for the running work before the key goes; open the gate then."""
        waiting = _Waiting(operations.pool(), self._opened_by_lock)
        monkeypatch.setattr(operations, "pool", lambda: waiting)
        settle = operations.SaveLatest.settle

        def settling(saver: operations.SaveLatest, value: Any) -> None:
            self._opened_by_lock()
            settle(saver, value)

        monkeypatch.setattr(operations.SaveLatest, "settle", settling)

    def open_when_the_gui_waits(self, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
        """A form's draft offered on the GUI thread waits for a save in progress (it takes
        the save's lock, ``SaveLatest.holding``): open the gate then, rather than freeze the
        test until ``GATE_S``. Returns the event set when that happened."""
        waited = threading.Event()
        offer = operations.SaveLatest._offer

        def offering(saver: operations.SaveLatest, value: Any) -> None:
            if threading.current_thread() is threading.main_thread() and not self.is_open():
                waited.set()
                self.open()
            offer(saver, value)

        monkeypatch.setattr(operations.SaveLatest, "_offer", offering)
        return waited

    def _opened_by_lock(self) -> None:
        if not self.is_open():
            self.opened_by_lock.set()
        self.open()


class _Waiting:
    """The operations pool, opening a gate when someone starts waiting for it."""

    def __init__(self, real: QThreadPool, on_wait: Callable[[], None]) -> None:
        self._real = real
        self._on_wait = on_wait

    def waitForDone(self, *args: Any) -> bool:   # Qt's name
        self._on_wait()
        return self._real.waitForDone(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def deliver_late_results() -> None:
    """Whatever a worker finished has been posted to the GUI thread: deliver it now, so a
    result the lock (or a page that went) should have dropped would be seen by the test.
    A fixed wait did the same, slower and only as long as the machine kept up."""
    QApplication.sendPostedEvents()
    QApplication.processEvents()
