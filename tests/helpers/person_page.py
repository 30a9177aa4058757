"""The person page and its dialogs driven by keys, as in tests/ui/test_record_corrections.py
and test_merge_operations.py: a fictional person registered, their page shown on its own,
keys pressed on whatever has the focus."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
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
    focus(qtbot, page.merge_button)
    key(qtbot, Qt.Key.Key_Space)
    dialog = page.dialog
    assert isinstance(dialog, MergeDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.picker.search)
    return page, dialog, keep, dupe


def choose_by_keys(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """In a person picker with the focus: type ``text``, go down to the first result once
    the search has answered, and choose it with Enter."""
    type_keys(qtbot, text)
    key(qtbot, Qt.Key.Key_Down)
    results = QApplication.focusWidget()
    results_back(qtbot, results.parentWidget())  # type: ignore[union-attr]
    key(qtbot, Qt.Key.Key_Return)
