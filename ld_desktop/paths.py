"""Where a workstation keeps its data: --data-dir, else LD_DESKTOP_HOME, else platformdirs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ld-desktop"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get("LD_DESKTOP_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def logs_dir(base: Path) -> Path:
    folder = base / "logs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    return folder
