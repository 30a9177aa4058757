"""Training mode in the real window (issue 19): the red banner, the scenario cards after
unlocking, TRAINING on every PDF, and the trainer's reset from the Training menu."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from ld_desktop.services import training
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pdf import writer
from ld_desktop.ui.training_mode import TrainingCards, TrainingMode
from tests.helpers.gates import Gate


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("training-ui") / "store"
    training.create_training_store(folder)
    return folder


@pytest.fixture
def window(qtbot, template: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
           monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    folder = tmp_path / "training"
    shutil.copytree(template, folder)
    win = MainWindow(Workstation(folder), demo_hint=training.accounts_hint(),
                     banner=training.BANNER)
    win.training_mode = TrainingMode(win, folder)  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.show()
    yield win
    win.lock("test finished")
    writer.set_watermark(None)


def _unlock(qtbot, window: MainWindow, user: str) -> None:  # type: ignore[no-untyped-def]
    window.unlock_page.username.setCurrentText(user)
    window.unlock_page.passphrase.setFocus()
    qtbot.keyClicks(window.unlock_page.passphrase, training.TRAINING_ACCOUNTS[user][1])
    qtbot.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)


def _wait_for_unlock_screen(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    mode: TrainingMode = window.training_mode  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.root.currentWidget() is window.unlock_page
                    and mode.resetting is None, timeout=15_000)


def _press(qtbot, widget: QWidget, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """Move the focus to `widget` as Tab would, wait until it really has it, then press the
    key on whatever has the focus (so a focus lost to another widget fails loudly)."""
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)
    qtbot.keyClick(QApplication.focusWidget(), key)


def test_banner_is_red_and_says_training(window: MainWindow) -> None:
    banners = window.findChildren(QLabel, "training-banner")
    assert len(banners) == 1
    assert banners[0].isVisible()
    assert "TRAINING — NOT A REAL PERSON" in banners[0].text()


def test_cards_walk_a_scenario_and_open_its_case(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    _unlock(qtbot, window, "trainee.practitioner")
    qtbot.waitUntil(lambda: window.findChild(TrainingCards) is not None)   # read off the GUI thread
    cards = window.findChild(TrainingCards)
    assert cards is not None
    qtbot.waitUntil(cards.isVisible)   # the dock's contents are shown as its layout runs
    # The caseload loads off the GUI thread and takes the focus when it arrives: let it land
    # before moving the focus into the cards, or the key goes to the caseload.
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)
    qtbot.wait(50)
    assert cards.position.text() == "Step 1 of 6"
    _press(qtbot, cards.next_button, Qt.Key.Key_Space)
    assert cards.position.text() == "Step 2 of 6"
    assert "consent" in cards.step.text()
    _press(qtbot, cards.scenarios, Qt.Key.Key_Down)                      # the next scenario
    assert cards.title.text().startswith("Voluntary attendance")
    assert cards.position.text() == "Step 1 of 4"
    opened: list[object] = []
    cards._open_case = opened.append
    _press(qtbot, cards.open_button, Qt.Key.Key_Space)
    assert opened == training.scenario_case_ids(window.session)["voluntary-attendance"]
    window.lock("switch user")
    qtbot.waitUntil(lambda: window.findChild(TrainingCards) is None)   # nothing left on lock


def test_every_pdf_carries_the_training_watermark_and_page_numbers(window: MainWindow,
                                                                   tmp_path: Path) -> None:
    path = writer.write_pdf("<h1>Share</h1><p>Fictional content.</p>", tmp_path / "x.pdf", "x")
    text = " ".join(PdfReader(path).pages[0].extract_text().split())
    assert "TRAINING — NOT A REAL PERSON" in text
    assert "Page 1 of 1" in text


def test_the_trainer_resets_from_the_menu(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _unlock(qtbot, window, "trainee.practitioner")
    mode: TrainingMode = window.training_mode  # type: ignore[attr-defined]
    assert not mode.reset_action.isEnabled()                           # trainees cannot
    before = training.scenario_case_ids(window.session)
    window.lock("switch user")
    _unlock(qtbot, window, training.TRAINER)
    qtbot.waitUntil(mode.reset_action.isEnabled)   # once the store says it is for training
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    mode.reset_action.trigger()
    _wait_for_unlock_screen(qtbot, window)     # the check and the new store run as operations
    assert window.session is None                                       # locked for the reset
    assert window.statusBar().currentMessage() == "The training workstation was reset."
    _unlock(qtbot, window, "trainee.practitioner")
    assert training.scenario_case_ids(window.session) != before         # a fresh store


def test_the_unlock_screen_waits_for_the_new_store(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The reset's new store is made off the GUI thread; meanwhile the window says so, and
    the unlock screen (with nothing to unlock yet) shows only once the store exists."""
    mode: TrainingMode = window.training_mode  # type: ignore[attr-defined]
    _unlock(qtbot, window, training.TRAINER)
    qtbot.waitUntil(mode.reset_action.isEnabled)
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    # not the ``gate`` fixture: that one opens when a lock waits, and the reset locks first
    gate = Gate()
    gate.hold_calls(monkeypatch, Workstation, "initialise")    # the new store's creation
    try:
        mode.reset_action.trigger()
        qtbot.waitUntil(gate.entered.is_set, timeout=15_000)
        assert gate.on_worker()                  # the GUI thread is not inside it
        assert window.session is None            # locked first
        assert mode.resetting is not None
        assert window.root.currentWidget() is mode.resetting
        qtbot.waitUntil(mode.resetting.message.isVisible)
        assert mode.resetting.message.text().startswith("Resetting the training workstation")
        assert not window.unlock_page.isVisible()
        assert not mode.reset_action.isEnabled()
    finally:
        gate.open()
    _wait_for_unlock_screen(qtbot, window)
    assert not gate.timed_out
    assert window.unlock_page.username.count() == len(training.TRAINING_ACCOUNTS)
    _unlock(qtbot, window, "trainee.practitioner")              # the new store opens
