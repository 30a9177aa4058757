"""Hybrid logical clock (Kulkarni et al. 2014).

HLC timestamps order history for display and audit. They never decide a clinical clash on
their own: a clash is always kept as a conflict record for a person to decide.

Wire form: ``"<wall ms, 15 digits>-<counter, 5 digits>-<node>"`` which sorts as text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_COUNTER = 99_999


@dataclass(frozen=True, order=True)
class Timestamp:
    wall_ms: int
    counter: int
    node: str

    def encode(self) -> str:
        return f"{self.wall_ms:015d}-{self.counter:05d}-{self.node}"

    @classmethod
    def decode(cls, text: str) -> Timestamp:
        try:
            wall, counter, node = text.split("-", 2)
            return cls(int(wall), int(counter), node)
        except ValueError as exc:
            raise ValueError(f"not a hybrid logical clock timestamp: {text[:40]!r}") from exc


class HybridLogicalClock:
    """Thread-safe HLC for one node (device or server)."""

    def __init__(self, node: str, now_ms: Callable[[], int] | None = None) -> None:
        self._node = node
        self._now_ms = now_ms or (lambda: time.time_ns() // 1_000_000)
        self._last = Timestamp(0, 0, node)
        self._lock = threading.Lock()

    @property
    def last(self) -> Timestamp:
        return self._last

    def now(self) -> Timestamp:
        with self._lock:
            wall = self._now_ms()
            if wall > self._last.wall_ms:
                self._last = Timestamp(wall, 0, self._node)
            else:
                self._bump(self._last.wall_ms)
            return self._last

    def observe(self, remote: Timestamp) -> Timestamp:
        """Merge a timestamp seen from another node; returns the new local time."""
        with self._lock:
            wall = self._now_ms()
            top = max(wall, self._last.wall_ms, remote.wall_ms)
            if top == self._last.wall_ms == remote.wall_ms:
                counter = max(self._last.counter, remote.counter) + 1
            elif top == self._last.wall_ms:
                counter = self._last.counter + 1
            elif top == remote.wall_ms:
                counter = remote.counter + 1
            else:
                counter = 0
            self._set(top, counter)
            return self._last

    def skew_ms(self, remote: Timestamp) -> int:
        """How far a remote clock is ahead of ours (negative: behind)."""
        return remote.wall_ms - self._now_ms()

    def _bump(self, wall: int) -> None:
        self._set(wall, self._last.counter + 1)

    def _set(self, wall: int, counter: int) -> None:
        if counter > MAX_COUNTER:  # counter overflow: move the logical wall clock on by 1 ms
            wall, counter = wall + 1, 0
        self._last = Timestamp(wall, counter, self._node)
