"""A hurried Escape mid-referral, and a lock mid-referral, by keys on the focused widget.

Escape (or Cancel) on a referral with anything typed asks "Discard this referral?"; Enter or
Escape keep editing, D discards. A lock while the referral files keeps no draft of it once it
is filed, so Enter after the unlock cannot file it twice."""

from __future__ import annotations

import threading
import uuid

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.session import UserSession
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.referral_dialogs import ReferralDialog
from ld_desktop.ui.lock_sweep import draft_key
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.new_referral import NewReferralDialog
from tests.helpers.case_page import open_case
from tests.helpers.drafts import drafts_back
from tests.helpers.gates import Gate
from tests.helpers.referral_intake import (
    ALT,
    CTRL,
    choose_first_result,
    dialog,
    focus,
    intake,
    key,
    slow_refer,
    type_new_person,
    type_text,
    window,
    workstation,
)

__all__ = ["window", "workstation"]
DRAFT = draft_key(NewReferralDialog.__new__(NewReferralDialog))   # "window:NewReferralDialog"


def question() -> QMessageBox | None:
    """The question, once it has the keyboard (as a person sees it: it has come up)."""
    modal = QApplication.activeModalWidget()
    focused = QApplication.focusWidget()
    if isinstance(modal, QMessageBox) and focused is not None and modal.isAncestorOf(focused):
        return modal
    return None


def no_question() -> bool:
    """The question has gone and the form has the keyboard again."""
    modal = QApplication.activeModalWidget()
    focused = QApplication.focusWidget()
    return (not isinstance(modal, QMessageBox) and modal is not None and focused is not None
            and modal.isAncestorOf(focused))


def gone(widget: QWidget) -> bool:
    """Closed (a dialog that deletes itself on closing may already be deleted)."""
    return not shiboken6.isValid(widget) or not widget.isVisible()


def _choose_quinn_and_type_crn(qtbot, crn: str) -> None:  # type: ignore[no-untyped-def]
    choose_first_result(qtbot, "Quinn")         # the known QUINN
    assert dialog().chosen is not None
    key(qtbot, Qt.Key.Key_R, ALT)               # Custody &record number
    type_text(qtbot, crn)


def test_escape_on_a_typed_referral_asks_and_keeps_editing(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                           ) -> None:
    session = window.session
    assert session is not None
    before = session.cases.count(CaseFilter())
    seen: dict[str, object] = {}

    def steps() -> None:
        _choose_quinn_and_type_crn(qtbot, "NG/0200/26")
        referral = dialog()
        key(qtbot, Qt.Key.Key_Escape)                       # hurried
        qtbot.waitUntil(lambda: question() is not None, timeout=3_000)
        box = question()
        assert box is not None
        seen["asked"] = box.windowTitle()
        seen["focus"] = focus().text() if hasattr(focus(), "text") else None
        key(qtbot, Qt.Key.Key_Escape)                       # again: keeps editing
        qtbot.waitUntil(no_question, timeout=3_000)
        key(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: question() is not None, timeout=3_000)
        key(qtbot, Qt.Key.Key_Return)                       # Enter: keeps editing too
        qtbot.waitUntil(no_question, timeout=3_000)
        seen["kept"] = (referral.isVisible(), referral.crn.text(),
                        referral.chosen is not None)
        key(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: question() is not None, timeout=3_000)
        key(qtbot, Qt.Key.Key_D)                            # Discard
        qtbot.waitUntil(lambda: gone(referral), timeout=3_000)

    intake(qtbot, window, steps)
    assert seen == {"asked": "Discard this referral?", "focus": "&Keep editing",
                    "kept": (True, "NG/0200/26", True)}
    assert session.cases.count(CaseFilter()) == before


