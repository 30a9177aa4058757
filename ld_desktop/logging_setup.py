"""Logging, configured once: a rotating file in a private (0700) folder.

Log records carry what happened, never who it happened to: no names, NHS numbers or notes.
SQLAlchemy engines are created with ``hide_parameters=True`` so SQL errors carry no values.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from ld_desktop.paths import logs_dir

_CONFIGURED = False


def configure_logging(data_dir: Path, level: int = logging.INFO) -> Path:
    global _CONFIGURED
    folder = logs_dir(data_dir)
    path = folder / "ld-desktop.log"
    if not _CONFIGURED:
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(level)
        _CONFIGURED = True
    path.touch(exist_ok=True)
    path.chmod(0o600)
    return path
