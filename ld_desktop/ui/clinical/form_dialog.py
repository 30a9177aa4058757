"""A small form dialog: fields in a form layout, an inline error line, Save and Cancel.

Dialogs are opened window-modal with ``open()`` (never a nested event loop), so a lock can
close them and tests can drive them. ``submit`` calls a service; a ``ValueError`` or
``PermissionError`` it raises is shown inline and nothing is lost from the form.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class FormDialog(QDialog):
    saved = Signal(object)

    def __init__(self, title: str, parent: QWidget | None, save_text: str = "Save") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(480)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem with the form")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(save_text)
        self.save_button.setAccessibleName(save_text)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)
        self.result_value: Any = None

    def add_row(self, label: str, widget: QWidget) -> QWidget:
        widget.setAccessibleName(label.replace("&", ""))
        self.form.addRow(label, widget)
        return widget

    def submit(self) -> Any:   # pragma: no cover - every dialog overrides it
        raise NotImplementedError

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def accept(self) -> None:
        try:
            value = self.submit()
        except (ValueError, PermissionError) as exc:
            self.show_error(str(exc))
            return
        self.result_value = value
        super().accept()
        self.saved.emit(value)


def text_box(placeholder: str = "", lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setFixedHeight(24 + 20 * lines)
    return box


def as_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
