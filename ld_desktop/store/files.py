"""The names of a workstation's files (kept apart so they can be known without importing the
database layer), and the permissions they are held to."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

DATABASE_FILE = "ld-desktop.db"
KEYSLOT_FILE = "keyslots.json"

FOLDER_MODE = 0o700
FILE_MODE = 0o600

log = logging.getLogger(__name__)


def secure_data_folder(folder: Path) -> list[str]:
    """Hold the data folder to 0700 and every file and folder in it to 0600 / 0700 (owner
    only), whatever they were; run at every start. Symbolic links are left alone (never
    followed). Returns the paths whose mode was changed (names only, for the log)."""
    changed: list[str] = []
    if not folder.is_dir() or folder.is_symlink():
        return changed
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        for name, mode in [(".", FOLDER_MODE)] + [(d, FOLDER_MODE) for d in dirs] + [
                (f, FILE_MODE) for f in files]:
            path = here if name == "." else here / name
            try:
                info = path.lstat()
                if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == mode:
                    continue
                path.chmod(mode)
                changed.append(str(path.relative_to(folder)))
            except OSError:   # not ours to change (another owner): reported, not fatal
                log.warning("could not restrict the permissions of %s", path.name)
    if changed:
        log.info("restricted the permissions of %d path(s) in the data folder", len(changed))
    return changed
