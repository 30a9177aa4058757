"""The New referral dialog driven by keys in the real main window, as in
tests/ui/test_referral_intake.py and test_referral_escape_and_lock.py: the ``workstation``
and ``window`` fixtures (one site, a practitioner, QUINN, Testperson known with one case),
Ctrl+N with the steps that drive the dialog, and the typing those steps share. Keys go to
whatever has the focus."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.intake import Intake, IntakeService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.new_referral import NewReferralDialog
from tests.helpers.case_page import case_settled
from tests.helpers.gates import Gate
from tests.helpers.settle import shortcut_clicked
from tests.helpers.shown_window import shown_window

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
        PersonDraft("Testperson", "Quinn", date(1985, 3, 4), nhs_number="943 476 5919",
                    communication_needs="Uses BSL: book an interpreter"), site)
    prac.cases.new_referral(ReferralDraft(quinn.id, site, "custody-sergeant", "arrested",
                                          custody_record_number="NG/0001/26"))
    prac.lock()
    return ws


@pytest.fixture
def window(qtbot, workstation: Workstation) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    session = workstation.unlock("prac1", "practitioner passphrase")
    with shown_window(qtbot, workstation, session=session) as win:
        yield win


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def type_text(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(focus(), text)


def key(qtbot, k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier  # type: ignore[no-untyped-def]
        ) -> None:
    qtbot.keyClick(focus(), k, modifier)
    if modifier == ALT:
        shortcut_clicked(qtbot)   # a button's Alt shortcut clicks it 100 ms later


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
            # its fields are read-only until a draft kept by a lock is read back: keys
            # typed before then are lost (lock_sweep.restore_window_draft)
            qtbot.waitUntil(lambda: not dialog().finder.isReadOnly(), timeout=5_000)
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


def dialog() -> NewReferralDialog:
    modal = QApplication.activeModalWidget()
    assert isinstance(modal, NewReferralDialog)
    return modal


def find_and_wait(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    type_text(qtbot, text)
    qtbot.waitUntil(lambda: dialog().results.count() > 0 and
                    dialog().results.item(0).text().startswith(text.upper()), timeout=5_000)


def crn_and_save(qtbot, crn: str) -> None:  # type: ignore[no-untyped-def]
    key(qtbot, Qt.Key.Key_R, ALT)
    type_text(qtbot, crn)
    key(qtbot, Qt.Key.Key_Return)


def opened_case(qtbot, window: MainWindow) -> CasePage:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: isinstance(window.pages.currentWidget(), CasePage), timeout=5_000)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    return case_settled(qtbot, page)


def slow_refer(monkeypatch: pytest.MonkeyPatch, started: threading.Event,
               gate: Gate) -> list[threading.Thread]:
    """IntakeService.refer waits at ``gate`` first; the threads it ran on."""
    real = IntakeService.refer
    ran_on: list[threading.Thread] = []

    def slow(self: IntakeService, details: Intake) -> CaseView:
        ran_on.append(threading.current_thread())
        started.set()
        gate.hold()
        return real(self, details)

    monkeypatch.setattr(IntakeService, "refer", slow)
    return ran_on


def choose_first_result(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Find ``text``; once the search has answered, Down to its first result and Enter."""
    find_and_wait(qtbot, text)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)


def type_new_person(qtbot, given: str, family: str, born: str) -> None:  # type: ignore[no-untyped-def]
    """A new person typed: Alt+G to the given name, then Tab to the family name and the
    date of birth."""
    key(qtbot, Qt.Key.Key_G, ALT)                           # &Given name
    type_text(qtbot, given)
    key(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, family)
    key(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, born)
