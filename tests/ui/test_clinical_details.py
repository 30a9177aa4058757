"""Clinical details of issue 14 item 6 in the real window: a young person's consent error is
shown in full (not under the Reason box), the Parent/carer field is labelled as such."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from test_keyboard import _new_case, _session

from ld_desktop.ui.clinical.consent_dialog import ConsentDialog
from ld_desktop.ui.main_window import MainWindow
from tests.helpers.drafts import drafts_back


def _in(dialog: QDialog, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(dialog, widget.rect().topLeft()), widget.size())


def test_a_young_persons_consent_error_is_not_hidden_behind_the_reason_box(
        qtbot, open_case, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = open_case(window, _new_case(_session(window), age=15, family="Consentfifteen"))
    page.record_consent()
    drafts_back(qtbot)
    dialog = page.dialog
    assert isinstance(dialog, ConsentDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.scope, timeout=3_000)
    qtbot.keyClick(dialog.scope, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # &Decision
    qtbot.keyClick(dialog.decision, Qt.Key.Key_Down)         # Choose… -> Given
    assert dialog.decision.currentData() == "given"
    qtbot.keyClick(dialog.decision, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.error.isVisible, timeout=3_000)   # Rec&ord decision, refused
    qtbot.wait(50)
    assert dialog.isVisible()
    assert "appropriate adult" in dialog.error.text().lower()
    error, reason = _in(dialog, dialog.error), _in(dialog, dialog.reason)
    assert not error.intersects(reason)
    assert error.height() >= dialog.error.heightForWidth(error.width())
    assert dialog.rect().contains(error)
    dialog.reject()
