"""Issue 18's proof that the UI reads and writes the store in the background: unlock through
the unlock window, open every place of the registry with its shortcut (each role that sees
it), a case and a person, tell the window everything changed (every page refreshes, and the
status bar), and record every store use made on the GUI thread from UI code
(``tests/helpers/gui_thread_store.py``). Only the allowlist below may remain, each with its
reason; an entry that is no longer used fails the test too, so the list stays true."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from ld_desktop.services.views import Changes
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.places import PLACES
from tests.helpers.gui_thread_store import GuiThreadStoreWatch
from tests.helpers.shown_window import shown_window

#: store use on the GUI thread still allowed, by UI place, and why (none left)
ALLOWED: dict[str, str] = {}

ROLES = ("demo.senior", "demo.admin")


class _Everything(Changes):
    def touches(self, *entities: object) -> bool:
        return True


@pytest.fixture
def window(qtbot, demo_dir: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with shown_window(qtbot, Workstation(demo_dir), banner="DEMO") as win:
        yield win


def _settled(qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=15_000)


def _unlock(qtbot, window: MainWindow, username: str, passphrase: str) -> None:  # type: ignore[no-untyped-def]
    window.unlock_page.username.setCurrentText(username)
    window.unlock_page.passphrase.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.unlock_page.passphrase)
    qtbot.keyClicks(QApplication.focusWidget(), passphrase)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)
    _settled(qtbot)


def walk(qtbot, window: MainWindow, accounts: dict[str, str],  # type: ignore[no-untyped-def]
         watch: GuiThreadStoreWatch) -> set[str]:
    """Every place for each role, a case and a person, refreshed; what was seen."""
    walked: set[str] = set()
    for username in ROLES:
        watch.active = True
        _unlock(qtbot, window, username, accounts[username])
        session = window.session
        assert session is not None
        for place in PLACES:
            if not place.visible_to(session) or place.name in walked:
                continue
            keys = QKeySequence(place.shortcut)[0]
            qtbot.keyClick(QApplication.focusWidget() or window, keys.key(),
                           keys.keyboardModifiers())
            assert window.pages.currentWidget() is window.page_by_name.get(place.name)
            _settled(qtbot)
            window._on_changes(_Everything(frozenset()))   # as a change notice does
            _settled(qtbot)
            walked.add(place.name)
        if username == "demo.senior":
            watch.active = False
            row = session.cases.caseload()[0]
            watch.active = True
            for open_record, record_id in ((window.open_case, row.id),
                                           (window.open_person, row.person_id)):
                open_record(record_id)
                _settled(qtbot)
                window._on_changes(_Everything(frozenset()))
                _settled(qtbot)
        watch.active = False   # the lock audits itself, with the key, after work settles
        window.lock("walk: next role")
    assert walked == {place.name for place in PLACES}
    return watch.places()


def test_no_store_access_on_the_gui_thread(qtbot, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                           gui_thread_store: GuiThreadStoreWatch) -> None:
    seen = walk(qtbot, window, accounts, gui_thread_store)
    unexpected = gui_thread_store.unexpected(ALLOWED)
    assert not unexpected, "store used on the GUI thread:\n" + "\n".join(
        f"--- {place}\n{stack}" for place, stack in unexpected.items())
    assert set(ALLOWED) <= seen, f"no longer used, trim ALLOWED: {set(ALLOWED) - seen}"
