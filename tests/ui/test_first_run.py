"""First run in the real dialog, by keyboard only (issue 19): create the store, the recovery
sheet, the first practitioner, enrolment with a real in-process server, lock and hand over."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from ld_desktop.domain.roles import Role
from ld_desktop.services.first_run_flow import FirstRunFlow, Step
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import first_run
from ld_desktop.ui.first_run import FirstRunDialog
from sync.server.app import create_app
from sync.server.authority import issue_admin_code
from sync.server.database import make_engine
from sync.server.registry import issue_enrol_code
from sync.server.settings import ServerSettings
from tests.helpers.gates import Gate

SITES = ["Northgate Custody Suite", "Riverside Court"]
ADMIN_PASS = "kettle orbit lantern meadow"
NURSE_PASS = "copper violin harbour tulip"


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")


@pytest.fixture
def server(tmp_path: Path, asgi_bridge_class: type) -> Iterator[tuple[ServerSettings, object]]:
    settings = ServerSettings.for_data_dir(tmp_path / "server")
    bridge = asgi_bridge_class(create_app(settings))
    yield settings, bridge
    bridge.shutdown()


def _focused():  # type: ignore[no-untyped-def]
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def _type(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(_focused(), text)


def _key(qtbot, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(_focused(), key)


def _shown(qtbot, dialog: FirstRunDialog) -> None:  # type: ignore[no-untyped-def]
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.service)


def _wait_for_page(qtbot, dialog: FirstRunDialog, step: Step) -> None:  # type: ignore[no-untyped-def]
    """The step's page is the one shown (its operation is back) and has the focus."""
    qtbot.waitUntil(lambda: dialog.pages.currentWidget() is dialog._page_of[step]
                    and dialog.step_running is None, timeout=15_000)
    assert dialog.flow.step is step


def test_the_guided_path_by_keyboard(qtbot, tmp_path: Path, server,  # type: ignore[no-untyped-def]
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings, transport = server
    workstation = Workstation(tmp_path / "ws")
    flow = FirstRunFlow(workstation, lambda s: SyncService(s, transport=transport))
    dialog = FirstRunDialog(workstation, flow)
    qtbot.addWidget(dialog)
    _shown(qtbot, dialog)

    # 1. the store: every field reached with Tab, Enter in the last one creates it
    _type(qtbot, "Testshire L&D")
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, SITES[0])
    _key(qtbot, Qt.Key.Key_Return)           # a new line: one site per line
    _type(qtbot, SITES[1])
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "setup.admin")
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, ADMIN_PASS)
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, ADMIN_PASS + " typo")
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "do not match" in dialog.error.text())   # the step runs on a worker
    assert not workstation.is_initialised
    assert QApplication.focusWidget() is dialog.passphrase      # both emptied, ready again
    _type(qtbot, ADMIN_PASS)
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, ADMIN_PASS)
    _key(qtbot, Qt.Key.Key_Return)
    _wait_for_page(qtbot, dialog, Step.RECOVERY)
    assert workstation.is_initialised
    assert flow.step is Step.RECOVERY                            # no passphrase asked again

    # 2. the recovery sheet, saved as a PDF only its owner can read
    code = dialog.code.text()
    assert len(code.replace("-", "")) == 25
    target = tmp_path / "sheet.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(target), "PDF (*.pdf)")))
    _key(qtbot, Qt.Key.Key_Tab)                                  # Print -> Save as PDF
    _key(qtbot, Qt.Key.Key_Space)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert code in text
    dialog.reject()                                              # Esc cannot lose the code
    assert dialog.isVisible()
    assert "shown only once" in dialog.error.text()
    _sheet_stored(qtbot, dialog)
    assert flow.step is Step.FIRST_USER
    assert dialog.code.text() == ""

    # 3. the first practitioner
    assert QApplication.focusWidget() is dialog.user_name
    _type(qtbot, "nurse1")
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "Nurse One (fictional)")
    _key(qtbot, Qt.Key.Key_Tab)                                  # role: Practitioner
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, NURSE_PASS)
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, NURSE_PASS)
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.added.count() == 1, timeout=15_000)
    assert QApplication.focusWidget() is dialog.user_next
    _key(qtbot, Qt.Key.Key_Space)

    # 4. enrolment with the server
    engine = make_engine(settings.database_url)
    code_for_server = issue_enrol_code(engine, SITES)
    admin_code = issue_admin_code(engine)              # the service's first workstation
    engine.dispose()
    _type(qtbot, "http://127.0.0.1:8765")
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, code_for_server)
    _key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.admin_code
    _type(qtbot, admin_code)
    _key(qtbot, Qt.Key.Key_Return)
    # the flow reaches HANDOVER on the worker; the summary is shown when its result lands
    qtbot.waitUntil(lambda: flow.step is Step.HANDOVER and bool(dialog.summary.text()),
                    timeout=15000)
    assert "nurse1 (Practitioner)" in dialog.summary.text()
    assert "Enrolled with" in dialog.summary.text()
    assert "First administrator of the service: " in dialog.summary.text()

    # 5. lock and hand over
    assert QApplication.focusWidget() is dialog.hand_over
    _key(qtbot, Qt.Key.Key_Return)
    assert flow.step is Step.DONE
    assert not dialog.isVisible()
    nurse = workstation.unlock("nurse1", NURSE_PASS)
    assert nurse.user.role is Role.PRACTITIONER
    nurse.lock()


