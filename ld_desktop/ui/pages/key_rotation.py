"""Removing a user and rotating the keys from the Admin page: a confirmation, then a progress
dialog while the database is re-encrypted (seconds on a large store), then what happened.

The re-key runs as an operation owned by the progress dialog (:class:`RekeyDialog`): its
progress reports come from the worker through a signal, the dialog cannot be dismissed while
it runs (no Cancel, Escape and closing do nothing: a re-key cannot stop half-way), and the
auto-lock timer is held until it ends. A lock from anywhere else while it runs hides the
dialog (``close_for_lock``) and waits for the re-key, which needs the key, before the key
goes (``operations.settle_for_lock``); the result is then dropped unseen, and the store opens
afterwards with the new key. A new recovery code in that result is not lost with it: the
Admin page seals it on the worker (``services.kept_recovery_code``) and the main window shows
it to the same administrator after their next unlock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QProgressDialog, QWidget

from ld_desktop.services.accounts import Progress, RotationResult
from ld_desktop.services.errors import is_refusal
from ld_desktop.ui.operations import Operation, show_failure


def confirm(parent: QWidget, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


class RekeyDialog(QProgressDialog):
    """The progress of one re-key, which runs as an operation owned by this dialog."""

    progressed = Signal(int, str)    # percent, what: emitted on the worker, shown here

    def __init__(self, parent: QWidget, title: str) -> None:
        super().__init__(title, "", 0, 100, parent)
        self.setWindowTitle(title)
        self.setCancelButton(None)   # a re-key cannot be cancelled half-way
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setAccessibleName("Key rotation progress")
        self.setMinimumWidth(460)      # the bare bar was 190 pixels wide, with no words
        words = QLabel()
        words.setWordWrap(True)
        words.setMaximumWidth(440)
        self.setLabel(words)
        # Progress goes to the bar itself: QProgressDialog.setValue on a modal dialog runs
        # processEvents(), so whatever waited (the deletion of a locked window's pages, and
        # this dialog with them) would run inside the report and delete it under its feet.
        self._bar = QProgressBar()
        self._bar.setRange(0, 100)
        self.setBar(self._bar)
        self._title = title
        self.setLabelText(self._words("Starting"))
        self.running = False
        self._owner_page = parent
        self.progressed.connect(self._show_progress)

    def run(self, work: Callable[[Progress], RotationResult],
            done: Callable[[RotationResult | str], None]) -> Operation:
        """Start ``work``; ``done`` gets its result, or a refusal's message (nothing is lost:
        an interrupted rotation is finished at the next unlock)."""
        self.running = True
        idle = getattr(self._owner_page.window(), "idle", None)   # the main window's
        timer: QTimer | None = getattr(idle, "timer", None)
        # The administrator is watching this dialog: auto-lock waits for the re-key.
        held = timer is not None and timer.isActive()
        if timer is not None and held:
            timer.stop()

        def finished() -> None:
            self.running = False
            if held and timer is not None:
                timer.start()
            self.close()
            self.deleteLater()

        def succeeded(result: RotationResult) -> None:
            finished()
            done(result)

        def failed(exc: Exception) -> None:
            finished()
            if is_refusal(exc):
                done(str(exc))
            else:
                show_failure(self._owner_page, exc, self.windowTitle().lower())

        report = self._report
        self.show()
        # exclusive: the swap waits for running loads; loads started meanwhile wait for it
        return Operation(self, lambda: work(report), doing=self.windowTitle().lower(),
                         exclusive=True) \
            .success(succeeded).failure(failed).run()

    def _report(self, done: int, total: int, what: str) -> None:   # on the worker
        with contextlib.suppress(RuntimeError):   # the dialog went (a lock): nothing to show
            self.progressed.emit(int(100 * done / total) if total else 100, what)

    def _words(self, what: str) -> str:
        return (f"{self._title}: {what}.\nThis cannot be stopped half-way: keep L&D Desktop "
                "open and the computer switched on until it has finished.")

    def _show_progress(self, percent: int, what: str) -> None:
        self.setLabelText(self._words(what))
        self._bar.setValue(percent)

    # a re-key cannot be stopped half-way: nothing dismisses the dialog while it runs
    def reject(self) -> None:
        if not self.running:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            event.ignore()
            return
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.running and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def close_for_lock(self) -> None:
        """A lock while the re-key runs: off the screen; the lock waits for the re-key."""
        self.hide()


def run_rotation(parent: QWidget, title: str, work: Callable[[Progress], RotationResult],
                 done: Callable[[RotationResult | str], None]) -> RekeyDialog:
    """Run ``work`` as an operation with a progress dialog; ``done`` gets the result, or a
    message saying what went wrong."""
    dialog = RekeyDialog(parent, title)
    dialog.run(work, done)
    return dialog


def describe(result: RotationResult) -> str:
    lines = [f"The database and every key slot now use a new key (generation "
             f"{result.generation}); copies of old key files open nothing."]
    if result.dropped_unmigrated:
        lines.append("Not yet upgraded, so removed (add them again, they type their "
                     f"passphrase): {', '.join(result.dropped_unmigrated)}.")
    return " ".join(lines)


def recovery_code_box(parent: QWidget, code: str, *, after_lock: bool = False) -> QMessageBox:
    why = ("The workstation locked while the keys were being replaced, so this was kept "
           "(sealed, in memory only) to show you now. ") if after_lock else ""
    box = QMessageBox(QMessageBox.Icon.Information, "New recovery code",
                      f"{why}The old recovery code no longer works. Print this one and give "
                      f"it to the service lead (shown once):\n\n{code}",
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    box.setAccessibleName("New recovery code")
    return box


def show_recovery_code(parent: QWidget, code: str) -> None:
    recovery_code_box(parent, code).exec()
