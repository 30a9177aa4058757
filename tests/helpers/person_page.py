"""The person page and its dialogs driven by keys, as in tests/ui/test_record_corrections.py
and test_merge_operations.py: a fictional person registered, their page shown on its own,
keys pressed on whatever has the focus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.people import PeoplePage
from ld_desktop.ui.pages.record_views import PersonPage
from ld_desktop.ui.records.merge_dialogs import MergeDialog


def type_keys(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(QApplication.focusWidget(), text)


def key(qtbot, pressed: Qt.Key, times: int = 1,  # type: ignore[no-untyped-def]
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    for _ in range(times):
        qtbot.keyClick(QApplication.focusWidget(), pressed, modifier)


def results_back(qtbot, picker) -> None:  # type: ignore[no-untyped-def]
    """Down was pressed: the search (off the GUI thread) has answered, its first row current."""
    def back() -> bool:
        item = picker.results.currentItem()
        return item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
    qtbot.waitUntil(back, timeout=5_000)


def focus(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def open_person_page(qtbot, session: UserSession, person_id) -> PersonPage:  # type: ignore[no-untyped-def]
    page = PersonPage(session, session.persons.open(person_id))
    session.bus.subscribe(page.on_changes)
    qtbot.addWidget(page)
    page.show()
    return page


def open_first_caseload_person(qtbot, window: MainWindow) -> PersonPage:  # type: ignore[no-untyped-def]
    """The person of the first case on the caseload, opened in the main window and loaded."""
    session = window.session
    assert session is not None
    window.open_person(session.cases.caseload()[0].person_id)
    page = window.detail
    assert isinstance(page, PersonPage)
    qtbot.waitUntil(lambda: page.person is not None, timeout=5_000)
    return page


def open_dialog(qtbot, page, button, first: Callable[[Any], Any]) -> Any:  # type: ignore[no-untyped-def]
    """Space on a page's ``button`` (given the focus first); the page's dialog, once
    ``first(dialog)`` has the focus."""
    focus(qtbot, button)
    key(qtbot, Qt.Key.Key_Space)
    dialog = page.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first(dialog), timeout=5_000)
    return dialog


def retype_family_name(qtbot, page: PersonPage, family: str) -> Any:  # type: ignore[no-untyped-def]
    """The person's correction dialog opened by keys, its family name replaced by ``family``
    (the focus stays in it); the dialog."""
    dialog = open_dialog(qtbot, page, page.edit_button, lambda d: d.given)
    key(qtbot, Qt.Key.Key_Tab)                                    # family name
    key(qtbot, Qt.Key.Key_A, modifier=Qt.KeyboardModifier.ControlModifier)
    type_keys(qtbot, family)
    return dialog


def find_elsewhere_by_keys(qtbot, page: PeoplePage,  # type: ignore[no-untyped-def]
                           steps: Callable[[Any], None]) -> dict[str, str]:
    """Space on the People page's "Find at another site…" (the dialog runs in exec()),
    ``steps`` driving the dialog once it is shown and active; the dialog is closed after.
    What went wrong in ``steps``, if anything, under "error"; ``steps`` may note more."""
    seen: dict[str, str] = {}

    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:                      # not shown yet: look again shortly
            QTimer.singleShot(20, drive)
            return
        try:
            dialog.activateWindow()
            steps(dialog)
        except Exception as exc:  # reported by the test, with the dialog closed
            seen["error"] = f"{exc!r}: {dialog.message.text()}"
        finally:
            dialog.reject()

    focus(qtbot, page.find_elsewhere)
    QTimer.singleShot(0, drive)
    qtbot.keyClick(page.find_elsewhere, Qt.Key.Key_Space)
    return seen


def register(session: UserSession, given: str, family: str, **kw) -> object:  # type: ignore[no-untyped-def]
    return session.persons.register(PersonDraft(given, family, date(1990, 2, 2), **kw),
                                    session.sites[0].id)


def merge_dialog(qtbot, session: UserSession, custody_record_number: str  # type: ignore[no-untyped-def]
                 ) -> tuple[PersonPage, MergeDialog, Any, Any]:
    """Quinn Testperson's page, and its merge dialog opened by keys with the focus in the
    search; Quin Mergeme (with a case) is the likely duplicate. Returns (page, dialog,
    keep, duplicate)."""
    keep = register(session, "Quinn", "Testperson")
    dupe = register(session, "Quin", "Mergeme")
    session.cases.new_referral(ReferralDraft(
        dupe.id, session.sites[0].id, "custody-sergeant", "arrested",  # type: ignore[attr-defined]
        custody_record_number=custody_record_number))
    page = open_person_page(qtbot, session, keep.id)  # type: ignore[attr-defined]
    dialog = open_dialog(qtbot, page, page.merge_button, lambda d: d.picker.search)
    assert isinstance(dialog, MergeDialog)
    return page, dialog, keep, dupe


def choose_by_keys(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """In a person picker with the focus: type ``text``, go down to the first result once
    the search has answered, and choose it with Enter."""
    type_keys(qtbot, text)
    key(qtbot, Qt.Key.Key_Down)
    results = QApplication.focusWidget()
    results_back(qtbot, results.parentWidget())  # type: ignore[union-attr]
    key(qtbot, Qt.Key.Key_Return)
