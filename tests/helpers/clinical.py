"""Clinical steps the GUI tests take on the real case page: a new fictional case, a note
typed into its dialog, consent recorded through its dialog, a screening answered with number
keys."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.consent_dialog import ConsentDialog
from ld_desktop.ui.clinical.note_dialogs import NoteDialog
from ld_desktop.ui.clinical.screening_wizard import ScreeningWizard
from ld_desktop.ui.main_window import MainWindow
from tests.helpers import case_page
from tests.helpers.drafts import drafts_back


def new_case(session: UserSession, *, age: int, family: str) -> uuid.UUID:
    born = date.today() - timedelta(days=365 * age + 40)
    site = session.sites[0].id
    person = session.persons.register(PersonDraft("Testcase", family, born), site)
    case = session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", "arrested", custody_record_number=f"TEST/{family}"))
    return case.id


def note_dialog(qtbot, window: MainWindow, family: str,  # type: ignore[no-untyped-def]
                typed: str) -> tuple[CasePage, NoteDialog]:
    """A new case for ``family`` opened in ``window``, its note dialog open with ``typed``
    typed into it key by key, as a practitioner would."""
    assert window.session is not None
    page = case_page.open_case(qtbot, window, new_case(window.session, age=35, family=family))
    page.note()
    drafts_back(qtbot)
    dialog = page.dialog
    assert isinstance(dialog, NoteDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.body)
    for char in typed:
        qtbot.keyClick(QApplication.focusWidget(), char)
    return page, dialog


def give_consent(qtbot, page: CasePage, scope: str = "assessment",  # type: ignore[no-untyped-def]
                 adult: str = "") -> None:
    page.record_consent(scope)
    drafts_back(qtbot)
    dialog = page.dialog
    assert isinstance(dialog, ConsentDialog)
    dialog.decision.setCurrentIndex(dialog.decision.findData("given"))
    dialog.capacity.setCurrentIndex(dialog.capacity.findData("has-capacity"))
    if dialog._asks_gillick:
        dialog.gillick.setCurrentIndex(dialog.gillick.findData(True))
    dialog.appropriate_adult.setText(adult)
    drafts_back(qtbot)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())   # saved in the background
    case_page.case_settled(qtbot, page)               # and the case reloaded


def answer_all(qtbot, wizard: ScreeningWizard, keys: dict[str, int], default: int) -> None:  # type: ignore[no-untyped-def]
    """Answer every question with number keys, then Enter, as a practitioner would."""
    for _ in range(60):
        item = wizard.flow.current
        if item.kind.value != "text":
            qtbot.keyClick(wizard, getattr(Qt.Key, f"Key_{keys.get(item.id, default)}"))
        last = wizard.flow.at_end
        qtbot.keyClick(wizard, Qt.Key.Key_Return)
        if last:   # completed in the background (an amendment asks for its reason first),
            qtbot.waitUntil(lambda: wizard.done or wizard.amend_of is not None)
            if wizard.amend_of is None:   # then the case reloads and the result replaces it
                qtbot.waitUntil(lambda: not shiboken6.isValid(wizard), timeout=5_000)
            return
    raise AssertionError("the wizard never reached its last question")
