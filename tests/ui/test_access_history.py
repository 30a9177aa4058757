"""A senior's access history of a person or a case (issue 13 item 5): opened from the person
and case views with the keyboard (Alt+Y), it names who viewed or changed the record, with
names rather than ids; a practitioner has no such button; the lock closes it."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.access_history import AccessHistoryDialog
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow
from tests.helpers.case_page import case_settled

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-", re.IGNORECASE)


@pytest.fixture
def window(qtbot, demo_dir: Path):  # type: ignore[no-untyped-def]
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.lock("test finished")


def _start(qtbot, window: MainWindow, accounts: dict[str, str], user: str):  # type: ignore[no-untyped-def]
    session = window.workstation.unlock(user, accounts[user])
    window.start_session(session)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3_000)
    return session


def _person_with_case(accounts: dict[str, str], demo_dir: Path) -> tuple[uuid.UUID, uuid.UUID]:
    """Registered and viewed by the practitioner (another member of staff)."""
    prac = Workstation(demo_dir).unlock("demo.practitioner", accounts["demo.practitioner"])
    try:
        site = prac.sites[0].id
        person = prac.persons.register(PersonDraft("Historia", "ZZACCESSLOG",
                                                   date(1980, 5, 5)), site)
        case = prac.cases.new_referral(ReferralDraft(
            person.id, site, "custody-sergeant", "arrested", custody_record_number="TEST/ACC/1"))
        prac.cases.open(case.id)
        return person.id, case.id
    finally:
        prac.lock()


def _rows(dialog: AccessHistoryDialog) -> list[list[str]]:
    table = dialog.table
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def _focus_page(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Put the keyboard in the page shown, as clicking into it would (a case once it has
    loaded)."""
    page = window.pages.currentWidget()
    if isinstance(page, CasePage):
        case_settled(qtbot, page)
    first = next(w for w in page.findChildren(QWidget)
                 if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisible())
    first.setFocus()


def _alt_y(qtbot, window: MainWindow) -> AccessHistoryDialog:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3_000)
    _focus_page(qtbot, window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), AccessHistoryDialog),
                    timeout=3_000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, AccessHistoryDialog)
    return dialog


def test_person_and_case_history_by_keyboard_with_names(qtbot, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                                        demo_dir: Path) -> None:
    person_id, case_id = _person_with_case(accounts, demo_dir)
    _start(qtbot, window, accounts, "demo.senior")
    window.open_person(person_id)
    dialog = _alt_y(qtbot, window)
    rows = _rows(dialog)
    text = " ".join(" ".join(r) for r in rows)
    assert any("demo.practitioner" in r[1] and r[2] == "created" for r in rows), rows
    assert any("demo.senior" in r[1] and r[2] == "viewed" and "Historia ZZACCESSLOG" in r[3]
               for r in rows), rows
    assert any("TEST/ACC/1" in r[3] for r in rows), rows          # their cases too
    assert not UUID.search(text), text                             # names, not ids
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

    window.open_case(case_id)
    dialog = _alt_y(qtbot, window)
    rows = _rows(dialog)
    assert {r[2] for r in rows} >= {"created", "viewed"}
    assert all("TEST/ACC/1" in r[3] for r in rows), rows
    window.lock("idle")
    assert not dialog.isVisible()


def test_a_practitioner_has_no_access_history(qtbot, window: MainWindow, accounts,  # type: ignore[no-untyped-def]
                                              demo_dir: Path) -> None:
    person_id, _case_id = _person_with_case(accounts, demo_dir)
    _start(qtbot, window, accounts, "demo.practitioner")
    window.open_person(person_id)
    page = window.pages.currentWidget()
    assert "Access history" not in [b.accessibleName() for b in page.findChildren(QPushButton)]
