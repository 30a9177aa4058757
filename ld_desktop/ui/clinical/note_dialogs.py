"""Append-only notes (an amendment is a new, linked note) and a generic 'say why' prompt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from ld_desktop.services.clinical.notes import NoteView
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.form_dialog import FormDialog, InBackground, text_box


class NoteDialog(FormDialog):
    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None,
                 amends: NoteView | None = None) -> None:
        super().__init__("Amend note" if amends else "Add a note", parent,
                         "Save amendment" if amends else "Add note")
        self._session = session
        self._case = case
        self._amends = amends
        if amends is not None:
            original = QLabel(amends.body)
            original.setWordWrap(True)
            self.add_row("Original", original)
        self.body = text_box("What happened, what was said, what is planned", 6)
        if amends is not None:
            self.body.setPlainText(amends.body)
        self.add_row("&Note", self.body)
        key = f"note-amend:{amends.id}" if amends else f"note:{case.id}"
        self.keep_drafts(session, key, {"body": self.body})

    def submit(self) -> InBackground:
        text, notes = self.body.toPlainText(), self._session.notes
        if self._amends is not None:
            amends = self._amends.id
            return InBackground(lambda: notes.amend(amends, text))
        case_id = self._case.id
        return InBackground(lambda: notes.add(case_id, text))


class ReasonDialog(FormDialog):
    """Ask for a reason, then hand it to ``action`` (which may refuse with a ValueError).
    ``action`` runs in the background: it calls a service and touches no widget."""

    def __init__(self, title: str, prompt: str, action: Callable[[str], Any],
                 parent: QWidget | None = None, save_text: str = "Confirm",
                 field: str = "&Reason", missing: str = "Give a reason.") -> None:
        super().__init__(title, parent, save_text)
        self._action = action
        self._missing = missing
        explanation = QLabel(prompt)
        explanation.setWordWrap(True)
        self.form.addRow(explanation)
        self.reason = text_box(field.replace("&", ""), 3)
        self.add_row(field, self.reason)

    def submit(self) -> InBackground:
        reason = self.reason.toPlainText().strip()
        if not reason:
            raise ValueError(self._missing)
        action = self._action
        return InBackground(lambda: action(reason))
