"""Catch the UI touching the store on the GUI thread (issue 18: every service call from the
UI that touches the store runs as a background operation).

Every way into the encrypted database goes through ``Store.engine`` (a unit of work, a read
session, the integrity checks, a re-key), so the watch wraps that one property, test-side
only, and records each use made on the main thread (the GUI thread under pytest-qt) with a
frame of ``ld_desktop/ui`` on the stack. It is named by the innermost such frame, as
``"ui/<module path>:<function>"`` (e.g. ``"ui/main_window.py:start_session"``), so an
allowlist can say which ones are known and why. Store use from the test's own code (seeding,
checking) has no UI frame and is not recorded; neither is anything on a worker thread.

``tests/ui/conftest.py`` watches every test of ``tests/ui`` this way
(:func:`check_gui_thread_store`); a test that must use the store on the GUI thread from UI
code opts out with ``@pytest.mark.gui_thread_store(reason="...")``.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import FrameType

import pytest

from ld_desktop.store.store import Store

_UI = Path(__file__).resolve().parents[2] / "ld_desktop" / "ui"

#: the marker a test opts out with; its ``reason`` is required
MARKER = "gui_thread_store"


@lru_cache(maxsize=4096)
def _ui_module(filename: str) -> str | None:
    """``filename``'s path under ``ld_desktop/ui`` ("pages/people.py"), or None."""
    path = Path(filename).resolve()
    return path.relative_to(_UI).as_posix() if path.is_relative_to(_UI) else None


def _innermost_ui_frame(frame: FrameType | None) -> FrameType | None:
    while frame is not None:
        if _ui_module(frame.f_code.co_filename) is not None:
            return frame
        frame = frame.f_back
    return None


def allowed_at(place: str, allowed: Mapping[str, str]) -> bool:
    return place in allowed or place.partition(":")[0] in allowed


@dataclass
class GuiThreadStoreWatch:
    """The store uses seen on the GUI thread while ``active``, by UI place."""

    active: bool = True
    seen: dict[str, list[str]] = field(default_factory=dict)   # place -> stacks (text)

    def record(self, depth: int = 2) -> None:
        """Note a store use by the caller ``depth`` frames up (the engine property's caller)."""
        if not self.active or threading.current_thread() is not threading.main_thread():
            return
        caller = sys._getframe(depth)
        frame = _innermost_ui_frame(caller)
        if frame is None:
            return   # the test's own code
        place = f"ui/{_ui_module(frame.f_code.co_filename)}:{frame.f_code.co_name}"
        stacks = self.seen.setdefault(place, [])
        if len(stacks) < 3:   # a few stacks are enough to say where it came from
            stacks.append("".join(traceback.format_stack(caller, limit=6)))

    def places(self) -> set[str]:
        return set(self.seen)

    def unexpected(self, allowed: Mapping[str, str]) -> dict[str, str]:
        """Places not in ``allowed``, each with the stack of its first use. An entry may name
        a place (``"ui/main_window.py:lock"``) or a whole module (``"ui/self_test.py"``)."""
        return {place: stacks[0] for place, stacks in self.seen.items()
                if not allowed_at(place, allowed)}

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


def opt_out_reason(node: pytest.Item) -> str | None:
    """Why ``node`` is not watched (its ``gui_thread_store`` marker's reason), or None if it
    is. A marker without a reason is refused: an opt-out has to say why."""
    marker = node.get_closest_marker(MARKER)
    if marker is None:
        return None
    reason = marker.kwargs.get("reason", marker.args[0] if marker.args else "")
    if not isinstance(reason, str) or not reason.strip():
        pytest.fail(f"@pytest.mark.{MARKER} needs a reason: "
                    f'@pytest.mark.{MARKER}(reason="why this test may")', pytrace=False)
    return reason


def report(unexpected: Mapping[str, str]) -> str:
    return ("the store was used on the GUI thread from UI code (run it as an operation, "
            "ld_desktop/ui/operations.py, or add the place to ALLOWED in tests/ui/conftest.py "
            "with its reason):\n" + "\n".join(f"--- {place}\n{stack}"
                                              for place, stack in sorted(unexpected.items())))


def check_gui_thread_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                           allowed: Mapping[str, str]) -> Iterator[GuiThreadStoreWatch | None]:
    """The body of an autouse fixture: watch the test, and fail it at teardown if a place
    not in ``allowed`` (place -> reason) used the store on the GUI thread."""
    blank = [place for place, why in allowed.items() if not why.strip()]
    if blank:
        pytest.fail(f"allowed without a reason: {blank}", pytrace=False)
    if opt_out_reason(request.node) is not None:
        yield None
        return
    watch = watch_store_on_gui_thread(monkeypatch)
    try:
        yield watch
    finally:
        watch.active = False
    unexpected = watch.unexpected(allowed)
    if unexpected:
        pytest.fail(report(unexpected), pytrace=False)