def test_escape_on_an_empty_referral_closes_it_at_once(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    closed: list[bool] = []

    def steps() -> None:
        referral = dialog()
        key(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: gone(referral), timeout=3_000)
        closed.append(not isinstance(QApplication.activeModalWidget(), QMessageBox))

    intake(qtbot, window, steps)
    assert closed == [True]


def _quinn_case(session: UserSession) -> uuid.UUID:
    quinn = session.persons.search("Quinn")[0]
    return session.cases.new_referral(ReferralDraft(
        quinn.id, session.sites[0].id, "custody-sergeant", "arrested",
        custody_record_number="NG/0300/26")).id


def test_escape_on_an_onward_referral_with_detail_asks_first(qtbot, window: MainWindow  # type: ignore[no-untyped-def]
                                                             ) -> None:
    session = window.session
    assert session is not None
    case_id = _quinn_case(session)
    page = open_case(qtbot, window, case_id)
    assert isinstance(page, CasePage)
    page.refer("cmht")
    drafts_back(qtbot)
    referral = page.dialog
    assert isinstance(referral, ReferralDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and referral.isAncestorOf(QApplication.focusWidget()), timeout=3_000)
    key(qtbot, Qt.Key.Key_D, ALT)                           # &Detail
    type_text(qtbot, "Duty worker will call at 4pm")
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: question() is not None, timeout=3_000)
    key(qtbot, Qt.Key.Key_Escape)                           # keep editing
    qtbot.waitUntil(no_question, timeout=3_000)
    assert referral.isVisible()
    assert referral.detail.toPlainText() == "Duty worker will call at 4pm"
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: question() is not None, timeout=3_000)
    key(qtbot, Qt.Key.Key_D)                                # discard: the draft goes
    qtbot.waitUntil(lambda: gone(referral), timeout=3_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    assert session.drafts.load(f"referral:{case_id}") is None


def quinns_cases(session: UserSession) -> int:
    return session.cases.count(CaseFilter(person_id=session.persons.search("Quinn")[0].id))


def _unlock(qtbot, window: MainWindow) -> UserSession:  # type: ignore[no-untyped-def]
    """Unlocked again, and the window has the keyboard (as the person sees it come back)."""
    session = window.workstation.unlock("prac1", "practitioner passphrase")
    window.start_session(session)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.nav, timeout=3_000)
    return session


def _type_a_new_person_and_crn(qtbot, crn: str) -> None:  # type: ignore[no-untyped-def]
    type_new_person(qtbot, "Lockley", "Midsave", "05/05/1995")
    key(qtbot, Qt.Key.Key_R, ALT)                           # Custody &record number
    type_text(qtbot, crn)


@pytest.mark.parametrize("who", ["known person chosen", "new person typed"])
def test_a_lock_while_filing_leaves_no_draft_to_file_twice(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, who: str,
        gate: Gate) -> None:
    """Fill in a referral, Enter; Ctrl+L while it files; unlock, Ctrl+N and press Enter and
    Alt+V (Save) over and over: one referral, and the form comes back empty."""
    session = window.session
    assert session is not None
    before = session.cases.count(CaseFilter())
    started = threading.Event()
    slow_refer(monkeypatch, started, gate)             # held until the lock waits

    def steps() -> None:
        if who == "known person chosen":
            _choose_quinn_and_type_crn(qtbot, "NG/0400/26")
        else:
            _type_a_new_person_and_crn(qtbot, "NG/0400/26")
        key(qtbot, Qt.Key.Key_Return)                       # files (slowly)

    intake(qtbot, window, steps)
    qtbot.waitUntil(started.is_set, timeout=5_000)
    qtbot.keyClick(focus(), Qt.Key.Key_L, CTRL)             # lock while it files
    qtbot.waitUntil(lambda: window.session is None, timeout=5_000)
    again = _unlock(qtbot, window)
    assert again.cases.count(CaseFilter()) == before + 1    # the lock waited: filed, once
    restored: dict[str, object] = {}

    def hurried() -> None:
        referral = dialog()
        restored["typed"] = [e.text() for e in (referral.finder, referral.given,
                                                 referral.family, referral.crn) if e.text()]
        for _ in range(3):                                  # Enter, Save, Save again…
            if gone(referral):                              # filed (again): the case opens
                break
            key(qtbot, Qt.Key.Key_Return)
            key(qtbot, Qt.Key.Key_V, ALT)
            qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)

    intake(qtbot, window, hurried)
    assert again.cases.count(CaseFilter()) == before + 1
    assert restored == {"typed": []}
    assert again.drafts.load(DRAFT) is None


def test_a_lock_before_filing_keeps_what_was_typed(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Nothing filed: the draft is what was typed, and comes back (the person is chosen
    again, explicitly)."""
    assert window.session is not None
    before = quinns_cases(window.session)

    def steps() -> None:
        _choose_quinn_and_type_crn(qtbot, "NG/0500/26")

    intake(qtbot, window, steps)
    qtbot.keyClick(focus(), Qt.Key.Key_L, CTRL)
    qtbot.waitUntil(lambda: window.session is None, timeout=5_000)
    again = _unlock(qtbot, window)
    assert quinns_cases(again) == before
    seen: dict[str, object] = {}

    def steps_after() -> None:
        referral = dialog()
        seen["back"] = (referral.crn.text(), referral.chosen)

    intake(qtbot, window, steps_after)
    assert seen == {"back": ("NG/0500/26", None)}
