"""A record dialog's unsaved changes, kept as the user's encrypted draft.

Record dialogs (correct a person's details, correct a case's details) open filled with the
record as it is, so what is worth keeping is what the person has *changed*: each field whose
value differs from the one the dialog opened with. The changes are kept under the dialog's
key in the same store and by the same means as a form's draft (``DraftService`` through
``SaveLatest``): as they are made, after a pause, and settled before the key goes at a lock
(``settle`` joins the write). They are the signed-in user's own: another user on the
workstation never sees them. Nothing about them is logged.

When the same user opens that record's dialog again, the kept changes are read in the
background and offered back in a question, answered from the keyboard: Use my changes (the
default, and Escape: nothing is lost) puts them in the fields, unsaved; Discard them drops
the draft. Saving the record, or Cancel, drops the draft too (the save drops it on its own
worker, after the record is written). A lock while the question is open keeps the earlier
changes, with anything changed since on top.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from ld_desktop.ui.lock_sweep import Drafts
from ld_desktop.ui.operations import Debounce, Operation, SaveLatest, show_failure

Field = QLineEdit | QPlainTextEdit | QComboBox | QCheckBox

OFFER_TITLE = "Use your unsaved changes?"
USE = "&Use my changes"
DISCARD = "&Discard them"


def value_of(field: Field) -> Any:
    if isinstance(field, QLineEdit):
        return field.text()
    if isinstance(field, QPlainTextEdit):
        return field.toPlainText()
    if isinstance(field, QComboBox):
        return field.currentData()
    return field.isChecked()


def put(field: Field, value: Any) -> None:
    if isinstance(field, QLineEdit):
        field.setText(str(value))
    elif isinstance(field, QPlainTextEdit):
        field.setPlainText(str(value))
    elif isinstance(field, QComboBox):
        index = field.findData(value)
        if index >= 0:
            field.setCurrentIndex(index)
    else:
        field.setChecked(bool(value))


def _changed_signal(field: Field) -> Any:
    if isinstance(field, QLineEdit | QPlainTextEdit):
        return field.textChanged
    if isinstance(field, QComboBox):
        return field.currentIndexChanged
    return field.toggled


class KeptChanges:
    """What differs from the record in ``fields`` of ``dialog``, kept under ``key``.
    ``labels`` names each field for the question (never its value)."""

    def __init__(self, dialog: QDialog, drafts: Drafts, key: str, fields: dict[str, Field],
                 labels: dict[str, str], shown: Callable[[str], None],
                 locked: Callable[[], bool] = lambda: False) -> None:
        self._dialog = dialog
        self._drafts = drafts
        self._key = key
        self._fields = fields
        self._labels = labels
        self._shown = shown                          # a note in the form
        self._opened_with = {name: value_of(f) for name, f in fields.items()}
        self._earlier: dict[str, Any] | None = None  # offered back, not yet answered
        self.read = False                            # the kept changes are back
        self.question: QMessageBox | None = None
        self.committed = [False]                     # set by the record's save, on its worker

        def write(content: dict[str, Any]) -> None:
            if self.committed[0]:                    # once saved, the draft stays gone
                return
            if locked():    # a write left over after the lock, which settled the newest
                return      # changes before the key went: nothing more can be kept
            if "on top" in content:                  # a lock before the kept ones were read
                kept = (drafts.load(key) or {}).get("changes") or {}
                content = {"changes": {**kept, **content["on top"]}}
            drafts.save(key, content)                # empty: the draft is dropped

        self.saver = SaveLatest(dialog, write, doing="keeping your unsaved changes")
        self._timer = Debounce(dialog, 500, self.save)
        for field in fields.values():
            _changed_signal(field).connect(self._timer.trigger)
        Operation(dialog, lambda: drafts.load(key), doing="reading your unsaved changes") \
            .success(self._back).failure(self._unreadable).run()

    # ------------------------------------------------------------------ what is kept
    def changes(self) -> dict[str, Any]:
        return {name: value_of(f) for name, f in self._fields.items()
                if value_of(f) != self._opened_with[name]}

    def _content(self) -> dict[str, Any]:
        changes = {**(self._earlier or {}), **self.changes()}
        return {"changes": changes} if changes else {}

    def save(self) -> None:
        """Keep the changes now (in the background): not before the kept ones are back, nor
        while they are offered, so they are never written over unseen."""
        self._timer.stop()
        if self.read and self._earlier is None:
            self.saver.save(self._content())

    def settle_for_lock(self) -> None:
        """The workstation is locking: write the changes and wait for it. Kept changes not
        yet read, or offered and not answered, stay (with any new change on top)."""
        self._timer.stop()
        if self.question is not None and shiboken6.isValid(self.question):
            self.question.close()
        if self.read:
            self.saver.settle(self._content())
        elif self.changes():
            self.saver.settle({"on top": self.changes()})

    def discard(self) -> None:
        """Cancel: the changes go with the form."""
        self._timer.stop()
        self._earlier = None
        self.read = True            # a read still on its way offers nothing: the form is gone
        self.saver.save({})

    def stop(self) -> None:
        self._timer.stop()

    def committing(self, work: Callable[[], Any]) -> Callable[[], Any]:
        """``work`` (the record's save), then the kept changes go, on the same worker."""
        drafts, key, saver, committed = self._drafts, self._key, self.saver, self.committed

        def run() -> Any:
            with saver.holding():        # no draft save interleaves, none writes it back
                value = work()
                drafts.discard(key)
                committed[0] = True
                saver.written()
            return value
        return run

    # ------------------------------------------------------------------ offered back
    def _back(self, saved: dict[str, Any] | None) -> None:
        self.read = True
        if not self._dialog.isVisible() or self.committed[0]:
            return
        kept = (saved or {}).get("changes")
        earlier = {name: value for name, value in (kept or {}).items()
                   if name in self._fields and value != value_of(self._fields[name])}
        if not earlier:
            if saved:
                self.saver.save(self._content())   # nothing left to offer: keep only now's
            return
        self._earlier = earlier
        self._ask(earlier)

    def _unreadable(self, exc: Exception) -> None:
        self.read = True
        show_failure(self._dialog, exc, "reading your unsaved changes")

    def _ask(self, earlier: dict[str, Any]) -> None:
        names = ", ".join(self._labels.get(n, n) for n in earlier)
        box = QMessageBox(QMessageBox.Icon.Question, OFFER_TITLE,
                          "You changed this record earlier and did not save it (the "
                          f"workstation locked, or the application closed): {names}.\n\n"
                          "Use those changes (they are not saved until you press Save), or "
                          "discard them?",
                          QMessageBox.StandardButton.NoButton, self._dialog)
        box.setAccessibleName(OFFER_TITLE)
        use = box.addButton(USE, QMessageBox.ButtonRole.AcceptRole)
        drop = box.addButton(DISCARD, QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(use)
        box.setEscapeButton(use)            # a hurried Escape loses nothing
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._answered(button is drop))
        box.finished.connect(self._question_closed)
        self.question = box
        box.open()
        use.setFocus(Qt.FocusReason.OtherFocusReason)

    def _question_closed(self, _result: int) -> None:
        self.question = None

    def _answered(self, discard: bool) -> None:
        earlier, self._earlier = self._earlier or {}, None
        if discard:
            self.saver.save(self._content())    # only what was changed since, if anything
        else:
            for name, value in earlier.items():
                put(self._fields[name], value)
            self._timer.stop()
            self.saver.save(self._content())
            self._shown("Your earlier changes are back in the form; they are not saved yet.")
        self._dialog.activateWindow()
        first = getattr(self._dialog, "first_field", None)
        if isinstance(first, QWidget):
            first.setFocus(Qt.FocusReason.OtherFocusReason)
