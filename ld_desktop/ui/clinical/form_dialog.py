"""A small form dialog: fields in a form layout, an inline error line, Save and Cancel.

Dialogs are opened window-modal with ``open()`` (never a nested event loop), so a lock can
close them and tests can drive them. A dialog's ``submit`` reads the form on the GUI thread
(a refusal raised there is shown inline) and returns the service call wrapped in
``InBackground``, which runs as an :class:`~ld_desktop.ui.operations.Operation`
owned by the dialog. Save is disabled while it runs (one press, one record) and Escape or
Cancel then does nothing (the record is going in; the form closes when it is); a refusal the
service raises (``services.errors.is_refusal``: ``ValueError``, ``PermissionError``,
``LookupError``, a ``StoreError`` such as a full disk) is shown inline with everything typed
kept; any other failure gets the operations' default display. A dialog
that saves nothing (a chooser) returns its value from ``submit`` directly.

With ``keep_drafts`` the text a person types is kept as a draft in the encrypted store as
they type: a lock closes the form but keeps the draft, and the form opened again for the same
thing brings the text back. Saving or Cancel removes it; with ``ask_before_discarding``,
Escape or Cancel on a form with text typed asks first (Enter or Escape keep editing). The
draft is read as an operation (the fields are read-only and Save is off until it is back) and
written through ``SaveLatest``; ``close_for_lock`` settles the newest text before the key
goes.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.errors import REFUSALS, is_refusal
from ld_desktop.ui.abstract_hooks import HookMeta
from ld_desktop.ui.discard_question import ask_discard
from ld_desktop.ui.operations import (
    Debounce,
    Operation,
    SaveLatest,
    show_failure,
    then_drop_draft,
)

__all__ = ["REFUSALS", "FormDialog", "InBackground", "as_date", "text_box"]


@dataclass(frozen=True)
class InBackground:
    """What ``submit`` returns to save through the services: the service call, which
    captures plain values (never a widget) and runs as an operation owned by the form."""

    call: Callable[[], Any]


class FormDialog(QDialog, metaclass=HookMeta):
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
        # the dialog grows when the error line appears (it was drawn under the last field)
        self.layout_.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)
        self.result_value: Any = None
        self._drafts: Any = None
        self._draft_key = ""
        self._draft_fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.restored = False
        self.draft_loaded = True         # keep_drafts: not until the saved draft is back
        self._without_default = False
        self.saving: Operation | None = None    # the save in flight, if any
        self._discard_title = ""          # ask_before_discarding: the question
        self.discard_question: QMessageBox | None = None

    def setVisible(self, visible: bool) -> None:
        """Open with focus in the first field: QDialog otherwise focuses the default button,
        so a Space or Enter straight away submitted an empty form."""
        if visible and not self.isVisible():
            first = self.first_input()
            if first is not None:
                first.setFocus(Qt.FocusReason.OtherFocusReason)
        super().setVisible(visible)

    def first_input(self) -> QWidget | None:
        for row in range(self.form.rowCount()):
            for role in (QFormLayout.ItemRole.FieldRole, QFormLayout.ItemRole.SpanningRole):
                item = self.form.itemAt(row, role)
                widget = item.widget() if item is not None else None
                if widget is None or not widget.isEnabled() or widget.isHidden():
                    continue
                for candidate in (widget, *widget.findChildren(QWidget)):
                    if (candidate.focusPolicy() & Qt.FocusPolicy.TabFocus
                            and candidate.isEnabled() and not candidate.isHidden()):
                        return candidate
        return None

    def no_default_button(self) -> None:
        """For a form whose default would record something risky: Enter presses nothing."""
        self._without_default = True
        self._clear_defaults()

    def _clear_defaults(self) -> None:
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._without_default:     # the button box makes its Save the default when shown
            self._clear_defaults()

    def keep_drafts(self, session: Any, key: str,
                    fields: dict[str, QLineEdit | QPlainTextEdit]) -> None:
        """Keep what is typed in ``fields`` as the user's draft under ``key``. The saved
        draft is read in the background; until it is back the fields are read-only and Save
        is off, so nothing typed before it arrives is overwritten or saved over the draft."""
        drafts = session.drafts
        self._drafts, self._draft_key, self._draft_fields = drafts, key, fields
        self.draft_loaded = False
        committed = self._draft_committed = [False]   # set by the save, inside the guard

        def write(value: dict[str, str] | None) -> None:
            if committed[0]:
                return                   # the record is saved: its draft stays gone
            if value is None:
                drafts.discard(key)
            else:
                drafts.save(key, value)

        self._draft_saver = SaveLatest(self, write, doing="keeping your draft")
        self._draft_timer = Debounce(self, 500, self.save_draft)
        for widget in fields.values():
            widget.setReadOnly(True)
        self.save_button.setEnabled(False)
        Operation(self, lambda: drafts.load(key), doing="reading your draft") \
            .success(self._draft_back).failure(self._draft_unreadable).run()

    def _draft_back(self, saved: dict[str, Any] | None) -> None:
        for name, widget in self._draft_fields.items():
            if (saved or {}).get(name):
                _set_text(widget, str(saved[name]))  # type: ignore[index]
                self.restored = True
        for widget in self._draft_fields.values():
            widget.setReadOnly(False)
            widget.textChanged.connect(self._draft_timer.trigger)
        self.draft_loaded = True
        self.save_button.setEnabled(self.saving is None)
        if self.restored:
            self.show_error("Restored what you typed earlier; it is not saved yet.")

    def _draft_unreadable(self, exc: Exception) -> None:
        self._draft_back(None)
        show_failure(self, exc, "reading your draft")

    def _typed(self) -> dict[str, str]:
        return {n: _text(w) for n, w in self._draft_fields.items()}

    def save_draft(self) -> None:
        """Keep what is typed now (in the background, newest text, one save at a time);
        nothing before the saved draft is back, so it is never written over with blanks."""
        if self._drafts is not None and self.draft_loaded:
            self._draft_timer.stop()
            self._draft_saver.save(self._typed())

    def close_for_lock(self) -> None:
        """The workstation is locking: keep the draft, close the form. The newest text is
        written now and waited for, before the lock drops queued work and the key: a save
        merely queued would be lost. If the record's own save committed first, it took the
        draft away and nothing is written back."""
        if self.discard_question is not None:
            self.discard_question.close()
        if self._drafts is not None:
            self._draft_timer.stop()
            if self.draft_loaded:
                self._draft_saver.settle(self._typed())
        super().reject()

    def ask_before_discarding(self, title: str) -> None:
        """Escape or Cancel with text typed in the draft's fields asks ``title`` first."""
        self._discard_title = title

    def reject(self) -> None:
        if self.saving is not None:      # Escape, or Enter on Cancel, while Save is writing:
            return                       # the record is going in; the form closes when it has
        if self._discard_title and any(t.strip() for t in self._typed().values()):
            if self.discard_question is not None:
                return
            self.discard_question = ask_discard(
                self, self._discard_title,
                "What you have typed here has not been saved and will be lost.",
                self._discard)
            self.discard_question.finished.connect(self._question_closed)
            return
        self._discard()

    def _question_closed(self, _result: int) -> None:
        self.discard_question = None     # answered, or closed by a lock: it deletes itself

    def _discard(self) -> None:
        self.discard_question = None
        if self._drafts is not None:
            self._draft_timer.stop()
            self._draft_saver.save(None)     # Cancel: the draft goes
        super().reject()

    def add_row(self, label: str, widget: QWidget) -> QWidget:
        widget.setAccessibleName(label.replace("&", ""))
        self.form.addRow(label, widget)
        return widget

    @abstractmethod
    def submit(self) -> Any:
        """Read the form on the GUI thread (raise a refusal to show it inline) and return
        :class:`InBackground` with the service call that saves it, or, for a form that
        saves nothing (a chooser), the value itself. Each dialog provides it."""

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.adjustSize()

    def accept(self) -> None:
        if self.saving is not None:      # a second Enter or click while saving
            return
        if self._drafts is not None and not self.draft_loaded:
            return                       # the saved draft is not back yet
        try:
            value = self.submit()
        except Exception as exc:
            if not is_refusal(exc):
                raise
            self.show_error(str(exc))
            return
        if not isinstance(value, InBackground):
            self._saved(value)
            return
        self.save_draft()                # kept until the save commits
        self.save_button.setEnabled(False)
        self.saving = Operation(self, self._committing(value.call), doing=self._doing()) \
            .success(self._saved).failure(self._refused).run(at_once=True)

    def _doing(self) -> str:
        # logged with a failure: a record dialog's title names the person after a colon
        # ("Correct details: QUINN, …"), and no personal data goes in the log
        return f"saving '{self.windowTitle().split(':')[0]}'"

    def _committing(self, work: Callable[[], Any]) -> Callable[[], Any]:
        if self._drafts is None:
            return work
        drafts, key = self._drafts, self._draft_key
        return then_drop_draft(work, self._draft_saver, lambda: drafts.discard(key),
                               self._draft_committed)

    def _refused(self, exc: Exception) -> None:
        self.saving = None
        self.save_button.setEnabled(True)
        if is_refusal(exc):
            self.show_error(str(exc).strip("'\""))
        else:
            show_failure(self, exc, self._doing())

    def _saved(self, value: Any) -> None:
        self.saving = None
        self.save_button.setEnabled(True)
        self.result_value = value
        if self._drafts is not None:
            self._draft_timer.stop()     # the save took the draft away on its worker
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


def _text(widget: QLineEdit | QPlainTextEdit) -> str:
    return widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()


def _set_text(widget: QLineEdit | QPlainTextEdit, text: str) -> None:
    if isinstance(widget, QPlainTextEdit):
        widget.setPlainText(text)
    else:
        widget.setText(text)
