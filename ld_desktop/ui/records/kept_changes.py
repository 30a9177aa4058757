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
default, and Escape: nothing is lost) puts them in the fields, unsaved (but not over a value
changed since: below); Discard them drops the draft. Saving the record, or Cancel, drops the
draft too (the save drops it on its own worker, after the record is written). A lock while
the question is open keeps the earlier changes, with anything changed since on top.

With each change is kept its *base*, the value the field had when the dialog opened
(``{"changes": {...}, "base": {...}}``; a draft kept before bases were, has none, and its
changes are offered as they always were). Offered back, a change whose base is no longer the
record's value was made over a value someone else has changed since (a sync from another
workstation, or a colleague here): the question names that field with both values (it is the
user's own screen and record), and Use my changes leaves the newer value in it and shows the
user's next to it in the form's note, kept in the draft until they choose, so nobody's
correction is overwritten unseen (conflicts are surfaced, never silently overwritten).
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
from ld_desktop.ui.operations import (
    Debounce,
    Operation,
    SaveLatest,
    show_failure,
    then_drop_draft,
)

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


def put(field: Field, value: Any) -> bool:
    """Put ``value`` in ``field``; False if it cannot go in (a choice no longer offered)."""
    if isinstance(field, QLineEdit):
        field.setText(str(value))
    elif isinstance(field, QPlainTextEdit):
        field.setPlainText(str(value))
    elif isinstance(field, QComboBox):
        index = field.findData(value)
        if index < 0:
            return False
        field.setCurrentIndex(index)
    else:
        field.setChecked(bool(value))
    return True


def shown_as(field: Field, value: Any) -> str:
    """``value`` as the person reads it in ``field``, quoted, for their own screen only."""
    if isinstance(field, QCheckBox):
        return "ticked" if value else "not ticked"
    if isinstance(field, QComboBox):
        index = field.findData(value)
        text = field.itemText(index) if index >= 0 else str(value or "")
    else:
        text = " / ".join(line.strip() for line in str(value).splitlines() if line.strip())
    if not text:
        return "(empty)"
    return f"'{text[:77]}\u2026'" if len(text) > 80 else f"'{text}'"


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
        self._earlier_base: dict[str, Any] = {}      # their bases, where kept
        self._set_aside: dict[str, tuple[Any, Any]] = {}   # kept, not put over a newer one
        self.read = False                            # the kept changes are back
        self.question: QMessageBox | None = None
        self.committed = [False]                     # set by the record's save, on its worker

        def write(content: dict[str, Any]) -> None:
            if self.committed[0]:                    # once saved, the draft stays gone
                return
            if locked():    # a write left over after the lock, which settled the newest
                return      # changes before the key went: nothing more can be kept
            if "on top" in content:                  # a lock before the kept ones were read
                kept = drafts.load(key) or {}
                content = {"changes": {**(kept.get("changes") or {}), **content["on top"]},
                           "base": {**(kept.get("base") or {}), **content["on top base"]}}
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

    def _bases(self) -> dict[str, Any]:
        """The base of each change made in this dialog: the value it opened with."""
        return {name: self._opened_with[name] for name in self.changes()}

    def _content(self) -> dict[str, Any]:
        now = self.changes()
        earlier = self._earlier or {}
        changes = {**earlier, **{n: v for n, (v, _) in self._set_aside.items()}, **now}
        base = {**{n: b for n, b in self._earlier_base.items() if n in earlier},
                **{n: b for n, (_, b) in self._set_aside.items()}, **self._bases()}
        return {"changes": changes, "base": base} if changes else {}

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
            self.saver.settle({"on top": self.changes(), "on top base": self._bases()})

    def discard(self) -> None:
        """Cancel: the changes go with the form."""
        self._timer.stop()
        unseen = not self.read      # still being read, or unreadable: never offered
        self._earlier = None
        self._set_aside = {}
        self.read = True            # a read still on its way offers nothing: the form is gone
        if unseen:
            return                  # what was kept before stays, to be offered next time
        self.saver.save({})

    def stop(self) -> None:
        self._timer.stop()

    def committing(self, work: Callable[[], Any]) -> Callable[[], Any]:
        """``work`` (the record's save), then the kept changes go, on the same worker."""
        drafts, key = self._drafts, self._key
        seen = self.read    # saved before the kept changes were back: they stay, unseen

        def drop() -> None:
            if seen:
                drafts.discard(key)
        return then_drop_draft(work, self.saver, drop, self.committed)

    # ------------------------------------------------------------------ offered back
    def _back(self, saved: dict[str, Any] | None) -> None:
        self.read = True
        if not self._dialog.isVisible() or self.committed[0]:
            return
        kept = (saved or {}).get("changes")
        base = (saved or {}).get("base") or {}        # none in a draft kept before bases
        earlier = {name: value for name, value in (kept or {}).items()
                   if name in self._fields and value != value_of(self._fields[name])}
        if not earlier:
            if saved:
                self.saver.save(self._content())   # nothing left to offer: keep only now's
            return
        self._earlier = earlier
        self._earlier_base = {name: base[name] for name in earlier if name in base}
        self._ask(earlier)

    def _changed_since(self) -> list[str]:
        """The offered fields whose value in the record is no longer the one the change was
        typed over."""
        return [name for name, base in self._earlier_base.items()
                if name in (self._earlier or {}) and base != self._opened_with[name]]

    def _both(self, name: str, yours: Any) -> str:
        field = self._fields[name]
        return (f"{self._labels.get(name, name)} \u2014 now "
                f"{shown_as(field, self._opened_with[name])}; yours {shown_as(field, yours)}")

    def _unreadable(self, exc: Exception) -> None:
        # ``read`` stays False: what is kept was never seen, so later writes go "on top" of
        # it (settle) or wait, and never replace it; Cancel and Save leave it in place
        show_failure(self._dialog, exc, "reading your unsaved changes")

    def _ask(self, earlier: dict[str, Any]) -> None:
        names = ", ".join(self._labels.get(n, n) for n in earlier)
        since = self._changed_since()
        clash = ""
        if since:
            clash = ("\n\nChanged since on another workstation or by a colleague: "
                     + " ".join(f"{self._both(n, earlier[n])}." for n in since)
                     + "\nUse my changes leaves the newer value in "
                     + ("that field" if len(since) == 1 else "those fields")
                     + " and shows yours next to it, for you to choose.")
        box = QMessageBox(QMessageBox.Icon.Question, OFFER_TITLE,
                          "You changed this record earlier and did not save it (the "
                          f"workstation locked, or the application closed): {names}."
                          f"{clash}\n\n"
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

    def _back_note(self, since: list[str], earlier: dict[str, Any]) -> str:
        if not since:
            return "Your earlier changes are back in the form; they are not saved yet."
        first = ("Your other earlier changes are back in the form; they are not saved yet. "
                 if len(since) < len(earlier) else "")
        return (f"{first}Changed since on another workstation or by a colleague, so the "
                "newer value is left in the form: "
                + "; ".join(self._both(n, earlier[n]) for n in since)
                + ". Type yours in if it should replace it.")

    def _left_out_note(self, left_out: list[str], earlier: dict[str, Any]) -> str:
        if not left_out:
            return ""
        return ("Not put in (typed in since you opened this, or no longer a choice): "
                + "; ".join(f"{self._labels.get(n, n)} \u2014 yours earlier "
                            f"{shown_as(self._fields[n], earlier[n])}" for n in left_out)
                + ".")

    def _question_closed(self, _result: int) -> None:
        self.question = None

    def _answered(self, discard: bool) -> None:
        since = self._changed_since()
        earlier, self._earlier = self._earlier or {}, None
        if discard:
            self.saver.save(self._content())    # only what was changed since, if anything
        else:
            left_out: list[str] = []
            for name, value in earlier.items():
                field = self._fields[name]
                if name in since:               # never over someone else's newer value
                    self._set_aside[name] = (value, self._earlier_base[name])
                elif value_of(field) != self._opened_with[name] or not put(field, value):
                    # typed into while the kept changes were read, or no longer a choice
                    left_out.append(name)
                    self._set_aside[name] = (value, self._earlier_base.get(
                        name, self._opened_with[name]))
            self._timer.stop()
            self.saver.save(self._content())
            put_or_since = {n: v for n, v in earlier.items() if n not in left_out}
            back = self._back_note(since, put_or_since) if put_or_since else ""
            self._shown(" ".join(filter(None, (back, self._left_out_note(left_out, earlier)))))
        self._dialog.activateWindow()
        first = getattr(self._dialog, "first_field", None)
        if isinstance(first, QWidget):
            first.setFocus(Qt.FocusReason.OtherFocusReason)
