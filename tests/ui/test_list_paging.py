"""Long lists page in the background (issue 18): when the view asks for more rows (Ctrl+End or
Page Down on the focused list brings the last row into view), the next page is read by an
operation, never on the GUI thread; while it is on its way no second one is asked for, and a
page arriving after the list was replaced (a new search) or after a lock is dropped, with
nothing logged. Each service read waits at a gate the test opens, so what is asserted does
not depend on how fast this machine is."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QTableView

from ld_desktop.services.cases import CaseService
from ld_desktop.services.persons import PersonService
from ld_desktop.ui import operations
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.models.read_only_table import LazyPages
from ld_desktop.ui.pages import case_lists
from ld_desktop.ui.places import PLACES
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.helpers.settle import operations_idle

GATE_S = 5
FIRST = 30   # more rows than the view shows: the view does not ask for more by itself
PAGE = 4


class Gate:
    """``cls.page`` waits here until the test opens the gate; which threads called it."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.threads: list[threading.Thread] = []
        self.calls = 0

    def __call__(self, real: Any) -> Any:
        def page(service: object, *args: Any, **kw: Any) -> Any:
            self.calls += 1
            self.threads.append(threading.current_thread())
            self.open.wait(GATE_S)
            return real(service, *args, **kw)
        return page


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()
    monkeypatch.setattr(case_lists, "FIRST_PAGE", FIRST)
    monkeypatch.setattr(LazyPages, "PAGE", PAGE)
    for cls in (CaseService, PersonService):
        monkeypatch.setattr(cls, "page", gate(cls.page))
    yield gate
    gate.open.set()


def inserted_into(model: object) -> list[int]:
    """The first row of each block of rows inserted into ``model`` from now on."""
    seen: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, _last: seen.append(first))  # type: ignore[attr-defined]
    return seen


def _cases_list(qtbot, window: MainWindow) -> QTableView:  # type: ignore[no-untyped-def]
    """The Cases place opened with its shortcut, loaded, its list focused."""
    place = next(p for p in PLACES if p.name == "Cases")
    keys = QKeySequence(place.shortcut)[0]
    qtbot.keyClick(QApplication.focusWidget() or window, keys.key(), keys.keyboardModifiers())
    page = window.page_by_name["Cases"]
    assert isinstance(page, case_lists.CasesPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == FIRST, timeout=10_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)
    page.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.view)
    assert page.model.total > FIRST + PAGE, "the demo store is too small to page"
    assert page.view.verticalScrollBar().maximum() > 0, "the first page fits the screen"
    return page.view


def _press(qtbot, key: Qt.Key,  # type: ignore[no-untyped-def]
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _to_the_last_row(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+End on the focused list (End alone goes to the last column)."""
    _press(qtbot, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_end_in_a_long_list_fetches_the_next_page_in_the_background(  # type: ignore[no-untyped-def]
        qtbot, senior_window: MainWindow, gate: Gate,
        gui_thread_store: GuiThreadStoreWatch) -> None:
    view = _cases_list(qtbot, senior_window)
    model = view.model()
    assert isinstance(model, LazyPages)
    arrived = inserted_into(model)
    gui_thread_store.clear()
    _to_the_last_row(qtbot)   # the last row comes into view: the view asks for more
    qtbot.waitUntil(lambda: gate.calls == 1, timeout=5_000)
    assert gate.threads[0] is not threading.main_thread()
    assert model.fetching()
    assert not model.canFetchMore()
    assert model.rowCount() == FIRST            # nothing yet: the GUI did not wait for it
    _press(qtbot, Qt.Key.Key_PageDown)          # asking again while one is on its way
    _to_the_last_row(qtbot)
    qtbot.wait(50)
    assert gate.calls == 1
    gate.open.set()
    qtbot.waitUntil(lambda: model.rowCount() == FIRST + PAGE, timeout=5_000)
    assert arrived == [FIRST]
    bar = view.verticalScrollBar()   # the new rows are laid out below: more to scroll to
    qtbot.waitUntil(lambda: bar.value() < bar.maximum(), timeout=5_000)
    _to_the_last_row(qtbot)               # and on down the list
    qtbot.waitUntil(lambda: model.rowCount() >= FIRST + 2 * PAGE, timeout=5_000)
    assert all(t is not threading.main_thread() for t in gate.threads)
    assert not gui_thread_store.places(), gui_thread_store.unexpected({})


def test_a_page_arriving_after_a_new_search_is_dropped(  # type: ignore[no-untyped-def]
        qtbot, senior_window: MainWindow, gate: Gate) -> None:
    view = _cases_list(qtbot, senior_window)
    old = view.model()
    assert isinstance(old, LazyPages)
    arrived = inserted_into(old)
    _to_the_last_row(qtbot)
    qtbot.waitUntil(lambda: gate.calls == 1, timeout=5_000)
    assert gate.threads[0] is not threading.main_thread()
    page = senior_window.page_by_name["Cases"]
    assert isinstance(page, case_lists.CasesPage)
    page.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.search)
    qtbot.keyClicks(page.search, "a")            # a new search replaces the list
    qtbot.waitUntil(lambda: view.model() is not old, timeout=5_000)
    gate.open.set()
    operations_idle(qtbot)                       # the old page is back, and dropped
    assert arrived == []
    assert old.rowCount() == FIRST
    assert not old.canFetchMore()


def test_a_page_arriving_after_a_lock_is_dropped_with_nothing_logged(  # type: ignore[no-untyped-def]
        qtbot, senior_window: MainWindow, gate: Gate) -> None:
    view = _cases_list(qtbot, senior_window)
    arrived = inserted_into(view.model())
    _to_the_last_row(qtbot)
    qtbot.waitUntil(lambda: gate.calls == 1, timeout=5_000)
    assert gate.threads[0] is not threading.main_thread()
    # the lock waits for the running read (it still needs the key): let it finish meanwhile
    threading.Timer(0.2, gate.open.set).start()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert senior_window.session is None
    operations_idle(qtbot)   # anything still queued for the GUI thread has arrived
    assert arrived == []
    assert operations.in_flight() == 0
    del view   # logfail (autouse) fails the test if anything was logged


def test_ctrl_end_in_the_people_list_fetches_the_next_page_in_the_background(  # type: ignore[no-untyped-def]
        qtbot, senior_window: MainWindow, gate: Gate,
        gui_thread_store: GuiThreadStoreWatch) -> None:
    gate.open.set()
    place = next(p for p in PLACES if p.name == "People")
    keys = QKeySequence(place.shortcut)[0]
    qtbot.keyClick(QApplication.focusWidget() or senior_window, keys.key(),
                   keys.keyboardModifiers())
    page = senior_window.page_by_name["People"]
    qtbot.waitUntil(lambda: isinstance(page.view.model(), LazyPages), timeout=10_000)
    model = page.view.model()
    assert isinstance(model, LazyPages)
    arrived = inserted_into(model)
    page.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.view)
    gui_thread_store.clear()
    for _ in range(100):   # Ctrl+End until the whole list is in
        if model.rowCount() >= model.total:
            break
        _to_the_last_row(qtbot)
        qtbot.waitUntil(lambda: not getattr(model, "fetching", bool)(), timeout=5_000)
    assert model.rowCount() == model.total
    assert arrived
    assert all(t is not threading.main_thread() for t in gate.threads)
    assert not gui_thread_store.places(), gui_thread_store.unexpected({})
