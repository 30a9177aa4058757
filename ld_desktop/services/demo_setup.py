"""The demo workstation: a temporary encrypted store full of obviously fictional data, with one
account per role whose passphrases are shown on the unlock screen."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ld_desktop.domain.roles import Role
from ld_desktop.services.demo_data import seed_demo_cases, seed_demo_rota
from ld_desktop.services.workstation import Workstation

DEMO_PREFIX = "ld-desktop-demo-"
OWNER_FILE = "demo-owner.pid"   # the process the demo belongs to; gone = the demo has ended
DEMO_SITES = ["Northgate Custody Suite (demo)", "Riverside Magistrates' Court (demo)"]
DEMO_ACCOUNTS: dict[str, tuple[Role, str]] = {
    "demo.admin": (Role.ADMIN, "demo admin passphrase"),
    "demo.senior": (Role.SENIOR, "demo senior passphrase"),
    "demo.practitioner": (Role.PRACTITIONER, "demo practitioner passphrase"),
}


@dataclass(frozen=True)
class DemoStore:
    data_dir: Path
    accounts: dict[str, tuple[Role, str]]


def create_demo_store(cases: int = 300, folder: Path | None = None) -> DemoStore:
    # Demo data is fictional and thrown away: cheap key derivation keeps start-up quick.
    # Real stores never use this profile.
    os.environ["LD_DESKTOP_KDF_PROFILE"] = "fast"
    data_dir = folder or Path(tempfile.mkdtemp(prefix=DEMO_PREFIX))
    if folder is None:   # a temporary demo: it belongs to this process
        (data_dir / OWNER_FILE).write_text(str(os.getpid()))
    ws = Workstation(data_dir)
    admin_name = "demo.admin"
    ws.initialise("Demo L&D Service (fictional)", DEMO_SITES, admin_name,
                  DEMO_ACCOUNTS[admin_name][1], "Demo Administrator")
    admin = ws.unlock(admin_name, DEMO_ACCOUNTS[admin_name][1])
    try:
        for name, (role, passphrase) in DEMO_ACCOUNTS.items():
            if role is not Role.ADMIN:
                admin.accounts.add_user(name, role, passphrase,
                                        display_name=f"Demo {role.label}")
        seed_demo_cases(admin, cases)
    finally:
        admin.lock("demo set-up finished")
    senior = ws.unlock("demo.senior", DEMO_ACCOUNTS["demo.senior"][1])
    try:
        seed_demo_rota(senior, date.today())
    finally:
        senior.lock("demo set-up finished")
    return DemoStore(data_dir, dict(DEMO_ACCOUNTS))


def remove_demo_store(demo: DemoStore) -> None:
    """The demo has ended: its store goes (it held nothing real, but leaves nothing)."""
    shutil.rmtree(demo.data_dir, ignore_errors=True)


def remove_stale_demo_stores(folder: Path | None = None) -> int:
    """Remove demo stores left by demos that ended without removing theirs (a crash, a kill):
    this user's ``ld-desktop-demo-*`` folders whose owning process is gone. Returns how many."""
    base = folder or Path(tempfile.gettempdir())
    removed = 0
    for candidate in base.glob(DEMO_PREFIX + "*"):
        with contextlib.suppress(OSError, ValueError):
            info = candidate.lstat()
            if not candidate.is_dir() or candidate.is_symlink() or (
                    hasattr(os, "getuid") and info.st_uid != os.getuid()):
                continue
            owner = candidate / OWNER_FILE
            if owner.exists() and _alive(int(owner.read_text().strip() or "0")):
                continue
            shutil.rmtree(candidate)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
