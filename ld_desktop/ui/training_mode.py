"""Training mode in the main window: the red banner, TRAINING on every PDF, the scenario cards
beside the pages after unlocking, and the trainer's reset (Training menu).

Attached by `app.py` when the workstation is a training one; it listens to the window's
session signals, so the main window knows nothing of training.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.errors import is_refusal
from ld_desktop.services.training import (
    WATERMARK,
    check_can_reset,
    is_training,
    recreate_training_store,
    scenario_case_ids,
)
from ld_desktop.services.training_scenarios import CardWalk
from ld_desktop.ui.operations import Operation, show_failure
from ld_desktop.ui.pdf.writer import set_watermark

if TYPE_CHECKING:
    from ld_desktop.services.session import UserSession
    from ld_desktop.ui.main_window import MainWindow


class TrainingCards(QWidget):
    """The step-by-step cards: a scenario list and the current card, by keyboard."""

    def __init__(self, walk: CardWalk, case_ids: dict[str, list[uuid.UUID]],
                 open_case: object) -> None:
        super().__init__()
        self.walk = walk
        self._case_ids = case_ids
        self._open_case = open_case
        self.scenarios = QListWidget()
        self.scenarios.setAccessibleName("Training scenarios")
        for scenario in walk.scenarios:
            self.scenarios.addItem(scenario.title)
        self.scenarios.setMaximumHeight(170)
        self.scenarios.currentRowChanged.connect(self._choose)
        self.title = QLabel("")
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.who = QLabel("")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.position = QLabel("")
        self.step = QLabel("")
        self.step.setWordWrap(True)
        self.step.setAccessibleName("This step")
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton("Next step")
        self.next_button.clicked.connect(self.next)
        self.open_button = QPushButton("Open this scenario's case")
        self.open_button.clicked.connect(self.open_scenario_case)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scenarios)
        for widget in (self.title, self.who, self.summary, self.position, self.step):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.open_button)
        layout.addStretch(1)
        self.scenarios.setCurrentRow(0)

    def _choose(self, row: int) -> None:
        if row >= 0:
            self.walk.choose(row)
            self._render()

    def _render(self) -> None:
        scenario = self.walk.scenario
        self.title.setText(scenario.title)
        self.who.setText(f"Sign in as {scenario.signs_in_as}")
        self.summary.setText(scenario.summary)
        self.position.setText(self.walk.position)
        self.step.setText(self.walk.step_text)
        self.back_button.setEnabled(self.walk.can_go_back)
        self.next_button.setEnabled(self.walk.can_go_on)
        self.open_button.setEnabled(bool(self._case_ids.get(scenario.id)))

    def next(self) -> None:
        self.walk.next()
        self._render()

    def back(self) -> None:
        self.walk.back()
        self._render()

    def open_scenario_case(self) -> None:
        cases = self._case_ids.get(self.walk.scenario.id)
        if cases:
            self._open_case(cases[0])  # type: ignore[operator]


class ResettingPage(QWidget):
    """Shown in place of the unlock screen while the training store is made afresh: there
    is nothing to unlock until it exists."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("page")
        self.message = QLabel("Resetting the training workstation… the scenarios are put "
                              "back to their start. This takes a few seconds.")
        self.message.setObjectName("title")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Resetting the training workstation")
        busy = QProgressBar()
        busy.setRange(0, 0)
        busy.setAccessibleName("Resetting")
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.message)
        box.addWidget(busy)
        box.addStretch(1)


