"""A record saved, then its draft not droppable (the disk, say): the save has happened, so
it is reported as saved, and the failure is logged by type only. Before, both dialogs'
commit wrappers raised after the commit: the save showed as failed and Save could be
pressed again for the same record."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from ld_desktop.ui.operations import SaveLatest, then_drop_draft


@pytest.mark.expect_log   # the warning is the point
def test_a_draft_that_cannot_be_dropped_does_not_fail_the_save(  # type: ignore[no-untyped-def]
        qtbot, caplog: pytest.LogCaptureFixture) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    saver = SaveLatest(parent, lambda _value: None, doing="keeping a draft")
    committed = [False]

    def drop() -> None:
        raise OSError("disk I/O error on QUINN's draft")

    run = then_drop_draft(lambda: "saved", saver, drop, committed)
    assert run() == "saved"
    assert committed == [True]
    assert "could not be dropped: OSError" in caplog.text
    assert "QUINN" not in caplog.text


def test_a_failed_save_drops_nothing_and_is_not_committed(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    saver = SaveLatest(parent, lambda _value: None, doing="keeping a draft")
    committed, dropped = [False], []

    def refused() -> str:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        then_drop_draft(refused, saver, lambda: dropped.append(1), committed)()
    assert committed == [False]
    assert dropped == []