def test_skipping_the_server_and_the_user_is_said_plainly(qtbot, tmp_path: Path  # type: ignore[no-untyped-def]
                                                           ) -> None:
    dialog = _past_the_sheet(qtbot, Workstation(tmp_path / "ws"))
    dialog.user_next.setFocus()
    _key(qtbot, Qt.Key.Key_Space)                                # Later: no clinical account
    dialog.skip_button.setFocus()
    _key(qtbot, Qt.Key.Key_Space)
    assert "nobody can see or record clinical work" in dialog.summary.text()
    assert "Not enrolled" in dialog.summary.text()
    _key(qtbot, Qt.Key.Key_Return)
    assert dialog.flow.step is Step.DONE


def test_admin_page_return_in_the_passphrase_adds_the_user_and_says_clinical_work_needs_one(
        qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ld_desktop.ui.pages.admin_page import AdminPage

    workstation = Workstation(tmp_path / "ws")
    workstation.initialise("Testshire L&D", SITES, "setup.admin", ADMIN_PASS)
    admin = workstation.unlock("setup.admin", ADMIN_PASS)
    page = AdminPage(admin)
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(lambda: "clinical work needs one" in page.clinical_hint.text(),
                    timeout=5_000)   # the users load in the background
    page.new_username.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.new_username)
    _type(qtbot, "nurse2")
    _key(qtbot, Qt.Key.Key_Tab)                                  # role
    for _ in range(page.new_role.findData(Role.PRACTITIONER.value)):
        _key(qtbot, Qt.Key.Key_Down)
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, NURSE_PASS)
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Added nurse2" in page.message.text(), timeout=15_000)
    qtbot.waitUntil(lambda: page.clinical_hint.text() == "", timeout=5_000)
    admin.lock()


# ------------------------------------------------------------------ each step, in the background
def _store_form(qtbot, dialog: FirstRunDialog, passphrase: str) -> None:  # type: ignore[no-untyped-def]
    """Fill in the store's page by keyboard, ending in 'Passphrase again' (not pressed)."""
    for text in ("Testshire L&D", SITES[0], "setup.admin", passphrase):
        _type(qtbot, text)
        _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, passphrase)
    assert QApplication.focusWidget() is dialog.again


def _sheet_stored(qtbot, dialog: FirstRunDialog) -> None:  # type: ignore[no-untyped-def]
    """On the recovery sheet's page: tick "I have stored it" and go on, by keys."""
    dialog.stored.setFocus()
    _key(qtbot, Qt.Key.Key_Space)
    _key(qtbot, Qt.Key.Key_Tab)
    _key(qtbot, Qt.Key.Key_Space)


def _past_the_sheet(qtbot, workstation: Workstation) -> FirstRunDialog:  # type: ignore[no-untyped-def]
    """A shown first-run dialog taken by keys through the store's page and the recovery
    sheet's, to the first user's page."""
    dialog = FirstRunDialog(workstation)
    qtbot.addWidget(dialog)
    _shown(qtbot, dialog)
    _store_form(qtbot, dialog, ADMIN_PASS)
    _key(qtbot, Qt.Key.Key_Return)
    _wait_for_page(qtbot, dialog, Step.RECOVERY)
    _sheet_stored(qtbot, dialog)
    return dialog


def _held_create(qtbot, tmp_path: Path, gate: Gate,  # type: ignore[no-untyped-def]
                 monkeypatch: pytest.MonkeyPatch) -> tuple[FirstRunDialog, list[object]]:
    """A shown dialog whose store creation waits at ``gate`` (on whichever thread runs it);
    returns it and the list of creations asked for."""
    calls = gate.hold_calls(monkeypatch, Workstation, "initialise")
    dialog = FirstRunDialog(Workstation(tmp_path / "ws"))
    qtbot.addWidget(dialog)
    _shown(qtbot, dialog)
    return dialog, calls


