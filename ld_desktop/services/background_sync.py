"""Sync in the background while the network is up, never blocking the window.

A worker thread runs ``SyncService.sync`` every interval (and on demand). It reports each
outcome through callbacks (the UI marshals them to the GUI thread) and keeps an
online/offline status from the last attempt. One sync at a time; stopping cancels a sync in
progress cleanly (the engine commits page by page, so nothing half-applied is left).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ld_desktop.services.errors import StoreError
from ld_desktop.services.session import SessionLocked, UserSession
from ld_desktop.services.sync_service import NotEnrolledHere, SyncService
from sync.client import (
    DeviceRevoked,
    NotEnrolled,
    ServerUnreachable,
    SyncCancelled,
    SyncError,
    SyncProgress,
    SyncReport,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncOutcome:
    at: datetime
    report: SyncReport | None
    online: bool
    error: str | None = None
    revoked: bool = False


class BackgroundSync:
    def __init__(
        self,
        session: UserSession,
        interval_seconds: float,
        on_outcome: Callable[[SyncOutcome], None],
        on_progress: Callable[[SyncProgress], None] | None = None,
        service_factory: Callable[[UserSession], SyncService] = SyncService,
    ) -> None:
        self._session = session
        self._interval = interval_seconds
        self._on_outcome = on_outcome
        self._on_progress = on_progress
        self._factory = service_factory
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._running = threading.Lock()
        self._thread: threading.Thread | None = None
        self.online: bool | None = None   # unknown until the first attempt

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="background-sync",
                                            daemon=True)
            self._thread.start()

    def sync_now(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._cancel.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> SyncOutcome:
        """One sync attempt, reported; safe to call from any thread (one at a time)."""
        with self._running:
            self._cancel.clear()
            outcome = self._attempt()
        self.online = outcome.online
        self._on_outcome(outcome)
        return outcome

    def _attempt(self) -> SyncOutcome:
        now = self._session.now()
        try:
            report = self._factory(self._session).sync(progress=self._on_progress,
                                                        cancel=self._cancel)
            return SyncOutcome(now, report, online=True)
        except ServerUnreachable as exc:
            return SyncOutcome(now, None, online=False, error=str(exc))
        except (DeviceRevoked, NotEnrolled) as exc:
            return SyncOutcome(now, None, online=False, error=str(exc), revoked=True)
        except SyncCancelled:
            return SyncOutcome(now, None, online=bool(self.online), error="cancelled")
        except (NotEnrolledHere, SessionLocked) as exc:
            return SyncOutcome(now, None, online=False, error=str(exc))
        except SyncError as exc:
            log.warning("background sync failed: %s", type(exc).__name__)
            return SyncOutcome(now, None, online=True, error=str(exc))
        except StoreError as exc:  # e.g. locked mid-sync, disk full: reported, thread lives on
            log.warning("background sync stopped by the local store: %s", type(exc).__name__)
            return SyncOutcome(now, None, online=bool(self.online), error=str(exc))

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self._session.is_locked:
                break
            self.run_once()
            self._wake.wait(self._interval)
            self._wake.clear()
