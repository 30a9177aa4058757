"""Down from a search box moves into its results (first row chosen), so Down then Enter opens
the first result without the mouse."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit


class DownToResults(QObject):
    def __init__(self, search: QLineEdit, view: QAbstractItemView) -> None:
        super().__init__(search)
        self._view = view
        search.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Down
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            model = self._view.model()
            if model is None or model.rowCount() == 0:
                return False
            self._view.setFocus(Qt.FocusReason.TabFocusReason)
            if not self._view.currentIndex().isValid():
                self._view.setCurrentIndex(model.index(0, 0))
            return True
        return False
