"""Removing a user and rotating the keys from the Admin page: a confirmation, then a progress
dialog while the database is re-encrypted (seconds on a large store), then what happened.

The work runs on the GUI thread (the session and its store are the GUI thread's); the
rotation reports progress from there, and each report repaints the dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from ld_desktop.services.accounts import Progress, RotationResult
from ld_desktop.services.errors import StoreError


def confirm(parent: QWidget, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def run_rotation(parent: QWidget, title: str,
                 work: Callable[[Progress], RotationResult]) -> RotationResult | str:
    """Run ``work`` with a progress dialog; the result, or a message saying what went wrong
    (nothing is lost: an interrupted rotation is finished at the next unlock)."""
    dialog = QProgressDialog(title, "", 0, 100, parent)
    dialog.setWindowTitle(title)
    dialog.setCancelButton(None)  # a re-key cannot be cancelled half-way
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAccessibleName("Key rotation progress")

    idle = getattr(parent.window(), "idle", None)   # the main window's auto-lock watcher

    def progress(done: int, total: int, what: str) -> None:
        # A rotation in progress counts as activity: auto-lock must not pull the store away
        # half-way through (the administrator is watching this dialog).
        timer = getattr(idle, "timer", None)
        if timer is not None and timer.isActive():
            timer.start()
        dialog.setLabelText(what)
        dialog.setValue(int(100 * done / total) if total else 100)
        QApplication.processEvents()

    dialog.show()
    try:
        return work(progress)
    except (ValueError, PermissionError, StoreError) as exc:
        return str(exc)
    finally:
        dialog.close()
        dialog.deleteLater()


def describe(result: RotationResult) -> str:
    lines = [f"The database and every key slot now use a new key (generation "
             f"{result.generation}); copies of old key files open nothing."]
    if result.dropped_unmigrated:
        lines.append("Not yet upgraded, so removed (add them again, they type their "
                     f"passphrase): {', '.join(result.dropped_unmigrated)}.")
    return " ".join(lines)


def show_recovery_code(parent: QWidget, code: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "New recovery code",
                      "The old recovery code no longer works. Print this one and give it to "
                      f"the service lead (shown once):\n\n{code}",
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()
