"""A small real store for the GUI tests: three roles and some fictional cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.demo_setup import DEMO_ACCOUNTS, create_demo_store
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ui-store") / "store"
    return create_demo_store(cases=40, folder=folder).data_dir


@pytest.fixture
def accounts() -> dict[str, str]:
    return {name: passphrase for name, (_role, passphrase) in DEMO_ACCOUNTS.items()}


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
