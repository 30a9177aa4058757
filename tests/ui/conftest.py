"""A small real store for the GUI tests: three roles and some fictional cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.demo_setup import DEMO_ACCOUNTS, create_demo_store
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ui-store") / "store"
    return create_demo_store(cases=40, folder=folder).data_dir


@pytest.fixture
def accounts() -> dict[str, str]:
    return {name: passphrase for name, (_role, passphrase) in DEMO_ACCOUNTS.items()}


@pytest.fixture
def senior_window(qtbot, demo_dir: Path, accounts: dict[str, str]  # type: ignore[no-untyped-def]
                  ) -> Iterator[MainWindow]:
    """The main window on the demo store, unlocked as demo.senior, shown, active and
    focused (keys go to it); locked at the end."""
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    win.start_session(Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"]))
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3_000)
    yield win
    win.lock("test finished")


@pytest.fixture
def one_site_senior(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UserSession]:
    """A fresh one-site store (Northgate Custody Suite) and its senior, unlocked."""
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], "admin1", "admin passphrase x")
    admin = ws.unlock("admin1", "admin passphrase x")
    admin.accounts.add_user("senior1", Role.SENIOR, "senior passphrase x")
    admin.lock()
    senior = ws.unlock("senior1", "senior passphrase x")
    yield senior
    senior.lock()
