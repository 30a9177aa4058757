"""Garbage is collected on the GUI thread, by a timer, never by whichever thread allocates."""

from __future__ import annotations

import gc

from ld_desktop.ui.gui_thread_gc import GuiThreadCollector


def test_collects_on_the_timer_and_gives_automatic_collection_back(qapp) -> None:  # type: ignore[no-untyped-def]
    was_enabled = gc.isenabled()
    collector = GuiThreadCollector(interval_ms=10)
    collector.start()
    try:
        assert not gc.isenabled()
        collector.threshold = (10, 10, 10)
        cycles = []
        for _ in range(50):
            node: list[object] = []
            node.append(node)
            cycles.append(node)
        cycles.clear()                      # unreachable now, but cyclic: only gc frees them
        assert gc.get_count()[0] > 10
        collector.check()
        assert gc.get_count()[0] < 10
    finally:
        collector.stop()
    assert gc.isenabled()
    if not was_enabled:
        gc.disable()
