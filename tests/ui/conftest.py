"""A small real store for the GUI tests: three roles and some fictional cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from ld_desktop.services.demo_setup import DEMO_ACCOUNTS, create_demo_store


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ui-store") / "store"
    return create_demo_store(cases=40, folder=folder).data_dir


@pytest.fixture
def accounts() -> dict[str, str]:
    return {name: passphrase for name, (_role, passphrase) in DEMO_ACCOUNTS.items()}
