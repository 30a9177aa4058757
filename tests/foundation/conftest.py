"""A real store made with ld-admin's own code paths (fast KDF profile for speed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ld_desktop.services.workstation import Workstation

ADMIN = ("admin1", "admin passphrase for tests")


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    Workstation(folder).initialise("Testshire L&D", ["Northgate Custody Suite"], *ADMIN)
    return folder
