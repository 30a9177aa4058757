"""Merge two people's records (seniors), undo a merge, move a case to another person.

The other person is chosen explicitly (Enter on a search result), the differences between
the two are shown before anything happens, a reason is required, and there is no default
button: Enter never merges or moves by itself.

The search, the comparison and the merge, undo or move itself run as operations owned by the
dialog (``FormDialog``'s ``InBackground``): the button is off while one runs, a refusal is
shown in the dialog with everything kept, and the dialog closes only once it is done. The
reason typed is kept as the user's draft (``keep_changes``): a lock does not lose it, and it is
offered back when the dialog opens again; the other person is chosen again, explicitly."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

from ld_desktop.services.person_merge import PersonMergeService
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView, PersonSummary, PersonView
from ld_desktop.ui.clinical.form_dialog import InBackground, text_box
from ld_desktop.ui.operations import LatestOnly, show_failure
from ld_desktop.ui.records.first_field import FirstFieldDialog
from ld_desktop.ui.records.person_picker import PersonPicker, describe


class _NoDefaultDialog(FirstFieldDialog):
    """Enter does not press any button here (Space on the focused button does)."""

    def __init__(self, title: str, parent: QWidget | None, save_text: str) -> None:
        super().__init__(title, parent, save_text)
        self._no_default()

    def _no_default(self) -> None:
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._no_default()       # a button box makes its Save the default when shown

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()       # never a default action
            return
        super().keyPressEvent(event)


class MergeDialog(_NoDefaultDialog):
    def __init__(self, session: UserSession, person: PersonView,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Merge records: {person.display_name}", parent, "Merge records")
        self.setMinimumWidth(680)
        self._service = PersonMergeService(session)
        self._person = person
        self.add_row("This record", QLabel(describe(person)))
        self.picker = PersonPicker(session, {person.id})
        self.add_row("&Duplicate of", self.picker)
        self.preview = QLabel("Choose the other record to see how the two differ.")
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("What the merge will do")
        self.form.addRow(self.preview)
        self.keep = QComboBox()
        self.keep.addItem(f"Keep this record ({person.display_name})", "this")
        self.keep.addItem("Keep the other record", "other")
        self.add_row("&Keep", self.keep)
        self.reason = text_box("Why these are the same person", 2)
        self.add_row("&Reason", self.reason)
        self._preview_load = LatestOnly(self)
        self._preview_for: tuple[uuid.UUID, uuid.UUID] | None = None   # the pair shown
        self.save_button.setEnabled(False)   # until the preview for the choice is shown
        self.picker.chosen_changed.connect(self._show_preview)
        self.keep.currentIndexChanged.connect(lambda _i: self._show_preview(self.picker.chosen))
        self.first_field = self.picker.search
        # the reason typed survives a lock; the other record is chosen again, explicitly
        self.keep_changes(session, f"merge:{person.id}", {"reason": self.reason})

    def _pair(self, other: PersonSummary) -> tuple[uuid.UUID, uuid.UUID]:
        if self.keep.currentData() == "this":
            return self._person.id, other.id
        return other.id, self._person.id

    def _show_preview(self, other: PersonSummary | None) -> None:
        """Read in the background (a ``LatestOnly`` owned by the dialog); Merge is off until
        the preview for the pair now chosen is shown."""
        self._preview_for = None
        self.save_button.setEnabled(False)
        if other is None:
            self._preview_load.cancel()
            self.preview.setText("Choose the other record to see how the two differ.")
            return
        pair = self._pair(other)
        service = self._service
        self.preview.setText("Comparing the two records\u2026")
        self._preview_load.run(lambda: service.preview(*pair),
                               lambda preview: self._preview_back(pair, preview),
                               lambda exc: self._preview_refused(pair, exc),
                               doing="comparing the two records")

    def _chosen_pair(self) -> tuple[uuid.UUID, uuid.UUID] | None:
        other = self.picker.chosen
        return None if other is None else self._pair(other)

    def _preview_back(self, pair: tuple[uuid.UUID, uuid.UUID], preview: Any) -> None:
        if pair != self._chosen_pair():
            return
        lines = [f"{preview.cases_to_move} case(s) will move to the record kept, with "
                 "their notes and screenings."]
        lines += (["They differ in:"] + [f"\u2022 {d}" for d in preview.differences]
                  if preview.differences else ["The main details agree."])
        self.preview.setText("\n".join(lines))
        self._preview_for = pair
        self.save_button.setEnabled(self.saving is None)

    def _preview_refused(self, pair: tuple[uuid.UUID, uuid.UUID], exc: Exception) -> None:
        if pair != self._chosen_pair():
            return
        if isinstance(exc, (ValueError, PermissionError)):
            self.preview.setText(str(exc))
        else:
            self.preview.setText("")
            show_failure(self, exc, "comparing the two records")

    def preview_is_current(self) -> bool:
        """The preview shown is for the pair now chosen."""
        return self._preview_for is not None and self._preview_for == self._chosen_pair()

    def _refused(self, exc: Exception) -> None:
        super()._refused(exc)
        self.save_button.setEnabled(self.preview_is_current())

    def done(self, result: int) -> None:
        self.picker.stop()
        self._preview_load.cancel()
        super().done(result)

    def submit(self) -> InBackground:
        other = self.picker.chosen
        if other is None:
            raise ValueError("Choose the other record first (Enter on a search result).")
        if not self.preview_is_current():
            raise ValueError("The two records are still being compared; nothing is merged.")
        survivor, merged = self._pair(other)
        service, reason = self._service, self.reason.toPlainText()
        return InBackground(lambda: service.merge(survivor, merged, reason))


class UndoMergeDialog(_NoDefaultDialog):
    def __init__(self, session: UserSession, survivor: PersonView, merged: PersonSummary,
                 parent: QWidget | None = None) -> None:
        super().__init__("Undo a merge", parent, "Undo merge")
        self._service = PersonMergeService(session)
        self._merged = merged
        explanation = QLabel(f"{describe(merged)} was merged into {survivor.display_name}. "
                             "Its cases go back to it, and names and details the merge "
                             "added are taken off again unless changed since.")
        explanation.setWordWrap(True)
        self.form.addRow(explanation)
        self.reason = text_box("Why the merge was wrong", 2)
        self.add_row("&Reason", self.reason)
        self.first_field = self.reason
        self.keep_changes(session, f"undo-merge:{merged.id}", {"reason": self.reason})

    def submit(self) -> InBackground:
        service, merged, reason = self._service, self._merged.id, self.reason.toPlainText()
        return InBackground(lambda: service.undo_merge(merged, reason))


class MoveCaseDialog(_NoDefaultDialog):
    def __init__(self, session: UserSession, case: CaseView,
                 parent: QWidget | None = None) -> None:
        super().__init__("Move this case to another person", parent, "Move case")
        self._service = PersonMergeService(session)
        self._case = case
        self.add_row("Filed under", QLabel(describe(case.person)))
        self.picker = PersonPicker(session, {case.person.id})
        self.add_row("&Move to", self.picker)
        self.reason = text_box("Why the case belongs to the other person", 2)
        self.add_row("&Reason", self.reason)
        self.first_field = self.picker.search
        # the reason typed survives a lock; the person is chosen again, explicitly
        self.keep_changes(session, f"move-case:{case.id}", {"reason": self.reason})

    def done(self, result: int) -> None:
        self.picker.stop()
        super().done(result)

    def submit(self) -> InBackground:
        target = self.picker.chosen
        if target is None:
            raise ValueError("Choose the person to move the case to (Enter on a result).")
        service, case_id, reason = self._service, self._case.id, self.reason.toPlainText()

        def move() -> PersonSummary:
            service.move_case(case_id, target.id, reason)
            return target
        return InBackground(move)
