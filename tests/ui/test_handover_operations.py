"""This shift's handover panel reads and writes the store in the background (issue 18): the
default shift, the summary, the notes draft, the enrolment check and the handover itself.
The notes typed just before a lock survive it even when the operations' pool is full (a
draft save merely queued would be dropped by the lock), and handing over touches the store
from no GUI-thread code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.domain.roles import Role
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.handover.handover_page import HandoverPage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.operations import Operation
from tests.helpers.gates import Gate
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.helpers.shown_window import shown_window

SENIOR = ("senior1", "senior passphrase x")
TYPED = "Cell 3: interpreter at 09:00 (fictional)"


@pytest.fixture
def station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workstation:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], "admin1", "admin passphrase x")
    admin = ws.unlock("admin1", "admin passphrase x")
    admin.accounts.add_user(*SENIOR[:1], Role.SENIOR, SENIOR[1])
    admin.lock()
    return ws


@pytest.fixture
def window(qtbot, station: Workstation) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with shown_window(qtbot, station) as win:
        yield win


def _handover(qtbot, window: MainWindow, station: Workstation) -> HandoverPage:  # type: ignore[no-untyped-def]
    window.start_session(station.unlock(*SENIOR))
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_5,
                   Qt.KeyboardModifier.ControlModifier)
    page = window.pages.currentWidget()
    assert isinstance(page, HandoverPage)
    assert page.panel is not None
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)
    return page


def test_notes_typed_then_an_immediate_lock_are_there_after_unlocking(
        qtbot, window: MainWindow, station: Workstation, gate: Gate) -> None:  # type: ignore[no-untyped-def]
    page = _handover(qtbot, window, station)
    panel = page.panel
    assert panel is not None
    assert panel.notes_loaded
    panel.notes["general"].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.notes["general"])
    qtbot.keyClicks(QApplication.focusWidget(), TYPED)
    # every worker of the pool busy: a draft save only queued now would be dropped
    workers = operations.pool().maxThreadCount()
    for _ in range(workers + 1):
        Operation(page, gate.hold).run()        # held until the lock waits for them
    qtbot.waitUntil(lambda: len(gate.held_on) == workers, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.session is None, "Ctrl+L locks"
    assert gate.opened_by_lock.is_set()

    again = _handover(qtbot, window, station)
    assert again.panel is not None
    assert again.panel.notes["general"].toPlainText() == TYPED


def test_notes_are_not_overwritten_before_the_draft_is_read(
        qtbot, window: MainWindow, station: Workstation) -> None:  # type: ignore[no-untyped-def]
    """A lock straight after opening the page, before the kept notes are back, keeps them."""
    session = station.unlock(*SENIOR)
    session.drafts.save("handover-notes", {"general": TYPED})
    session.lock()
    page = _handover(qtbot, window, station)
    assert page.panel is not None
    assert page.panel.notes["general"].toPlainText() == TYPED
    window.lock("on demand")
    window.start_session(station.unlock(*SENIOR))
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_5,
                   Qt.KeyboardModifier.ControlModifier)
    window.lock("on demand")                 # before the draft is read back
    again = _handover(qtbot, window, station)
    assert again.panel is not None
    assert again.panel.notes["general"].toPlainText() == TYPED


def test_handing_over_touches_the_store_only_off_the_gui_thread(
        qtbot, window: MainWindow, station: Workstation,  # type: ignore[no-untyped-def]
        gui_thread_store: GuiThreadStoreWatch) -> None:
    page = _handover(qtbot, window, station)
    panel = page.panel
    assert panel is not None
    panel._choose_path = lambda _parent, _name: None   # no PDF: the senior cancels saving
    panel.notes["general"].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.notes["general"])
    qtbot.keyClicks(QApplication.focusWidget(), TYPED)
    panel.go_button.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)   # hurried: pressed twice
    # not enrolled, with the users' changes only here: refused until a reason is given
    qtbot.waitUntil(lambda: not panel.override.isHidden(), timeout=10_000)
    assert panel.record is None
    assert QApplication.focusWidget() is panel.reason
    qtbot.keyClicks(QApplication.focusWidget(), "Not enrolled yet (fictional)")
    panel.anyway_button.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: panel.record is not None, timeout=10_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)
    record = panel.record
    assert record is not None
    assert record.notes["general"] == TYPED
    assert len(window.session.handover.previous()) == 1   # type: ignore[union-attr]
    assert window.session.drafts.load("handover-notes") is None   # type: ignore[union-attr]
    handover_places = {p for p in gui_thread_store.places() if p.startswith("ui/handover/")}
    assert handover_places == set(), gui_thread_store.unexpected({})
