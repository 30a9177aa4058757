"""The Admin page's "Remove selected user" and "Rotate keys" (issue 13, item 2), driven by the
keyboard through the real window: confirm, watch the progress dialog, read what happened;
the removed user can no longer unlock, everyone else still can."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from ld_desktop.domain.roles import Role
from ld_desktop.services.errors import WrongPassphrase
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.admin_page import AdminPage
from tests.helpers.gates import Gate

ADMIN = ("admin1", "admin passphrase for key tests")
PRACT = ("prac1", "practitioner passphrase for keys")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "admin-keys.png"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], *ADMIN)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user(PRACT[0], Role.PRACTITIONER, PRACT[1])
    admin.lock()
    return ws.data_dir


def _type_unlock(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)
    window.unlock_page.username.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(QApplication.focusWidget(), ADMIN[0])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), ADMIN[1])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session is not None or bool(window.unlock_page.error.text()),
                    timeout=15_000)
    assert window.session is not None, window.unlock_page.error.text()


def _answer_yes(seen: list[str]) -> None:
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    seen.append(box.text())
    # the safe answer is the default: Yes must be chosen on purpose (Alt+Y)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Yes).setFocus()
    from pytestqt.qtbot import QtBot

    QtBot.keyClick(box.button(QMessageBox.StandardButton.Yes), Qt.Key.Key_Space)


def test_remove_user_and_rotate_keys_from_the_admin_page(qtbot, store: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Workstation(store), banner="TEST")
    qtbot.addWidget(window)
    _type_unlock(qtbot, window)
    page = window.page("Admin")
    assert isinstance(page, AdminPage)
    old_key = bytes(window.session.data_key)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: page.users.count() > 0, timeout=5_000)   # loaded off-thread

    page.users.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Home)
    while PRACT[0] not in page.users.currentItem().text():
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    progress_seen: list[int] = []

    def watch_progress() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QProgressDialog) and widget.isVisible():
                progress_seen.append(widget.value())

    timer = QTimer()
    timer.timeout.connect(watch_progress)
    timer.start(5)
    questions: list[str] = []
    QTimer.singleShot(0, lambda: _answer_yes(questions))
    page.remove_button.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Removed prac1." in page.message.text(), timeout=15_000)
    timer.stop()
    assert "re-encrypted" in questions[0]
    assert "generation 2" in page.message.text()
    qtbot.waitUntil(lambda: any("prac1" in page.users.item(i).text()
                                and "(removed)" in page.users.item(i).text()
                                for i in range(page.users.count())), timeout=5_000)
    assert bytes(window.session.data_key) != old_key  # type: ignore[union-attr]
    with pytest.raises(WrongPassphrase):
        Workstation(store).unlock(*PRACT)

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)
    page.rotate_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.rotate_button, timeout=3_000)
    QTimer.singleShot(0, lambda: _answer_yes(questions))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Keys rotated." in page.message.text(), timeout=15_000)
    assert "generation 3" in page.message.text()
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QProgressDialog) and w.isVisible()]
    if os.environ.get("LD_SAVE_SCREENSHOTS"):
        page.grab().save(str(SCREENSHOT))
    window.lock("test finished")
    Workstation(store).unlock(*ADMIN).lock()


def test_cancelling_the_confirmation_changes_nothing(qtbot, store: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Workstation(store), banner="TEST")
    qtbot.addWidget(window)
    _type_unlock(qtbot, window)
    page = window.page("Admin")
    assert isinstance(page, AdminPage)
    before = (store / "keyslots.json").read_bytes()

    def cancel() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        from pytestqt.qtbot import QtBot

        QtBot.keyClick(box, Qt.Key.Key_Escape)

    QTimer.singleShot(0, cancel)
    page.rotate_button.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert (store / "keyslots.json").read_bytes() == before
    assert page.message.text() == ""
    window.lock("test finished")


def test_a_key_file_with_absurd_parameters_is_reported_as_damaged(qtbot, store: Path) -> None:  # type: ignore[no-untyped-def]
    """Before, memory_kib 2^31 reached Argon2id and failed with MemoryError ('Unlock failed
    unexpectedly'); now the key file is refused as damaged before any derivation."""
    import json

    path = store / "keyslots.json"
    data = json.loads(path.read_text())
    for slot in data["slots"]:
        slot["kdf"]["memory_kib"] = 2**31
    path.write_text(json.dumps(data))
    window = MainWindow(Workstation(store), banner="TEST")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)
    window.unlock_page.username.setCurrentText(ADMIN[0])
    window.unlock_page.passphrase.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.unlock_page.passphrase,
                    timeout=3_000)
    qtbot.keyClicks(QApplication.focusWidget(), ADMIN[1])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.unlock_page.error.text()), timeout=15_000)
    assert "key file keyslots.json is damaged" in window.unlock_page.error.text()
    assert "backup" in window.unlock_page.error.text()
    assert window.session is None


