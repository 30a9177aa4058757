"""The data folder is held to owner-only at every start (issue 13 item 7): a 0777 folder
with the database and WAL at 0644 comes back 0700 / 0600 as soon as the workstation starts,
and a new store is created that way."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ld_desktop.services.workstation import Workstation

from .support import ADMIN


def _modes(folder: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        if not path.is_symlink():
            found[str(path.relative_to(folder))] = stat.S_IMODE(path.stat().st_mode)
    return found


def test_loose_permissions_are_restricted_at_start(store_dir: Path, tmp_path: Path) -> None:
    session = Workstation(store_dir).unlock(*ADMIN)   # leaves a WAL and a -shm
    session.lock()
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    (store_dir / "link-out").symlink_to(outside)      # never followed
    (store_dir / "logs").mkdir(exist_ok=True)
    (store_dir / "logs" / "old.log").write_text("x")
    store_dir.chmod(0o777)
    for path in store_dir.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o777 if path.is_dir() else 0o644)
    Workstation(store_dir)                            # a start
    modes = _modes(store_dir)
    assert modes.pop(".") == 0o700
    assert modes.pop("logs") == 0o700
    assert set(modes.values()) == {0o600}, modes
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644


def test_a_new_store_is_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        ws = Workstation(tmp_path / "new")
        ws.initialise("Testshire L&D", ["Northgate Custody Suite"], *ADMIN)
    finally:
        os.umask(old)
    modes = _modes(tmp_path / "new")
    assert modes.pop(".") == 0o700
    assert {m for name, m in modes.items() if not (tmp_path / "new" / name).is_dir()} == {0o600}
