"""Catch the UI touching the store on the GUI thread (issue 18: every service call from the
UI that touches the store runs as a background operation).

Every way into the encrypted database goes through ``Store.engine`` (a unit of work, a read
session, the integrity checks, a re-key), so the fixture wraps that one property, test-side
only, and records each use made on the main thread (the GUI thread under pytest-qt) with a
frame of ``ld_desktop/ui`` on the stack. It is named by the innermost such frame, as
``"ui/<module path>:<function>"`` (e.g. ``"ui/main_window.py:start_session"``), so an
allowlist can say which ones are known and why. Store use from the test's own code (seeding,
checking) has no UI frame and is not recorded; neither is anything on a worker thread.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ld_desktop.store.store import Store

_UI = Path(__file__).resolve().parents[2] / "ld_desktop" / "ui"


@dataclass
class GuiThreadStoreWatch:
    """The store uses seen on the GUI thread while ``active``, by UI place."""

    active: bool = True
    seen: dict[str, list[str]] = field(default_factory=dict)   # place -> stacks (text)

    def record(self) -> None:
        if not self.active or threading.current_thread() is not threading.main_thread():
            return
        stack = traceback.extract_stack()[:-2]   # not this function nor the property
        ui = [f for f in stack if Path(f.filename).resolve().is_relative_to(_UI)]
        if not ui:
            return   # the test's own code
        frame = ui[-1]
        place = f"ui/{Path(frame.filename).resolve().relative_to(_UI).as_posix()}:{frame.name}"
        self.seen.setdefault(place, []).append("".join(traceback.format_list(stack[-6:])))

    def places(self) -> set[str]:
        return set(self.seen)

    def unexpected(self, allowed: dict[str, str]) -> dict[str, str]:
        """Places not in ``allowed``, each with the stack of its first use."""
        return {place: stacks[0] for place, stacks in self.seen.items() if place not in allowed}

    def clear(self) -> None:
        self.seen.clear()


def watch_store_on_gui_thread(monkeypatch: pytest.MonkeyPatch) -> GuiThreadStoreWatch:
    watch = GuiThreadStoreWatch()
    real = Store.engine

    def engine(store: Store) -> object:
        watch.record()
        assert real.fget is not None
        return real.fget(store)

    monkeypatch.setattr(Store, "engine", property(engine))
    return watch


@pytest.fixture
def gui_thread_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[GuiThreadStoreWatch]:
    """Records store use on the GUI thread from UI code (see the module's docstring)."""
    watch = watch_store_on_gui_thread(monkeypatch)
    yield watch
    watch.active = False
