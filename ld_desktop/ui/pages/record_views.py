"""The person record (opening it is audited as a view by services). The case view is in
ui/clinical/case_page.py.

The page is a column of titled sections; another part of the app adds its own with
``add_section`` (e.g. a score tracker) without touching this layout. Correct, merge and
undo-merge act on the person; the page reloads when the person changes (after a merge that
kept the other record, it shows that one: the old id leads there)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.nhs_number import NhsNumberStatus, formatted
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.errors import is_refusal
from ld_desktop.services.person_codes import ethnic_category_label, sex_label
from ld_desktop.services.person_edits import PersonEditService
from ld_desktop.services.person_merge import PersonMergeService
from ld_desktop.services.record_changes import ChangeEntry, show_value
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes, PersonSummary, PersonView
from ld_desktop.ui.access_history import AccessHistoryDialog, HistoryOpener, history_button
from ld_desktop.ui.clinical.form_dialog import FormDialog
from ld_desktop.ui.clinical.score_tracker import PersonScoreTracker
from ld_desktop.ui.operations import LatestOnly, show_failure
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.person_history_panel import PersonHistoryPanel
from ld_desktop.ui.records.merge_dialogs import MergeDialog, UndoMergeDialog
from ld_desktop.ui.records.person_edit_dialog import PersonEditDialog


def person_details_form(person: PersonView) -> QFormLayout:
    nhs = "none recorded"
    if person.nhs_number:
        nhs = formatted(person.nhs_number) + (
            "" if person.nhs_number_status == NhsNumberStatus.VERIFIED
            else "  (unverified: not traced)")
    form = QFormLayout()
    form.addRow("Date of birth", QLabel(f"{person.date_of_birth:%d/%m/%Y}"
                                        if person.date_of_birth else "not known"))
    form.addRow("NHS number", QLabel(nhs))
    form.addRow("Sex", QLabel(sex_label(person.sex)))
    form.addRow("Gender", QLabel(show_value("gender", person.gender)))
    form.addRow("Ethnic category", QLabel(ethnic_category_label(person.ethnic_category)))
    form.addRow("Also known as", QLabel(", ".join(person.aliases) or "none"))
    form.addRow("Address", QLabel("No fixed abode" if person.no_fixed_abode
                                  else person.address or "not recorded"))
    form.addRow("GP practice", QLabel(person.gp_practice or "not recorded"))
    form.addRow("Communication needs", QLabel(person.communication_needs or "none recorded"))
    form.addRow("Interpreter", QLabel(person.interpreter_language or "not needed"))
    if person.parent_carer:
        form.addRow("Parent or carer", QLabel(person.parent_carer))
    return form


#: the person, who was merged into them, their corrections (oldest first)
_Loaded = tuple[PersonView, list[PersonSummary], list[ChangeEntry]]


class PersonPage(PageWidget):
    title = "Person"

    def __init__(self, session: UserSession, person: PersonView | uuid.UUID) -> None:
        """``person``: the view already read, or the id to read in the background (the
        page says "Loading…" until it is back)."""
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self.person_id = person if isinstance(person, uuid.UUID) else person.id
        self.person: PersonView | None = None if isinstance(person, uuid.UUID) else person
        self.dialog: FormDialog | None = None
        self.heading = QLabel("Loading…")
        self.heading.setObjectName("title")
        self.edit_button = QPushButton("Correct &details…")
        self.merge_button = QPushButton("&Merge with a duplicate…")
        self.edit_button.setEnabled(session.can(Permission.EDIT_RECORDS))
        self.merge_button.setEnabled(session.can(Permission.MERGE_RECORDS))
        self.edit_button.clicked.connect(self.edit)
        self.merge_button.clicked.connect(self.merge)
        self.action_row = QHBoxLayout()        # buttons acting on the person
        self.action_row.addWidget(self.edit_button)
        self.action_row.addWidget(self.merge_button)
        self.access = HistoryOpener(self)
        if session.can(Permission.VIEW_AUDIT):   # seniors: who looked at this person
            self.action_row.addWidget(history_button(self.show_access_history))
        self.action_row.addStretch(1)
        self.details = QWidget()
        self.history = PersonHistoryPanel(session)
        self.history.open_case.connect(self.open_case.emit)
        self.merged = QListWidget()
        self.merged.setAccessibleName("Records merged into this one")
        self.merged.setMaximumHeight(70)
        self.undo_button = QPushButton("&Undo the chosen merge…")
        self.undo_button.clicked.connect(self.undo_merge)
        self.changes = QListWidget()
        self.changes.setAccessibleName("Corrections and merges")
        self.changes.setWordWrap(True)
        self.changes.setMinimumHeight(80)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._layout.addWidget(self.heading)
        self._layout.addLayout(self.action_row)
        self._layout.addWidget(self.details)
        self.add_section("Previous contacts and alerts", self.history)
        self.scores = PersonScoreTracker(session)    # filled by _show_person
        self.add_section("Scores over time (all contacts)", self.scores)
        self.merged_heading = self.add_section("Records merged into this one", self.merged)
        self._layout.addWidget(self.undo_button)
        self.add_section("Corrections and merges (old values kept)", self.changes)
        self._merged_people: list[PersonSummary] = []
        self._latest = LatestOnly(self)
        for button in (self.edit_button, self.merge_button):
            button.setVisible(self.person is not None)   # not until the person is shown
        if self.person is not None:
            self._show(self.person)
        else:
            self.reload()

    def add_section(self, heading: str, widget: QWidget) -> QLabel:
        """A titled block at the foot of the page."""
        label = QLabel(heading)
        label.setObjectName("subtitle")
        self._layout.addWidget(label)
        self._layout.addWidget(widget)
        return label

    def _show(self, person: PersonView) -> None:
        """The person as given; what was merged into them and their corrections follow
        from a background load."""
        self._show_person(person)
        self._load(lambda: person)

    def _show_person(self, person: PersonView) -> None:
        self.person, self.person_id = person, person.id
        self.edit_button.setVisible(True)
        self.merge_button.setVisible(True)
        self.heading.setText(person.display_name)
        old = self.details
        self.details = QWidget()
        self.details.setLayout(person_details_form(person))
        self._layout.replaceWidget(old, self.details)
        old.deleteLater()
        self.history.show_person(person.id)
        self.scores.show_person(person.id)

    def _load(self, person: Callable[[], PersonView]) -> None:
        """Read the person (``person`` runs off the GUI thread), who was merged into them
        and their corrections; a newer load supersedes an older one, and nothing is shown
        after a lock or once the page is gone."""
        merges, edits = PersonMergeService(self._s), PersonEditService(self._s)

        def work() -> _Loaded:
            view = person()
            return view, merges.merged_into(view.id), edits.history(view.id)

        self._latest.run(work, self._loaded, self._load_failed, doing="loading the person")

    def _load_failed(self, exc: Exception) -> None:
        if self._s.is_locked:      # locked meanwhile (a page outside a window): show nothing
            return
        if self.person is None:
            self.heading.setText("This person could not be opened.")
            if not is_refusal(exc):
                show_failure(self, exc, "opening the person")
        self.changes.clear()
        self.changes.addItem(f"The corrections could not be loaded: {exc}")

    def _loaded(self, result: _Loaded) -> None:
        if self._s.is_locked:
            return
        person, self._merged_people, entries = result
        if person != self.person:   # the first load, or changed (or merged away)
            self._show_person(person)
        self.merged.clear()
        self.merged.addItems([p.display_name for p in self._merged_people])
        for widget in (self.merged_heading, self.merged, self.undo_button):
            widget.setVisible(bool(self._merged_people))
        self.undo_button.setEnabled(self._s.can(Permission.MERGE_RECORDS))
        self.changes.clear()
        self.changes.addItems([f"{e.at.astimezone():%d/%m/%Y %H:%M} · {e.by} · {e.summary}"
                               for e in reversed(entries)] or ["No corrections yet"])

    def reload(self) -> None:
        persons, person_id = self._s.persons, self.person_id
        self._load(lambda: persons.open(person_id))   # follows a merge to the survivor

    def close_for_lock(self) -> None:
        self._latest.cancel()
        self.history.cancel()
        self.scores.cancel()

    def on_changes(self, changes: Changes) -> None:
        if self._s.is_locked or not changes.touches(SyncedEntity.PERSON, SyncedEntity.CASE):
            return
        if not changes.ids or self.person_id in changes.ids:
            self.reload()

    def _open(self, dialog: FormDialog) -> FormDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def edit(self) -> None:
        if self.person is None:
            return
        self._open(PersonEditDialog(self._s, self.person, self))

    def show_access_history(self) -> None:
        if self.person is None:
            return
        maintenance, person_id = self._s.maintenance, self.person.id
        self.access.open(f"Access history: {self.person.display_name}",
                          lambda: maintenance.access_history(person_id=person_id))

    @property
    def history_dialog(self) -> AccessHistoryDialog | None:
        return self.access.dialog

    def merge(self) -> None:
        if self.person is None:
            return
        self._open(MergeDialog(self._s, self.person, self))

    def undo_merge(self) -> None:
        row = self.merged.currentRow()
        if self.person is None:
            return
        if 0 <= row < len(self._merged_people) or self._merged_people:
            chosen = self._merged_people[max(row, 0)]
            self._open(UndoMergeDialog(self._s, self.person, chosen, self))
