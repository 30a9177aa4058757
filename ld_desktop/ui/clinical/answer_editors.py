"""One editor per item kind. Choice items are radio buttons numbered 1, 2, 3...: the wizard
maps number keys to ``pick``. Editors report a new value (or None for 'no answer') through
``changed``; the flow checks it, so a bad value is explained, never stored."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.instruments.definition import Item, ItemKind
from ld_desktop.ui.abstract_hooks import HookMeta

YES_NO = [(True, "Yes"), (False, "No")]
OBSERVED = [(True, "Observed, or known from other sources"), (False, "Not observed")]


def choices(item: Item) -> list[tuple[Any, str]]:
    if item.kind is ItemKind.YES_NO:
        return YES_NO
    if item.kind is ItemKind.OBSERVATION:
        return OBSERVED
    # Licensed wording that may not ship has no labels: show the value to match the paper copy.
    return [(o.value, o.label or f"Response {o.value}") for o in item.options]


class AnswerEditor(QWidget, metaclass=HookMeta):
    changed = Signal(object)

    @abstractmethod
    def set_value(self, value: Any) -> None:
        """Show a stored answer; each editor kind provides it."""

    def pick(self, number: int) -> bool:
        """Number key ``number`` (1-based); False when it does not apply here."""
        return False

    def focus_first(self) -> None:
        self.setFocus()


class ChoiceEditor(AnswerEditor):
    def __init__(self, item: Item) -> None:
        super().__init__()
        self._values = choices(item)
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: list[QRadioButton] = []
        for n, (_value, text) in enumerate(self._values, start=1):
            button = QRadioButton(f"{n}   {text}")
            button.setAccessibleName(text)
            self.group.addButton(button, n - 1)
            self.buttons.append(button)
            layout.addWidget(button)
        self.group.idClicked.connect(lambda i: self.changed.emit(self._values[i][0]))

    def set_value(self, value: Any) -> None:
        for n, (option, _text) in enumerate(self._values):
            if value is not None and (option == value or str(option) == str(value)):
                self.buttons[n].setChecked(True)
                return
        self.group.setExclusive(False)
        for button in self.buttons:
            button.setChecked(False)
        self.group.setExclusive(True)

    def pick(self, number: int) -> bool:
        if not 1 <= number <= len(self.buttons):
            return False
        self.buttons[number - 1].setChecked(True)
        self.buttons[number - 1].setFocus()
        self.changed.emit(self._values[number - 1][0])
        return True

    def focus_first(self) -> None:
        checked = self.group.checkedButton()
        (checked or self.buttons[0]).setFocus()


class MultiEditor(AnswerEditor):
    def __init__(self, item: Item) -> None:
        super().__init__()
        self._values = choices(item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[QCheckBox] = []
        for n, (_value, text) in enumerate(self._values, start=1):
            box = QCheckBox(f"{n}   {text}")
            box.setAccessibleName(text)
            box.toggled.connect(self._emit)
            self.boxes.append(box)
            layout.addWidget(box)

    def _emit(self) -> None:
        picked = [v for (v, _t), box in zip(self._values, self.boxes, strict=True)
                  if box.isChecked()]
        self.changed.emit(picked or None)

    def set_value(self, value: Any) -> None:
        chosen = {str(v) for v in (value or [])}
        for (option, _t), box in zip(self._values, self.boxes, strict=True):
            box.blockSignals(True)
            box.setChecked(str(option) in chosen)
            box.blockSignals(False)

    def pick(self, number: int) -> bool:
        if not 1 <= number <= len(self.boxes):
            return False
        self.boxes[number - 1].toggle()
        return True

    def focus_first(self) -> None:
        self.boxes[0].setFocus()


class TextEditor(AnswerEditor):
    def __init__(self, item: Item) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.line: QLineEdit | QPlainTextEdit
        if item.kind is ItemKind.TEXT:
            self.line = QPlainTextEdit()
            self.line.setTabChangesFocus(True)
            self.line.setFixedHeight(90)
            self.line.textChanged.connect(lambda: self.changed.emit(self._text() or None))
        else:
            self.line = QLineEdit()
            self.line.setPlaceholderText("A number" if item.kind is ItemKind.NUMBER else "")
            self.line.textChanged.connect(lambda text: self.changed.emit(text.strip() or None))
        self.line.setAccessibleName("Answer")
        layout.addWidget(self.line)

    def _text(self) -> str:
        if isinstance(self.line, QPlainTextEdit):
            return self.line.toPlainText().strip()
        return self.line.text().strip()

    def set_value(self, value: Any) -> None:
        text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
        self.line.blockSignals(True)
        if isinstance(self.line, QPlainTextEdit):
            self.line.setPlainText(text)
        else:
            self.line.setText(text)
        self.line.blockSignals(False)

    def focus_first(self) -> None:
        self.line.setFocus()


class DateEditor(AnswerEditor):
    def __init__(self, item: Item) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setAccessibleName("Answer (date)")
        self.date.dateChanged.connect(
            lambda d: self.changed.emit(d.toString("yyyy-MM-dd")))
        layout.addWidget(self.date)

    def set_value(self, value: Any) -> None:
        if value:
            self.date.blockSignals(True)
            self.date.setDate(QDate.fromString(str(value), "yyyy-MM-dd"))
            self.date.blockSignals(False)

    def focus_first(self) -> None:
        self.date.setFocus()


def editor_for(item: Item) -> AnswerEditor:
    if item.kind in (ItemKind.SINGLE, ItemKind.LIKERT, ItemKind.YES_NO, ItemKind.OBSERVATION):
        return ChoiceEditor(item)
    if item.kind is ItemKind.MULTI:
        return MultiEditor(item)
    if item.kind is ItemKind.DATE:
        return DateEditor(item)
    return TextEditor(item)
