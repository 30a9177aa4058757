"""Collect the Alt shortcuts (mnemonics) live in one window: menu bar titles, buttons, check
boxes, group boxes, tabs and labels with a buddy. Only what can be reached now counts
(visible widgets), as Qt itself only matches those."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenuBar, QTabBar, QWidget


def _mnemonic(text: str) -> str:
    return QKeySequence.mnemonic(text).toString()


def alt_shortcuts(window: QWidget) -> dict[str, list[str]]:
    """Alt key -> what it is bound to, for the visible widgets of ``window``."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(text: str, owner: str) -> None:
        key = _mnemonic(text)
        if key:
            found[key].append(f"{owner} {text!r}")

    for widget in [window, *window.findChildren(QWidget)]:
        if widget.window() is not window or not widget.isVisible():
            continue
        if isinstance(widget, QMenuBar):
            for action in widget.actions():
                if action.isVisible():
                    add(action.text(), "menu")
        elif isinstance(widget, QAbstractButton):
            add(widget.text(), type(widget).__name__)
        elif isinstance(widget, QGroupBox):
            add(widget.title(), "group")
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                if widget.isTabVisible(index):
                    add(widget.tabText(index), "tab")
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            add(widget.text(), "label")
    return dict(found)


def clashes(window: QWidget) -> dict[str, list[str]]:
    return {key: owners for key, owners in alt_shortcuts(window).items() if len(owners) > 1}
