"""Revocation wipes: when the server says this device is revoked, the workstation closes every
window, destroys its key slots (overwritten, then removed) and then its database, and says
what happened; `ld-admin wipe` does the same on purpose. A server that merely does not know
the device (a restored backup) wipes nothing."""

from __future__ import annotations

import io
import os
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from ld_desktop.cli.admin import main as admin_main
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.wipe import NOTICE_FILE, read_notice
from ld_desktop.store import shred
from sync.client import DeviceRevoked, NotEnrolled
from sync.server import schema as t
from sync.server.database import make_engine
from sync.server.registry import revoke_device

# a revocation or a wipe is logged as a warning, which these tests provoke
pytestmark = pytest.mark.expect_log

if TYPE_CHECKING:
    from tests.integration.conftest import Station

STORE_FILES = ("keyslots.json", "ld-desktop.db", "ld-desktop.db-wal", "ld-desktop.db-shm")


def _revoke(station: Station) -> None:
    device_id = SyncService(station.senior).status().device_id
    assert device_id is not None
    engine = make_engine(station.server.settings.database_url)
    try:
        assert revoke_device(engine, device_id)
    finally:
        engine.dispose()


def _left(folder: Path) -> set[str]:
    return {name for name in STORE_FILES if (folder / name).exists()}


