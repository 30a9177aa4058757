"""operations_idle waits for what a fixed sleep could miss: a result reported late."""

from __future__ import annotations

import time

from ld_desktop.ui.operations import Operation
from tests.helpers.settle import operations_idle


def test_idle_waits_for_a_result_reported_late(qtbot) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def slow() -> str:
        time.sleep(0.3)
        return "late"

    Operation(None, slow).success(seen.append).run()
    operations_idle(qtbot)
    assert seen == ["late"]

