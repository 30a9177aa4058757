"""Operations with owners: a result for a deleted owner is dropped; a failure nobody handles
is shown and logged by type and place only; the debounce runs once after a burst."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ld_desktop.ui import operations
from ld_desktop.ui.operations import Debounce, LatestOnly, Operation


def test_a_deleted_owner_gets_no_callback(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QWidget()
    release = threading.Event()
    seen: list[object] = []
    Operation(owner, lambda: release.wait(5)).success(seen.append).failure(seen.append).run()
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=2_000)
    release.set()
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    qtbot.wait(50)
    assert seen == []


def _alive(widget: QWidget) -> bool:
    import shiboken6
    return shiboken6.isValid(widget)


def test_an_unhandled_failure_is_shown_and_logged_without_its_message(
        qtbot, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    owner = QWidget()
    qtbot.addWidget(owner)

    def fails() -> None:
        raise ValueError("Jo Bloggs 943 476 5919")   # fictional; must not reach the log

    caplog.set_level(logging.ERROR)
    Operation(owner, fails, doing="loading the caseload").run()
    qtbot.waitUntil(lambda: bool(operations._open_boxes), timeout=5_000)
    box = operations._open_boxes[-1]
    qtbot.waitUntil(box.isVisible, timeout=2_000)
    assert "Loading the caseload did not finish (ValueError)" in box.text()
    assert "Bloggs" not in box.text()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged
    assert "test_operations.py" in logged
    assert "Bloggs" not in logged
    assert "943" not in logged
    box.button(QMessageBox.StandardButton.Ok).click()
    QApplication.processEvents()


def test_latest_only_drops_the_older_result(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QWidget()
    qtbot.addWidget(owner)
    latest = LatestOnly(owner)
    slow = threading.Event()
    seen: list[str] = []
    latest.run(lambda: (slow.wait(5), "old")[1], seen.append)
    latest.run(lambda: "new", seen.append)
    slow.set()
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    qtbot.wait(50)
    assert seen == ["new"]


def test_debounce_runs_once_after_a_burst(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QWidget()
    qtbot.addWidget(owner)
    runs: list[int] = []
    debounce = Debounce(owner, 30, lambda: runs.append(1))
    for _ in range(5):
        debounce.trigger("typed")
    qtbot.wait(120)
    assert runs == [1]
    debounce.trigger()
    debounce.flush()
    assert runs == [1, 1]
    assert not debounce.is_pending()