def test_auto_lock_waits_for_a_rotation_in_progress(qtbot, store: Path,  # type: ignore[no-untyped-def]
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A rotation on a large store takes longer than the shortest auto-lock (1 minute): the
    idle timer must not fire half-way and pull the store from under the re-key."""
    import time

    import ld_desktop.store.key_rotation as key_rotation

    window = MainWindow(Workstation(store), banner="TEST")
    qtbot.addWidget(window)
    _type_unlock(qtbot, window)
    page = window.page("Admin")
    assert isinstance(page, AdminPage)
    window.idle.set_minutes(0.005)         # 0.3 s, far shorter than the slowed re-key
    window.idle.start()
    real = key_rotation.Store.rekey

    def slow_rekey(self, new_key):  # type: ignore[no-untyped-def]
        time.sleep(0.9)                    # three times the auto-lock's wait
        real(self, new_key)

    monkeypatch.setattr(key_rotation.Store, "rekey", slow_rekey)
    questions: list[str] = []
    window.activateWindow()
    page.rotate_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.rotate_button, timeout=3_000)
    QTimer.singleShot(0, lambda: _answer_yes(questions))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Keys rotated." in page.message.text() or window.session is None,
                    timeout=20_000)
    assert "Keys rotated." in page.message.text()
    assert window.session is not None
    window.lock("test finished")
    Workstation(store).unlock(*ADMIN).lock()


def test_a_lock_mid_rotation_waits_for_the_rekey_and_the_store_opens_after(  # type: ignore[no-untyped-def]
        qtbot, store: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, gate: Gate) -> None:
    """The re-key runs as an operation owned by its progress dialog: Escape and closing do
    not dismiss it, and a lock from code (the OS going to sleep) while it runs waits for it
    (the re-key needs the key), logs nothing, and the store opens afterwards."""
    import json
    import logging
    import threading

    import ld_desktop.store.key_rotation as key_rotation
    from ld_desktop.ui import operations
    from ld_desktop.ui.pages.key_rotation import RekeyDialog

    window = MainWindow(Workstation(store), banner="TEST")
    qtbot.addWidget(window)
    _type_unlock(qtbot, window)
    page = window.page("Admin")
    assert isinstance(page, AdminPage)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    real = key_rotation.Store.rekey
    started, finished = threading.Event(), threading.Event()

    def slow_rekey(self, new_key):  # type: ignore[no-untyped-def]
        started.set()
        gate.hold()                        # until the lock waits for it
        real(self, new_key)
        finished.set()

    monkeypatch.setattr(key_rotation.Store, "rekey", slow_rekey)
    caplog.set_level(logging.WARNING)
    questions: list[str] = []
    window.activateWindow()
    page.rotate_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.rotate_button, timeout=3_000)
    QTimer.singleShot(0, lambda: _answer_yes(questions))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(started.is_set, timeout=5_000)          # the GUI is free meanwhile
    dialog = page.rekey
    assert isinstance(dialog, RekeyDialog)
    assert dialog.isVisible()
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)   # hurried
    dialog.close()
    dialog.reject()
    assert dialog.isVisible(), "a re-key half-way cannot be dismissed"

    window.lock("the computer went to sleep")
    assert finished.is_set(), "the lock returned before the re-key finished"
    assert operations.in_flight() == 0
    assert window.session is None
    assert "Keys rotated." not in page.message.text()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    generation = json.loads((store / "keyslots.json").read_text()).get("generation")
    session = Workstation(store).unlock(*ADMIN)              # the store opens: new key
    try:
        assert session.accounts.list_users()
    finally:
        session.lock()
    assert generation == 2, "the rotation finished: a new generation"


def test_the_admin_page_shows_the_fingerprint_this_workstation_trusts(  # type: ignore[no-untyped-def]
        qtbot, store: Path) -> None:
    """Trust on first use is only as good as the comparison: the page shows the pinned first
    administrator's fingerprint, computed from the key (not the fingerprint stored beside
    it, which came from the server)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ld_desktop.store.directory_trust import ROOT
    from ld_desktop.store.sync_state import device_state, set_enrolment
    from sync.op_signing import fingerprint, public_key_text

    key = public_key_text(Ed25519PrivateKey.generate())
    admin = Workstation(store).unlock(*ADMIN)
    with admin.store.unit_of_work(ADMIN[0]) as uow:
        enrolment = dict(device_state(uow.session).enrolment)
        enrolment[ROOT] = {"username": "rootadmin", "public_key": key,
                           "fingerprint": "0000-0000-0000-0000"}   # what a server claimed
        set_enrolment(uow.session, enrolment)
    admin.lock()
    window = MainWindow(Workstation(store), banner="TEST")
    qtbot.addWidget(window)
    _type_unlock(qtbot, window)
    page = window.page("Admin")
    assert isinstance(page, AdminPage)
    qtbot.waitUntil(lambda: bool(page.trusted_root.text()), timeout=5_000)
    assert "rootadmin" in page.trusted_root.text()
    assert fingerprint(key) in page.trusted_root.text()
    assert "0000-0000-0000-0000" not in page.trusted_root.text()
    window.lock("test finished")


