"""Dialogs in this package open with the keyboard in their first field."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from ld_desktop.ui.clinical.form_dialog import FormDialog


class FirstFieldDialog(FormDialog):
    first_field: QWidget

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # after QDialog has given focus to its default button; dropped if the dialog goes
        QTimer.singleShot(0, self, self.first_field.setFocus)
