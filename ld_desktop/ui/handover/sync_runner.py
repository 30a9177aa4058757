"""One sync off the GUI thread, with progress and cancel, reporting back on the GUI thread.
Used by the Sync page and the handover. Give it a ``parent`` (the page): when the page is
deleted the runner goes with it, the sync is cancelled and its result dropped unseen."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from ld_desktop.ui.operations import run_in_background
from sync.client import SyncProgress, SyncReport

SyncFactory = Callable[[UserSession], SyncService]


def enrolled(factory: SyncFactory, session: UserSession) -> bool:
    """Whether the workstation can sync (it reads the store: run it in an operation)."""
    status = factory(session).status()
    return status.enrolled and not status.revoked


class SyncRunner(QObject):
    progress = Signal(str)
    finished = Signal(object)      # SyncReport
    failed = Signal(object)        # Exception

    def __init__(self, session: UserSession, factory: SyncFactory = SyncService,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._s = session
        self._factory = factory
        self._cancel = threading.Event()
        self.running = False

    def enrolled(self) -> bool:
        """Reads the store: call it from an operation's work, never on the GUI thread."""
        return enrolled(self._factory, self._s)

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self._cancel.clear()
        service = self._factory(self._s)
        run_in_background(lambda: service.sync(progress=self._relay, cancel=self._cancel),
                          self._done, self._failed, owner=self, cancel=self._cancel.set)

    def cancel(self) -> None:
        self._cancel.set()

    def _relay(self, p: SyncProgress) -> None:   # called on the sync thread
        # "Signal source has been deleted": its page went mid-sync (the sync is cancelled)
        with contextlib.suppress(RuntimeError):
            self.progress.emit(f"{p.phase}: {p.pushed} sent, {p.pulled} received")

    def _done(self, report: SyncReport) -> None:
        self.running = False
        self.finished.emit(report)

    def _failed(self, exc: Exception) -> None:
        self.running = False
        self.failed.emit(exc)
