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
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.training import (
    WATERMARK,
    check_can_reset,
    is_training,
    recreate_training_store,
    scenario_case_ids,
)
from ld_desktop.services.training_scenarios import CardWalk
from ld_desktop.ui.operations import Operation
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


class TrainingMode:
    def __init__(self, window: MainWindow, folder: Path) -> None:
        self.window = window
        self.folder = folder
        self.walk = CardWalk()
        self.dock: QDockWidget | None = None
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

    def reset(self) -> None:
        session = self.window.session
        if session is None:
            return
        try:
            check_can_reset(session, self.folder)
        except PermissionError as exc:
            QMessageBox.warning(self.window, "Reset the training workstation", str(exc))
            return
        answer = QMessageBox.question(
            self.window, "Reset the training workstation",
            "Put every training scenario back to its start? Everything trainees did here is "
            "removed.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.window.lock("training reset by the trainer")
        recreate_training_store(self.folder)
        self.window.unlock_page.refresh_usernames()
        self.window.statusBar().showMessage("The training workstation was reset.", 10_000)
