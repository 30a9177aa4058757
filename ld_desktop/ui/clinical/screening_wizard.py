"""The screening wizard: renders the domain's ScreeningFlow one question at a time.

Keyboard first: number keys pick an answer, Enter goes on, Backspace or Page Up goes back,
Escape saves and returns to the case. Every answer is saved as it is given (text after a
short pause), in the background and in order (``draft_writer``), so a lock, a crash or a
power cut loses nothing; the draft resumes where it was left. An amendment of a
signed-off screening runs the same questions, pre-filled, and is stored as a new linked
screening with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.instruments.definition import InstrumentDefinition, ItemKind
from ld_desktop.domain.instruments.flow import FlowError, ScreeningFlow
from ld_desktop.domain.instruments.scoring import InvalidAnswer
from ld_desktop.services.clinical.screenings import ScreeningView
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.answer_editors import AnswerEditor, editor_for
from ld_desktop.ui.clinical.draft_writer import DraftWriter
from ld_desktop.ui.clinical.form_dialog import REFUSALS
from ld_desktop.ui.clinical.note_dialogs import ReasonDialog
from ld_desktop.ui.operations import Debounce, Operation, show_failure

T = TypeVar("T")
TEXT_SAVE_DELAY_MS = 400
KEY_HINT = ("Number keys pick an answer · Enter (Ctrl+Enter in a text box): next · "
            "Backspace: back · Esc: save and return to the case")


class ScreeningWizard(QWidget):
    completed = Signal(object)   # the stored ScreeningView
    closed = Signal()            # saved and left, or discarded

    def __init__(self, session: UserSession, case: CaseView, definition: InstrumentDefinition,
                 screening: ScreeningView | None = None,
                 amend_of: ScreeningView | None = None) -> None:
        super().__init__()
        self.setObjectName("page")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._session = session
        self._case = case
        self.definition = definition
        self.screening = screening
        self.amend_of = amend_of
        age = case.age_at_referral
        gender = case.person.gender
        sex = gender if gender in ("female", "male") else None   # AUDIT-C cut-offs by sex
        if screening is not None:
            self.flow = ScreeningFlow.from_json(definition, {
                "instrument": definition.id, "age": age, "answers": screening.answers,
                "position": screening.flow.get("position", 0)}, sex=sex)
        else:
            self.flow = ScreeningFlow(definition, age, dict(amend_of.answers) if amend_of else {},
                                      sex=sex)
        self._save_timer = Debounce(self, TEXT_SAVE_DELAY_MS, self.save_now)
        self._writer = DraftWriter(self, session.screenings, screening.id,
                                   self._not_saved) if screening is not None else None
        self.editor: AnswerEditor | None = None
        self.done = False            # completed or discarded: nothing more to save
        self.completing: Operation | None = None   # the completion in flight, if any
        self._closing = False        # saving, then back to the case
        self._build()
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.go_next)
        self.show_current()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        title = QLabel(f"{self.definition.short_title}: {self.definition.title}"
                       + ("  ·  AMENDMENT" if self.amend_of else ""))
        title.setObjectName("title")
        title.setWordWrap(True)
        who = QLabel(f"{self._case.person.display_name}"
                     + ("  ·  YOUNG PERSON" if self._case.is_youth else ""))
        who.setObjectName("subtitle")
        observation = self.screening.observation_only if self.screening else bool(
            self.amend_of and self.amend_of.observation_only)
        self.observation_banner = QLabel(
            "Observation only: there is no consent to the assessment. Record what you "
            "observe or know from other sources; do not put these questions to the person.")
        self.observation_banner.setObjectName("error")
        self.observation_banner.setWordWrap(True)
        self.observation_banner.setVisible(observation)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Screening progress")
        self.position_label = QLabel()
        self.section = QLabel()
        self.section.setObjectName("section")
        self.question = QLabel()
        self.question.setObjectName("question")
        self.question.setWordWrap(True)
        self.help = QLabel()
        self.help.setObjectName("subtitle")
        self.help.setWordWrap(True)
        self.editor_box = QVBoxLayout()
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem with this answer")
        self.back_button = self._button("◀ &Back", "Previous question", self.go_back)
        self.skip_button = self._button("S&kip", "Skip this optional question", self.skip)
        self.next_button = self._button("&Next ▶", "Next question", self.go_next)
        self.close_button = self._button("Save and &close", "Save and return to the case",
                                         self.save_and_close)
        self.discard_button = self._button("&Discard…", "Discard this screening",
                                           self.ask_discard)
        self.stop_button = self._button(
            "S&top here…", "Stop here: the person will not go on (keeps a partial result)",
            self.ask_stop)
        self.stop_button.setVisible(self.screening is not None)
        buttons = QHBoxLayout()
        for button in (self.back_button, self.skip_button, self.next_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.discard_button)
        hint = QLabel(KEY_HINT)
        hint.setObjectName("subtitle")
        layout = QVBoxLayout(self)
        for widget in (title, who, self.observation_banner, self.progress, self.position_label,
                       self.section, self.question, self.help):
            layout.addWidget(widget)
        layout.addLayout(self.editor_box)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(hint)

    def _button(self, text: str, name: str, action: object) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(action)
        return button

    # ------------------------------------------------------------------ showing a question
    def show_current(self) -> None:
        item = self.flow.current
        answered, total = self.flow.progress
        self.progress.setRange(0, total)
        self.progress.setValue(answered)
        self.position_label.setText(f"Question {self.flow.position + 1} of "
                                    f"{len(self.flow.visible())} · {answered} answered")
        self.section.setText(item.section or "")
        self.question.setText(item.text or f"Item {item.id.rsplit('.', 1)[-1]} (wording in "
                                            "your licensed copy)")
        self.help.setText(item.help or ("" if item.required else "Optional."))
        self.help.setVisible(bool(self.help.text()))
        if self.editor is not None:
            self.editor_box.removeWidget(self.editor)
            self.editor.deleteLater()
        self.editor = editor_for(item)
        self.editor.set_value(self.flow.answers.get(item.id))
        self.editor.changed.connect(lambda value, i=item.id: self._answered(i, value))
        self.editor_box.addWidget(self.editor)
        self.error.clear()
        self.back_button.setEnabled(not self.flow.at_start)
        self.skip_button.setVisible(not item.required and not self.flow.at_end)
        self.next_button.setText("&Finish" if self.flow.at_end else "&Next ▶")
        self.next_button.setAccessibleName("Finish and see the result" if self.flow.at_end
                                           else "Next question")
        self.editor.focus_first()

    def _answered(self, item_id: str, value: object) -> None:
        try:
            self.flow.answer(value, item_id)
        except InvalidAnswer as exc:
            self.error.setText(str(exc).split(": ", 1)[-1].capitalize())
            return
        self.error.clear()
        answered, total = self.flow.progress
        self.progress.setRange(0, total)
        self.progress.setValue(answered)
        if self.flow.current.kind in (ItemKind.TEXT, ItemKind.NUMBER, ItemKind.DATE):
            self._save_timer.trigger()
        else:
            self.save_now()

    # ------------------------------------------------------------------ keys
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if (Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and self.editor is not None
                and self.editor.pick(key - Qt.Key.Key_0)):
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.go_next()
        elif key in (Qt.Key.Key_Backspace, Qt.Key.Key_PageUp):
            if not self.flow.at_start:
                self.go_back()
        elif key == Qt.Key.Key_Escape:
            self.save_and_close()
        else:
            super().keyPressEvent(event)

    # ------------------------------------------------------------------ moving
    def go_next(self) -> None:
        if self.flow.at_end:
            self.finish()
        else:
            self._move(self.flow.next)

    def skip(self) -> None:
        self._move(self.flow.skip)

    def go_back(self) -> None:
        self._move(self.flow.back)

    def _move(self, step: Callable[[], object]) -> None:
        try:
            step()
        except FlowError as exc:
            self.error.setText(str(exc))
            return
        self.save_now()
        self.show_current()

    # ------------------------------------------------------------------ saving
    def save_now(self, *, at_once: bool = False) -> None:
        """Write the answers so far in the background (drafts only; an amendment is stored
        when finished). See :mod:`~ld_desktop.ui.clinical.draft_writer`."""
        self._save_timer.stop()
        if (self._writer is None or self.done or self.completing is not None
                or self._session.is_locked):
            return
        self._writer.write(self.flow.answers, {"position": self.flow.position},
                           at_once=at_once)

    def _not_saved(self, exc: Exception) -> None:
        if isinstance(exc, REFUSALS):
            self.error.setText(f"Your answers could not be saved: {exc}")
        else:
            show_failure(self, exc, "saving the screening's answers")

    def flush_drafts(self) -> None:
        """Called by the window before a lock: the write starts at once (never queued, so
        the lock waits for it before the key goes): nothing typed is lost."""
        self.save_now(at_once=True)

    def save_and_close(self) -> None:
        """Back to the case once the answers are written (so the case shows them); if the
        write fails the wizard stays, with the answers still in it."""
        if (self._writer is None or self.done or self.completing is not None
                or self._session.is_locked):
            self.closed.emit()
            return
        if self._closing:                      # Escape pressed again while writing
            return
        self._closing = True
        self._save_timer.stop()
        self._writer.write(self.flow.answers, {"position": self.flow.position}) \
            .success(lambda _none: self.closed.emit()).failure(self._not_closed)

    def _not_closed(self, exc: Exception) -> None:
        self._closing = False
        self._not_saved(exc)

    def ask_discard(self) -> None:
        if self.screening is None:   # an amendment not yet stored: nothing to discard
            self.closed.emit()
            return
        screening_id, screenings = self.screening.id, self._session.screenings
        assert self._writer is not None       # a stored draft has a writer
        ending = self._writer.ending          # resolved here: the work reads no widget
        self.discard_dialog = ReasonDialog(
            "Discard this screening",
            "The answers so far will be kept on record as entered in error and the "
            "screening removed from the case. Say why.",
            lambda reason: ending(lambda: screenings.discard(screening_id, reason))(),
            self, "Discard")
        self.discard_dialog.saved.connect(lambda _: self._discarded())
        self.discard_dialog.open()

    def ask_stop(self) -> None:
        """The person stops answering: keep a result of what the answers already prove."""
        if self.screening is None:
            return
        screening_id, screenings = self.screening.id, self._session.screenings
        self.save_now()
        answers, result = self.flow.answers, self.flow.result().to_json()
        assert self._writer is not None       # a stored draft has a writer
        ending = self._writer.ending          # resolved here: the work reads no widget
        self.stop_dialog = ReasonDialog(
            "Stop the screening here",
            "The answers given are kept. The result shows only what they already prove, "
            "marked PARTIAL. Say why the screening stopped (for example: declined to go on, "
            "too distressed, taken to interview).",
            lambda reason: ending(
                lambda: screenings.stop(screening_id, answers, result, reason))(),
            self, "Stop here")
        self.stop_dialog.saved.connect(self._stopped)
        self.stop_dialog.open()

    def _ending_work(self, work: Callable[[], T]) -> Callable[[], T]:
        """Work that ends the draft, after any draft write in flight (on the worker)."""
        return self._writer.ending(work) if self._writer is not None else work

    def _stopped(self, view: object) -> None:
        self.done = True
        self.completed.emit(view)

    def _discarded(self) -> None:
        self.done = True
        self.closed.emit()

    def finish(self) -> None:
        try:
            result = self.flow.finish()
        except FlowError as exc:
            missing = self.flow.missing_required()
            if missing:
                self.flow.go_to(missing[0])
                self.show_current()
            self.error.setText(str(exc))
            return
        if self.amend_of is not None:
            original, screenings = self.amend_of, self._session.screenings
            answers = self.flow.answers
            self.amend_dialog = ReasonDialog(
                "Amend a signed-off screening",
                "The signed-off screening stays on record; this amendment is linked to it. "
                "Say what is being corrected and why.",
                lambda reason: screenings.amend(original.id, answers, result.to_json(),
                                                reason),
                self, "Save amendment")
            self.amend_dialog.saved.connect(self.completed.emit)
            self.amend_dialog.open()
            return
        if self.screening is None or self.completing is not None:   # Enter again: ignored
            return
        self.save_now()
        screenings, screening_id = self._session.screenings, self.screening.id
        answers, result_json = self.flow.answers, result.to_json()
        self.completing = Operation(
            self, self._ending_work(lambda: screenings.complete(screening_id, answers,
                                                                result_json)),
            doing="completing the screening") \
            .success(self._completed).failure(self._not_completed).run(at_once=True)

    def _completed(self, view: ScreeningView) -> None:
        self.completing = None
        self.done = True
        self.completed.emit(view)

    def _not_completed(self, exc: Exception) -> None:
        self.completing = None
        if isinstance(exc, REFUSALS):
            self.error.setText(str(exc))
        else:
            show_failure(self, exc, "completing the screening")
