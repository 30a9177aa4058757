"""Referral intake in the real main window, by keyboard only: choosing an existing person is
an explicit act (Enter or a double-click on a result, shown in a "Referring:" banner); typing a
new name clears any choice; the person and the referral are saved together or not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workstation:
    """One site, a practitioner, and QUINN, Testperson already known with one case."""
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], "admin1", "admin passphrase x")
    admin = ws.unlock("admin1", "admin passphrase x")
    admin.accounts.add_user("prac1", Role.PRACTITIONER, "practitioner passphrase")
    admin.lock()
    prac = ws.unlock("prac1", "practitioner passphrase")
    site = prac.sites[0].id
    quinn = prac.persons.register(
        PersonDraft("Testperson", "Quinn", date(1985, 3, 4), nhs_number="943 476 5919"), site)
    prac.cases.new_referral(ReferralDraft(quinn.id, site, "custody-sergeant", "arrested",
                                          custody_record_number="NG/0001/26"))
    prac.lock()
    return ws


@pytest.fixture
def window(qtbot, workstation: Workstation) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(workstation, banner="TEST")
    qtbot.addWidget(win)
    win.start_session(workstation.unlock("prac1", "practitioner passphrase"))
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3_000)
    yield win
    win.lock("test finished")


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def type_text(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(focus(), text)


def key(qtbot, k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier  # type: ignore[no-untyped-def]
        ) -> None:
    qtbot.keyClick(focus(), k, modifier)


def _dialog_has_focus() -> bool:
    modal = QApplication.activeModalWidget()
    focused = QApplication.focusWidget()
    return modal is not None and focused is not None and modal.isAncestorOf(focused)


def intake(qtbot, window: MainWindow, steps: Callable[[], None]) -> None:  # type: ignore[no-untyped-def]
    """Press Ctrl+N in the main window and drive the dialog that opens with ``steps``
    (scheduled before the key press, as a dialog may block in exec())."""
    done: list[BaseException | None] = []

    def run() -> None:
        try:
            qtbot.waitUntil(_dialog_has_focus, timeout=3_000)
            steps()
            done.append(None)
        except BaseException as exc:  # reported by the test, not lost in the event loop
            done.append(exc)
            modal = QApplication.activeModalWidget()
            if modal is not None:
                modal.close()

    QTimer.singleShot(0, run)
    qtbot.keyClick(window.nav, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)
    if done[0] is not None:
        raise done[0]


def persons_named(session: UserSession, family: str) -> list[str]:
    return [p.display_name for p in session.persons.search(family)
            if p.family_name.lower() == family.lower()]


def test_tabbing_through_results_then_typing_a_new_name_registers_the_new_person(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The wrong-patient route of issue 14: Find "Quinn", Tab, Tab, type another person."""
    session = window.session
    assert session is not None

    def steps() -> None:
        type_text(qtbot, "Quinn")
        qtbot.wait(400)                             # the search runs off the GUI thread
        key(qtbot, Qt.Key.Key_Tab)
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "Jordan")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "Newname")
        key(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "02/02/1992")
        key(qtbot, Qt.Key.Key_R, ALT)               # Custody &record number
        type_text(qtbot, "NG/0002/26")
        key(qtbot, Qt.Key.Key_Return)

    intake(qtbot, window, steps)
    page = window.pages.currentWidget()
    qtbot.waitUntil(lambda: isinstance(window.pages.currentWidget(), CasePage), timeout=5_000)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    assert page.case.person.family_name == "Newname"
    assert page.case.person.given_name == "Jordan"
    assert page.case.person.date_of_birth == date(1992, 2, 2)
    assert persons_named(session, "Quinn") == ["QUINN, Testperson"]
    quinn_cases = session.cases.count(CaseFilter(text="NG/0002/26"))
    assert quinn_cases == 1
