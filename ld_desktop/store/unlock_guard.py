"""Failed-unlock bookkeeping that must work before the database can be opened.

Kept in ``unlock-guard.json`` beside the key file: per username, consecutive failures and the
time of the last one (for the growing delay), plus failure events not yet in the audit trail.
They move into the tamper-evident audit as soon as anyone next unlocks. Holds staff
usernames and times only, never clinical data.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ld_desktop.domain.unlock_backoff import remaining_wait
from ld_desktop.store.atomic_file import write_atomically
from ld_desktop.store.errors import LockedOut

GUARD_FILE = "unlock-guard.json"


class UnlockGuard:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
            if isinstance(data, dict):
                data.setdefault("users", {})
                data.setdefault("pending_events", [])
                return data
        except (OSError, ValueError):
            pass  # missing or damaged: start again (fails safe: delay resets, never blocks)
        return {"users": {}, "pending_events": []}

    def _save(self, data: dict[str, Any]) -> None:
        write_atomically(self.path, json.dumps(data).encode())

    def check(self, username: str) -> None:
        """Raise LockedOut if this username must still wait."""
        entry = self._load()["users"].get(username.casefold())
        if entry:
            wait = remaining_wait(entry["failures"], entry["last"], self._clock())
            if wait > 0:
                raise LockedOut(wait)

    def remaining(self, username: str) -> int:
        entry = self._load()["users"].get(username.casefold())
        if not entry:
            return 0
        return remaining_wait(entry["failures"], entry["last"], self._clock())

    def record_failure(self, username: str, kind: str = "unlock-failed") -> int:
        data = self._load()
        entry = data["users"].setdefault(username.casefold(), {"failures": 0, "last": 0.0})
        entry["failures"] += 1
        entry["last"] = self._clock()
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
        data = self._load()
        if data["users"].pop(username.casefold(), None) is not None:
            self._save(data)

    def take_pending_events(self) -> list[dict[str, Any]]:
        """Failure events to write into the audit trail; call ``clear_pending`` after commit."""
        return list(self._load()["pending_events"])

    def clear_pending(self, count: int) -> None:
        data = self._load()
        data["pending_events"] = data["pending_events"][count:]
        self._save(data)
