"""Real encrypted stores for the store tests, made through the services' own set-up path.

Every test uses the cheap Argon2id profile (``LD_DESKTOP_KDF_PROFILE=fast``); the slots
record their parameters, so nothing else changes. One template store is built per session
and copied for each test (a copy costs a few milliseconds, a set-up ~0.2 s).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation

from .support import ADMIN, PRACT, SITES


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
        folder = tmp_path_factory.mktemp("template") / "store"
        ws = Workstation(folder)
        recovery = ws.initialise("Testshire L&D", SITES, *ADMIN)
        (folder.parent / "recovery-code.txt").write_text(recovery)
        admin = ws.unlock(*ADMIN)
        admin.accounts.add_user(PRACT[0], Role.PRACTITIONER, PRACT[1])
        admin.lock()
    return folder


@pytest.fixture
def store_dir(template_store: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    shutil.copytree(template_store, folder)
    return folder


@pytest.fixture
def recovery_code(template_store: Path) -> str:
    return (template_store.parent / "recovery-code.txt").read_text()


@pytest.fixture
def prac(store_dir: Path) -> Iterator[UserSession]:
    session = Workstation(store_dir).unlock(*PRACT)
    yield session
    session.lock()


@pytest.fixture
def admin(store_dir: Path) -> Iterator[UserSession]:
    session = Workstation(store_dir).unlock(*ADMIN)
    yield session
    session.lock()
