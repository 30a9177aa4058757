"""A save the person pressed is never dropped by a lock (principle 1: nothing is lost).

A lock drops operations still waiting in the pool's queue. A form's save must not be one of
them: with every pool thread busy (a slow list, a search), Save pressed just before Ctrl+L
must still commit before the key goes, as a draft written before the lock does."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from ld_desktop.ui import operations
from ld_desktop.ui.clinical.form_dialog import FormDialog, InBackground
from ld_desktop.ui.operations import Operation


class _Note(FormDialog):
    def __init__(self, saved: list[str]) -> None:
        super().__init__("Add a note", None)
        self.text = QLineEdit()
        self.form.addRow("&Note", self.text)
        self._saved_notes = saved

    def submit(self) -> InBackground:
        text = self.text.text()
        return InBackground(lambda: self._saved_notes.append(text))


def test_save_pressed_while_the_pool_is_busy_commits_before_the_lock(qtbot) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    busy = [Operation(None, lambda: gate.wait(10)).run()
            for _ in range(operations.pool().maxThreadCount())]
    qtbot.waitUntil(lambda: operations.pool().activeThreadCount()
                    == operations.pool().maxThreadCount(), timeout=5_000)
    saved: list[str] = []
    dialog = _Note(saved)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.text, timeout=2_000)
    qtbot.keyClicks(QApplication.focusWidget(), "Seen in cell 4")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert dialog.saving is not None           # Save was taken, the work handed over

    threading.Timer(0.2, gate.set).start()     # the busy work finishes while the lock waits
    operations.settle_for_lock()               # what Ctrl+L does before the key goes
    assert saved == ["Seen in cell 4"]
    assert all(op.dropped for op in busy)      # the background reads were let go
