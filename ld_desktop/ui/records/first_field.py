"""Dialogs in this package open with the keyboard in their first field. A record dialog
that calls ``keep_changes`` keeps what is changed and not yet saved as the user's draft, so
a lock (or a crash) loses nothing, and offers it back when opened again
(:mod:`ld_desktop.ui.records.kept_changes`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QCheckBox, QDialog, QWidget

from ld_desktop.ui.clinical.form_dialog import FormDialog
from ld_desktop.ui.records.kept_changes import Field, KeptChanges


class FirstFieldDialog(FormDialog):
    first_field: QWidget
    kept: KeptChanges | None = None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # after QDialog has given focus to its default button; dropped if the dialog goes
        QTimer.singleShot(0, self, self.first_field.setFocus)

    def keep_changes(self, session: Any, key: str, fields: dict[str, Field]) -> None:
        """Keep what is changed in ``fields`` (as filled now) under ``key``, and offer back
        what was kept there before. Each field is named in the offer by its label."""
        labels = {name: f.accessibleName() or (f.text() if isinstance(f, QCheckBox) else name)
                  for name, f in fields.items()}
        self.kept = KeptChanges(self, session.drafts, key, fields, labels, self.show_error,
                                lambda: bool(session.is_locked))

    def close_for_lock(self) -> None:
        if self.kept is not None:
            self.kept.settle_for_lock()
        super().close_for_lock()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed by the window system (its close button, the session logging off, the
        application quitting), not by Cancel or Escape: keep the changes, as a lock does."""
        if self.kept is None or self.saving is not None:
            super().closeEvent(event)
            return
        self.kept.settle_for_lock()
        QDialog.reject(self)
        event.accept()

    def _discard(self) -> None:
        if self.kept is not None:
            self.kept.discard()
        super()._discard()

    def _committing(self, work: Callable[[], Any]) -> Callable[[], Any]:
        if self.kept is None:
            return super()._committing(work)
        return self.kept.committing(work)

    def _saved(self, value: Any) -> None:
        if self.kept is not None:
            self.kept.stop()
        super()._saved(value)
