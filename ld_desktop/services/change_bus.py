"""A tiny observer list: services announce Changes; views subscribe. No Qt here; the UI
adapts it to signals on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ld_desktop.services.views import Changes

log = logging.getLogger(__name__)
Listener = Callable[[Changes], None]


class ChangeBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def publish(self, changes: Changes) -> None:
        for listener in list(self._listeners):
            try:
                listener(changes)
            except Exception:  # a broken view must not undo a saved change
                log.exception("change listener failed")
