"""A real encrypted store with two sites and users scoped to them (fast Argon2id profile).
Built once per session and copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.domain.sites import site_id_for
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation

from .support import ADMIN, BOTH, NORTH, NORTH_SITE, SOUTH, SOUTH_SITE


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")


@pytest.fixture(scope="session")
def services_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("services-template") / "store"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
        ws = Workstation(folder)
        ws.initialise("Services L&D", [NORTH_SITE, SOUTH_SITE], *ADMIN)
        admin = ws.unlock(*ADMIN)
        north, south = site_id_for(NORTH_SITE), site_id_for(SOUTH_SITE)
        admin.accounts.add_user(NORTH[0], Role.PRACTITIONER, NORTH[1], site_ids=[north])
        admin.accounts.add_user(SOUTH[0], Role.PRACTITIONER, SOUTH[1], site_ids=[south])
        admin.accounts.add_user(BOTH[0], Role.SENIOR, BOTH[1], site_ids=[north, south])
        admin.lock()
    return folder


@pytest.fixture
def store_dir(services_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    shutil.copytree(services_template, folder)
    return folder


@pytest.fixture
def open_session(store_dir: Path) -> Iterator[type]:
    """``open_session(user)`` unlocks; every session opened is locked at the end."""
    opened: list[UserSession] = []

    def _open(user: tuple[str, str]) -> UserSession:
        session = Workstation(store_dir).unlock(*user)
        opened.append(session)
        return session

    yield _open  # type: ignore[misc]
    for session in opened:
        session.lock()