class TrainingMode:
    def __init__(self, window: MainWindow, folder: Path) -> None:
        self.window = window
        self.folder = folder
        self.walk = CardWalk()
        self.dock: QDockWidget | None = None
        self.resetting: ResettingPage | None = None   # while the store is made afresh
        set_watermark(WATERMARK)
        for label in window.findChildren(QLabel, "banner"):   # red, not the demo's yellow
            label.setObjectName("training-banner")
            label.style().unpolish(label)
            label.style().polish(label)
        menu = window.menuBar().addMenu("&Training")
        self.reset_action = menu.addAction("Reset the training workstation…")
        self.reset_action.setEnabled(False)
        self.reset_action.triggered.connect(self.reset)
        window.session_started.connect(self._started)
        window.session_locked.connect(self._locked)

    def _started(self, session: UserSession) -> None:
        """Whether this is a training store (the store's word decides, not the folder) and
        its scenarios' cases are read by an operation owned by the window (dropped if the
        session locks first); the cards appear when they are back."""
        def read() -> dict[str, list[uuid.UUID]] | None:
            return scenario_case_ids(session) if is_training(session) else None

        Operation(self.window, read, doing="reading the training scenarios") \
            .success(lambda case_ids: self._show_cards(session, case_ids)).run()

    def _show_cards(self, session: UserSession,
                    case_ids: dict[str, list[uuid.UUID]] | None) -> None:
        if case_ids is None or self.window.session is not session or self.dock is not None:
            return
        self.reset_action.setEnabled(session.user.role.value == "admin")
        cards = TrainingCards(self.walk, case_ids, self.window.open_case)
        self.dock = QDockWidget("Training scenarios", self.window)
        self.dock.setObjectName("training-cards")
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.dock.setWidget(cards)
        self.dock.setMinimumWidth(300)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)

    def _locked(self) -> None:
        self.reset_action.setEnabled(False)
        if self.dock is not None:
            self.window.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None

    # the trainer's reset ----------------------------------------------------------------
    # 1. whether this session may reset (it reads the store): an operation owned by the
    #    window, dropped if the session locks first;
    # 2. the trainer confirms; the window locks (the lock's own work, as any lock);
    # 3. the store is made afresh by an operation while a "Resetting…" page stands where
    #    the unlock screen would be: there is nothing to unlock until the new store exists.
    def reset(self) -> None:
        session, folder = self.window.session, self.folder
        if session is None:
            return
        self.reset_action.setEnabled(False)   # once: a second press waits for this one
        Operation(self.window, lambda: check_can_reset(session, folder),
                  doing="checking the training workstation can be reset") \
            .success(lambda _none: self._confirm_reset(session)) \
            .failure(self._reset_refused).run()

    def _reset_refused(self, exc: Exception) -> None:
        self.reset_action.setEnabled(self.window.session is not None)
        if is_refusal(exc):   # not a trainer, or not a training workstation
            QMessageBox.warning(self.window, "Reset the training workstation", str(exc))
        else:
            show_failure(self.window, exc, "checking the training workstation can be reset")

    def _confirm_reset(self, session: UserSession) -> None:
        if self.window.session is not session:
            return
        answer = QMessageBox.question(
            self.window, "Reset the training workstation",
            "Put every training scenario back to its start? Everything trainees did here is "
            "removed.")
        if answer != QMessageBox.StandardButton.Yes or self.window.session is not session:
            self.reset_action.setEnabled(self.window.session is not None)
            return
        self.window.lock("training reset by the trainer")
        self.resetting = ResettingPage()
        self.window.root.addWidget(self.resetting)
        self.window.root.setCurrentWidget(self.resetting)   # in place of the unlock screen
        folder = self.folder
        Operation(self.window, lambda: recreate_training_store(folder),
                  doing="resetting the training workstation") \
            .success(self._reset_done).failure(self._reset_failed).run(at_once=True)

    def _back_to_unlock(self) -> None:
        if self.resetting is not None:
            self.window.root.setCurrentWidget(self.window.unlock_page)
            self.window.root.removeWidget(self.resetting)
            self.resetting.deleteLater()
            self.resetting = None
        self.window.unlock_page.refresh_usernames()

    def _reset_done(self, _store: object) -> None:
        self._back_to_unlock()
        self.window.statusBar().showMessage("The training workstation was reset.", 10_000)

    def _reset_failed(self, exc: Exception) -> None:
        self._back_to_unlock()   # what is there is said by the unlock screen
        if is_refusal(exc):
            QMessageBox.warning(self.window, "Reset the training workstation", str(exc))
        else:
            show_failure(self.window, exc, "resetting the training workstation")
