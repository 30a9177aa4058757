"""The recovery code is the workstation's break-glass, not a person's: one code, held on paper
by the service lead, that opens the recovery slot and lets any active user set a new
passphrase. Whoever set the workstation up (an administrator) saw it, and any administrator
can replace it and see the new one. So removing an administrator must retire the code they
may have kept: before this, the removed administrator could take over the remaining
administrator's account with it, or read the whole database with the key it unseals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import WrongPassphrase
from ld_desktop.store.keyslots import KeySlotFile
from ld_desktop.store.store import KEYSLOT_FILE

from .support import ADMIN, PRACT

ADMIN2 = ("admin2", "second administrator passphrase here")
TAKEOVER = "a takeover passphrase nobody was given"


def _second_admin_removes_the_first(folder: Path) -> str | None:
    ws = Workstation(folder)
    first = ws.unlock(*ADMIN)
    first.accounts.add_user(ADMIN2[0], Role.ADMIN, ADMIN2[1])
    first.lock()
    second = ws.unlock(*ADMIN2)
    try:
        return second.accounts.remove_user(ADMIN[0]).recovery_code
    finally:
        second.lock()


def test_a_removed_administrators_recovery_code_opens_nothing(
        store_dir: Path, recovery_code: str) -> None:
    new_code = _second_admin_removes_the_first(store_dir)
    assert new_code is not None                    # shown once to the remaining administrator
    assert new_code != recovery_code
    # the code the first administrator saw at set-up no longer opens the recovery slot ...
    with pytest.raises(WrongPassphrase):
        KeySlotFile.load(store_dir / KEYSLOT_FILE).open_recovery_slot(recovery_code)
    # ... nor takes over the remaining administrator's account
    ws = Workstation(store_dir)
    with pytest.raises(WrongPassphrase):
        ws.recover(ADMIN2[0], recovery_code, TAKEOVER)
    ws.unlock(*ADMIN2).lock()                      # still opens with their own passphrase
    # the new code (for the service lead) works
    ws.recover(PRACT[0], new_code, "a new practitioner phrase 99")
    ws.unlock(PRACT[0], "a new practitioner phrase 99").lock()


def test_removing_a_practitioner_keeps_the_service_leads_code(
        store_dir: Path, recovery_code: str) -> None:
    """A practitioner was never shown the code: the printed one stays valid (re-sealed to
    the new data key), so the service lead's sheet is not made useless by every leaver."""
    ws = Workstation(store_dir)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user(ADMIN2[0], Role.ADMIN, ADMIN2[1])
    result = admin.accounts.remove_user(PRACT[0])
    admin.lock()
    assert result.recovery_code is None
    ws.recover(ADMIN2[0], recovery_code, "second administrator new phrase 7")


def test_rotating_keys_can_retire_the_recovery_code(
        store_dir: Path, recovery_code: str) -> None:
    """After a suspected compromise the administrator may retire the code too."""
    admin = Workstation(store_dir).unlock(*ADMIN)
    result = admin.accounts.rotate_keys(new_recovery_code=True)
    admin.lock()
    assert result.recovery_code is not None
    with pytest.raises(WrongPassphrase):
        KeySlotFile.load(store_dir / KEYSLOT_FILE).open_recovery_slot(recovery_code)
    KeySlotFile.load(store_dir / KEYSLOT_FILE).open_recovery_slot(result.recovery_code).clear()
