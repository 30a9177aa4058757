"""Failed-unlock bookkeeping that must work before the database can be opened.

Kept in ``unlock-guard.json`` beside the key file: per username, consecutive failures and the
time of the last one (for the growing delay), plus failure events not yet in the audit trail.
They move into the tamper-evident audit as soon as anyone next unlocks. Holds staff
usernames and times only, never clinical data.

It fails closed: a guard file that is missing (beside an existing database) or damaged means
the longest back-off for everyone, counted from when that was noticed, until someone unlocks
(each failure meanwhile starts the wait again). Every read-modify-write, and every unlock
attempt from check to outcome (``attempt``), holds an exclusive lock on
``unlock-guard.lock``, so parallel attempts from several processes are all counted.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ld_desktop.domain.unlock_backoff import MAX_DELAY_SECONDS, remaining_wait
from ld_desktop.store.atomic_file import exclusive_lock, write_atomically
from ld_desktop.store.errors import LockedOut
from ld_desktop.store.files import DATABASE_FILE

GUARD_FILE = "unlock-guard.json"
GUARD_LOCK_FILE = "unlock-guard.lock"
FAIL_CLOSED_KEY = "fail_closed_since"


def empty_guard() -> dict[str, Any]:
    return {"users": {}, "pending_events": []}


def _valid(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    users, pending = data.get("users"), data.get("pending_events")
    if not isinstance(users, dict) or not isinstance(pending, list):
        return False
    for entry in users.values():
        if not isinstance(entry, dict) or not isinstance(entry.get("failures"), int) \
                or not isinstance(entry.get("last"), int | float):
            return False
    since = data.get(FAIL_CLOSED_KEY)
    return since is None or isinstance(since, int | float)


class UnlockGuard:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._lock_path = path.with_name(GUARD_LOCK_FILE)
        self._thread_lock = threading.RLock()   # flock is per open file, not per thread
        self._held = 0

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock:
            if self._held:
                self._held += 1
                try:
                    yield
                finally:
                    self._held -= 1
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with exclusive_lock(self._lock_path):
                self._held = 1
                try:
                    yield
                finally:
                    self._held = 0

    @contextlib.contextmanager
    def attempt(self) -> Iterator[None]:
        """Hold the guard for one whole unlock attempt (check, key derivation, outcome), so
        parallel attempts are counted one after another and none slips past the back-off."""
        with self._locked():
            yield

    def create(self) -> None:
        """A new store starts with an empty guard file (a missing one later fails closed)."""
        with self._locked():
            self._save(empty_guard())

    def _load(self) -> dict[str, Any]:
        data: object = None
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            if not self.path.with_name(DATABASE_FILE).exists():
                return empty_guard()   # no store yet: nothing to guard
        except (OSError, ValueError, RecursionError):
            pass
        if _valid(data):
            assert isinstance(data, dict)
            return data
        return self._fail_closed()

    def _fail_closed(self) -> dict[str, Any]:
        """Missing or damaged: the longest wait for everyone, starting now, on the record."""
        now = self._clock()
        data = empty_guard()
        data[FAIL_CLOSED_KEY] = now
        data["pending_events"].append({
            "at": datetime.fromtimestamp(now, UTC).isoformat(), "username": "",
            "event": "unlock-guard-damaged", "failures": 0})
        self._save(data)
        return data

    def _save(self, data: dict[str, Any]) -> None:
        write_atomically(self.path, json.dumps(data).encode())

    def _wait(self, data: dict[str, Any], username: str) -> int:
        since = data.get(FAIL_CLOSED_KEY)
        closed = 0 if since is None else max(
            0, int(MAX_DELAY_SECONDS - (self._clock() - float(since)) + 0.999))
        entry = data["users"].get(username.casefold())
        own = remaining_wait(entry["failures"], entry["last"], self._clock()) if entry else 0
        return max(closed, own)

    def check(self, username: str) -> None:
        """Raise LockedOut if this username must still wait."""
        with self._locked():
            wait = self._wait(self._load(), username)
        if wait > 0:
            raise LockedOut(wait)

    def remaining(self, username: str) -> int:
        with self._locked():
            return self._wait(self._load(), username)

    def failures(self, username: str) -> int:
        """Consecutive failed attempts for this username since its last unlock."""
        with self._locked():
            entry = self._load()["users"].get(username.casefold())
        return int(entry["failures"]) if entry else 0

    def record_failure(self, username: str, kind: str = "unlock-failed") -> int:
        with self._locked():
            data = self._load()
            entry = data["users"].setdefault(username.casefold(), {"failures": 0, "last": 0.0})
            entry["failures"] += 1
            entry["last"] = self._clock()
            if data.get(FAIL_CLOSED_KEY) is not None:
                data[FAIL_CLOSED_KEY] = self._clock()   # still closed: the wait starts again
            data["pending_events"].append(
                {
                    "at": datetime.fromtimestamp(self._clock(), UTC).isoformat(),
                    "username": username,
                    "event": kind,
                    "failures": entry["failures"],
                }
            )
            self._save(data)
            return int(entry["failures"])

    def record_success(self, username: str) -> None:
        with self._locked():
            data = self._load()
            closed = data.pop(FAIL_CLOSED_KEY, None) is not None
            if data["users"].pop(username.casefold(), None) is not None or closed \
                    or not self.path.exists():
                self._save(data)

    def take_pending_events(self) -> list[dict[str, Any]]:
        """Failure events to write into the audit trail; call ``clear_pending`` after commit."""
        with self._locked():
            return list(self._load()["pending_events"])

    def clear_pending(self, count: int) -> None:
        with self._locked():
            data = self._load()
            data["pending_events"] = data["pending_events"][count:]
            self._save(data)


__all__ = ["GUARD_FILE", "GUARD_LOCK_FILE", "MAX_DELAY_SECONDS", "UnlockGuard"]