def test_enter_twice_on_create_creates_one_store(qtbot, tmp_path: Path, gate: Gate,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[object] = []   # a second Enter reaching the next page would print
    monkeypatch.setattr(first_run, "print_recovery_sheet",
                        lambda *args: printed.append(args) or False)
    dialog, calls = _held_create(qtbot, tmp_path, gate, monkeypatch)
    _store_form(qtbot, dialog, ADMIN_PASS)
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(gate.entered.is_set)
    # while it runs: the button is off, a calm line says so, the focus stays in the form
    assert not dialog.create_button.isEnabled()
    assert dialog.progress.text().startswith("Creating the encrypted store")
    assert dialog.progress.isVisible()
    assert QApplication.focusWidget() is dialog.again
    _key(qtbot, Qt.Key.Key_Return)                               # impatient: Enter again
    gate.open()
    _wait_for_page(qtbot, dialog, Step.RECOVERY)
    assert len(calls) == 1                                       # one store, made once
    assert dialog.error.text() == ""
    assert dialog.progress.text() == ""
    assert len(dialog.code.text().replace("-", "")) == 25
    assert QApplication.focusWidget() is dialog.print_button
    assert printed == []


def test_a_refused_step_keeps_the_form(qtbot, tmp_path: Path, gate: Gate,  # type: ignore[no-untyped-def]
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dialog, calls = _held_create(qtbot, tmp_path, gate, monkeypatch)
    _store_form(qtbot, dialog, "password")                       # too easy to guess
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(gate.entered.is_set)
    assert not dialog.create_button.isEnabled()                  # running, in the background
    gate.open()
    qtbot.waitUntil(lambda: dialog.step_running is None and bool(dialog.error.text()))
    assert "characters" in dialog.error.text() or "guess" in dialog.error.text()
    assert dialog.progress.text() == ""
    assert dialog.create_button.isEnabled()
    assert dialog.flow.step is Step.STORE
    assert not dialog._workstation.is_initialised
    assert dialog.pages.currentWidget() is dialog._page_of[Step.STORE]
    # what was typed is kept, except the passphrases, and the focus is back to retype one
    assert (dialog.service.text(), dialog.sites.toPlainText(), dialog.username.text()) == (
        "Testshire L&D", SITES[0], "setup.admin")
    assert dialog.passphrase.text() == ""
    assert dialog.again.text() == ""
    assert QApplication.focusWidget() is dialog.passphrase
    _type(qtbot, ADMIN_PASS)                                     # and it goes on from there
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, ADMIN_PASS)
    _key(qtbot, Qt.Key.Key_Return)
    _wait_for_page(qtbot, dialog, Step.RECOVERY)
    assert len(calls) == 2


def test_the_window_stays_responsive_while_the_store_is_created(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, gate: Gate, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog, _calls = _held_create(qtbot, tmp_path, gate, monkeypatch)
    _store_form(qtbot, dialog, ADMIN_PASS)
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(gate.entered.is_set)
    assert gate.on_worker()                  # the GUI thread is not inside the creation
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: bool(ticked))    # the event loop runs while the store is made
    _key(qtbot, Qt.Key.Key_Escape)           # closing now would leave a session open
    assert dialog.isVisible()
    assert "still running" in dialog.error.text()
    gate.open()
    _wait_for_page(qtbot, dialog, Step.RECOVERY)
    assert dialog.error.text() == ""


def test_a_refused_account_keeps_the_form_and_was_checked_off_the_gui_thread(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, gate: Gate, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = gate.hold_calls(monkeypatch, FirstRunFlow, "add_first_user")
    dialog = _past_the_sheet(qtbot, Workstation(tmp_path / "ws"))
    _wait_for_page(qtbot, dialog, Step.FIRST_USER)
    assert QApplication.focusWidget() is dialog.user_name
    for text in ("nurse1", "Nurse One (fictional)"):
        _type(qtbot, text)
        _key(qtbot, Qt.Key.Key_Tab)
    _key(qtbot, Qt.Key.Key_Tab)                                  # role: Practitioner
    _type(qtbot, NURSE_PASS)
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, NURSE_PASS + " typo")
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(gate.entered.is_set)
    assert gate.on_worker()
    assert not dialog.add_button.isEnabled()
    assert not dialog.user_next.isEnabled()                      # no going on meanwhile
    assert dialog.progress.text() == "Adding nurse1…"
    gate.open()
    qtbot.waitUntil(lambda: "do not match" in dialog.error.text())
    assert len(calls) == 1
    assert dialog.added.count() == 0
    assert (dialog.user_name.text(), dialog.user_display.text()) == (
        "nurse1", "Nurse One (fictional)")
    assert dialog.user_pass.text() == ""
    assert dialog.user_again.text() == ""
    assert dialog.add_button.isEnabled()
    assert QApplication.focusWidget() is dialog.user_pass
