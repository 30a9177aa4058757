""""Discard this …?" before a form with typed content closes on Escape or Cancel.

A hurried Escape must not throw away a referral half typed in a custody suite. The question
is answered from the keyboard: Enter, Space or Escape keep editing (the default), D (or
Alt+D, or Tab then Space) discards. It is opened window-modal with ``open()``, never a nested
event loop, so a lock closes it with the form it belongs to (innermost first). Keeping on
puts the keyboard back in the field the person was typing in.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

KEEP_EDITING = "&Keep editing"
DISCARD = "&Discard"


def ask_discard(parent: QWidget, title: str, text: str,
                discard: Callable[[], None]) -> QMessageBox:
    """Ask ``title`` (e.g. "Discard this referral?"); ``discard`` runs only if the person
    chooses Discard. Returns the open question."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setAccessibleName(title)
    keep = box.addButton(KEEP_EDITING, QMessageBox.ButtonRole.RejectRole)
    drop = box.addButton(DISCARD, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    before = QApplication.focusWidget()     # where the person was typing

    def answered(button: object) -> None:
        if button is drop:
            discard()
            return
        # Keep editing: straight back to the field they were in, ready to type.
        parent.activateWindow()
        if before is not None and shiboken6.isValid(before) and parent.isAncestorOf(before):
            before.setFocus(Qt.FocusReason.OtherFocusReason)

    box.buttonClicked.connect(answered)
    box.open()
    keep.setFocus(Qt.FocusReason.OtherFocusReason)
    return box
