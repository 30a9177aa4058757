"""Where a workstation keeps its data: --data-dir, else LD_DESKTOP_HOME, else platformdirs;
and where each user's exported reports go by default."""

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


def export_dir(username: str) -> Path:
    """This user's own export folder (owner-only, 0700): LD_DESKTOP_EXPORTS, else the
    documents folder, then "L&D Desktop exports/<username>". Reports are personal data in
    clear: they go here by default rather than wherever the program was started."""
    env = os.environ.get("LD_DESKTOP_EXPORTS")
    base = Path(env).expanduser() if env else (
        Path(platformdirs.user_documents_dir()) / "L&D Desktop exports")
    folder = base / "".join(ch for ch in username if ch.isalnum() or ch in "._-")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    return folder
