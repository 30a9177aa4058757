"""Test-wide configuration: offscreen Qt, private data directories, automatic markers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

GUI_FIXTURES = {"qtbot", "qapp", "qtmodeltester"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if GUI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _private_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point every user directory at a fresh temporary folder (napari `_fresh_settings`)."""
    home = tmp_path_factory.mktemp("ld-home")
    monkeypatch.setenv("LD_DESKTOP_HOME", str(home))
    monkeypatch.setenv("LD_SYNC_SERVER_HOME", str(home / "sync-server"))
    return home