def _unlock_as(qtbot, window: MainWindow, username: str, passphrase: str) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)
    window.unlock_page.username.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(QApplication.focusWidget(), username)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), passphrase)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)


def test_a_new_recovery_code_cut_off_by_a_lock_is_shown_to_its_admin_after_unlock(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, gate: Gate) -> None:
    """Removing an administrator replaces the recovery code; the admin presses Ctrl+L while
    the re-key runs. The lock waits for the re-key and drops its result, but the new code is
    not lost: never logged nor on disk in clear, not shown to the practitioner who unlocks
    next, shown once to the administrator after their unlock, and it works (the old does not)."""
    import logging
    import threading

    import ld_desktop.store.key_rotation as key_rotation
    from ld_desktop.ui import operations

    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    old_code = ws.initialise("Testshire L&D", ["Northgate Custody Suite"], *ADMIN)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user("admin2", Role.ADMIN, "second admin passphrase x")
    admin.accounts.add_user(PRACT[0], Role.PRACTITIONER, PRACT[1])
    admin.lock()
    window = MainWindow(Workstation(ws.data_dir), banner="TEST")
    qtbot.addWidget(window)
    _type_unlock(qtbot, window)
    page = window.page("Admin")
    assert isinstance(page, AdminPage)
    qtbot.waitUntil(lambda: page.users.count() > 0, timeout=5_000)
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=5_000)
    real = key_rotation.Store.rekey
    started = threading.Event()

    def slow_rekey(self, new_key):  # type: ignore[no-untyped-def]
        started.set()
        gate.hold()                        # until the lock waits for it
        real(self, new_key)

    monkeypatch.setattr(key_rotation.Store, "rekey", slow_rekey)
    caplog.set_level(logging.DEBUG)
    page.users.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Home)
    while "admin2" not in page.users.currentItem().text():
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    page.remove_button.setFocus()
    QTimer.singleShot(0, lambda: _answer_yes([]))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(started.is_set, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget() or QApplication.activeModalWidget() or window,
                   Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.session is None

    _unlock_as(qtbot, window, *PRACT)                   # someone else unlocks first
    assert getattr(window, "kept_code_box", None) is None
    window.lock("practitioner done")
    _unlock_as(qtbot, window, *ADMIN)
    box = getattr(window, "kept_code_box", None)
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible, timeout=3_000)
    code = box.text().rsplit("\n", 1)[-1].strip()
    assert code
    assert code != old_code
    qtbot.keyClick(box, Qt.Key.Key_Return)              # read, printed: OK
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=3_000)
    window.lock("admin done")
    window.kept_code_box = None
    _unlock_as(qtbot, window, *ADMIN)                   # shown once
    assert window.kept_code_box is None
    window.lock("test finished")

    assert not [r for r in caplog.records if code in r.getMessage()]
    for path in ws.data_dir.rglob("*"):                 # never in clear on disk
        if path.is_file():
            data = path.read_bytes()
            assert code.encode() not in data
            assert code.replace("-", "").encode() not in data
    with pytest.raises(WrongPassphrase):
        ws.recover(PRACT[0], old_code, "a new passphrase for the test")
    ws.recover(PRACT[0], code, "a new passphrase for the test")
    Workstation(ws.data_dir).unlock(PRACT[0], "a new passphrase for the test").lock()