def test_background_sync_of_a_revoked_workstation_closes_everything_and_wipes(
        make_station, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication, QDialog, QWidget

    from ld_desktop.ui.first_run import FirstRunDialog
    from ld_desktop.ui.main_window import MainWindow, opening_reads

    station: Station = make_station("revoked")
    folder = station.workstation.data_dir
    transport = station.server.transport
    station.sync()
    station.admin.lock()
    window = MainWindow(station.workstation,
                        sync_service_factory=lambda s: SyncService(s, transport=transport))
    qtbot.addWidget(window)
    window.show()
    window.start_session(station.senior, opening_reads(station.senior))
    qtbot.waitUntil(lambda: "online" in window.status_sync.text(), timeout=10_000)
    open_dialog = QDialog(window.shell)
    open_dialog.show()
    other_window = QWidget()
    other_window.setWindowTitle("another window of the app")
    other_window.show()
    slots_copy = folder / "slots-hard-link"
    os.link(folder / "keyslots.json", slots_copy)   # the same file: sees the overwrite
    original_slots = slots_copy.read_bytes()
    assert _left(folder) >= {"keyslots.json", "ld-desktop.db"}

    _revoke(station)
    window.background.sync_now()
    qtbot.waitUntil(lambda: getattr(window, "wiped_page", None) is not None, timeout=10_000)

    assert _left(folder) == set()   # before the fix: every file stayed, readable
    assert slots_copy.read_bytes() != original_slots    # overwritten before it was removed
    assert len(slots_copy.read_bytes()) == len(original_slots)
    assert b"wrapped" not in slots_copy.read_bytes()
    assert window.root.currentWidget() is window.wiped_page
    assert "revoked" in window.wiped_page.explanation.text()
    assert "online" not in window.status_sync.text()
    assert window.session is None
    visible = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert visible == [window]
    notice = read_notice(folder)
    assert notice is not None
    assert notice.why == "revoked"
    # the next start finds no store: the first-run screen says what happened
    setup = FirstRunDialog(station.workstation)
    qtbot.addWidget(setup)
    assert setup.wiped is not None
    assert "revoked this workstation" in setup.wiped.text()


def test_key_slots_are_destroyed_before_the_database(
        make_station, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    station: Station = make_station("order")
    station.sync()
    _revoke(station)
    events: list[str] = []
    overwrite, unlink = shred._overwrite, Path.unlink

    def record_overwrite(path: Path) -> None:
        events.append(f"overwrite {path.name}")
        overwrite(path)

    def record_unlink(path: Path, missing_ok: bool = False) -> None:
        events.append(f"remove {path.name}")
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(shred, "_overwrite", record_overwrite)
    monkeypatch.setattr(Path, "unlink", record_unlink)
    with pytest.raises(DeviceRevoked):
        station.sync()
    assert SyncService(station.senior).status().wipe_due
    station.admin.lock()
    station.senior.lock()
    from ld_desktop.services.wipe import REVOKED, wipe_workstation

    wipe_workstation(station.workstation.data_dir, REVOKED)
    assert events[:2] == ["overwrite keyslots.json", "remove keyslots.json"]
    assert events.index("remove keyslots.json") < events.index("remove ld-desktop.db")


def _admin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str,
           *argv: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = admin_main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ld_admin_sync_of_a_revoked_workstation_wipes_it(
        make_station, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.conftest import ADMIN

    station: Station = make_station("cli")
    folder = station.workstation.data_dir
    station.sync()
    _revoke(station)
    station.admin.lock()
    station.senior.lock()
    monkeypatch.setattr("ld_desktop.cli.sync_commands.SyncService",
                        partial(SyncService, transport=station.server.transport))
    code, _out, err = _admin(monkeypatch, capsys, ADMIN[1] + "\n", "sync", "--data-dir",
                             str(folder), "--as", ADMIN[0], "--passphrase-stdin")
    assert code == 3
    assert "revoked this workstation" in err
    assert "Traceback" not in err
    assert _left(folder) == set()
    assert (folder / NOTICE_FILE).exists()


def test_a_server_that_does_not_know_the_device_wipes_nothing(make_station) -> None:  # type: ignore[no-untyped-def]
    station: Station = make_station("restored")
    folder = station.workstation.data_dir
    station.sync()
    device_id = SyncService(station.senior).status().device_id
    engine = make_engine(station.server.settings.database_url)
    with engine.begin() as conn:   # the server restored from a backup older than the device
        for table in (t.nonces, t.device_sites):
            conn.execute(sa.delete(table).where(table.c.device_id == device_id))
        conn.execute(sa.delete(t.devices).where(t.devices.c.id == device_id))
    engine.dispose()
    with pytest.raises(NotEnrolled):
        station.sync()
    assert not SyncService(station.senior).status().wipe_due
    assert _left(folder) >= {"keyslots.json", "ld-desktop.db"}


def test_ld_admin_wipe_asks_then_destroys(
        make_station, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    station: Station = make_station("purpose", enrol=False)
    folder = station.workstation.data_dir
    station.admin.lock()
    station.senior.lock()
    code, _out, err = _admin(monkeypatch, capsys, "no\n", "wipe", "--data-dir", str(folder))
    assert code == 2
    assert "nothing was changed" in err
    assert _left(folder) >= {"keyslots.json", "ld-desktop.db"}
    code, out, _err = _admin(monkeypatch, capsys, "WIPE\n", "wipe", "--data-dir", str(folder))
    assert code == 0
    assert "key slots destroyed first" in out
    assert _left(folder) == set()
    notice = read_notice(folder)
    assert notice is not None
    assert notice.why == "on-purpose"
    code, _out, err = _admin(monkeypatch, capsys, "", "wipe", "--data-dir", str(folder), "--yes")
    assert code == 2
    assert "no workstation store" in err


def test_ld_admin_wipe_yes_for_scripts(
        make_station, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    station: Station = make_station("script", enrol=False)
    folder = station.workstation.data_dir
    station.admin.lock()
    station.senior.lock()
    code, _out, _err = _admin(monkeypatch, capsys, "", "wipe", "--data-dir", str(folder),
                              "--yes")
    assert code == 0
    assert _left(folder) == set()


def test_sync_now_on_the_sync_page_of_a_revoked_workstation_wipes_it(
        make_station, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ld_desktop.ui.main_window import MainWindow, opening_reads

    station: Station = make_station("foreground")
    folder = station.workstation.data_dir
    transport = station.server.transport
    station.sync()
    station.admin.lock()
    # the window builds its Sync page with this service too
    window = MainWindow(station.workstation, sync_service_factory=lambda s: SyncService(
        s, transport=transport))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    window.start_session(station.senior, opening_reads(station.senior))
    window.background.stop()   # the foreground path only
    page = window.page("Sync")
    qtbot.waitUntil(page.sync_button.isEnabled, timeout=5_000)   # the status is read
    _revoke(station)
    page.sync_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.sync_button, timeout=2000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: getattr(window, "wiped_page", None) is not None, timeout=10_000)
    assert _left(folder) == set()
    assert window.root.currentWidget() is window.wiped_page
    assert "online" not in window.status_sync.text()


def test_a_wipe_cut_short_is_finished_at_the_next_unlock(make_station, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ld_desktop.ui.main_window import MainWindow, opening_reads

    station: Station = make_station("crashed")
    folder = station.workstation.data_dir
    station.sync()
    _revoke(station)
    with pytest.raises(DeviceRevoked):
        station.sync()   # marked for wiping; then the app died before it wiped
    station.admin.lock()
    assert _left(folder) >= {"keyslots.json", "ld-desktop.db"}
    window = MainWindow(station.workstation)
    qtbot.addWidget(window)
    window.show()
    # the next unlock (the unlock window reads the opening state on its worker)
    window.start_session(station.senior, opening_reads(station.senior))
    assert _left(folder) == set()
    assert window.root.currentWidget() is window.wiped_page
    assert window.background is None
