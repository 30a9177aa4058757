"""The unlock guard fails closed and counts every attempt (issue 13 item 3): deleting or
damaging unlock-guard.json means the longest wait, not none; parallel processes cannot slip
past the back-off or lose a count; failures reach the audit at the next unlock and the user
is told how many there were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ld_desktop.domain.unlock_backoff import MAX_DELAY_SECONDS
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import LockedOut, WrongPassphrase
from ld_desktop.store.unlock_guard import GUARD_FILE, UnlockGuard

from .support import ADMIN, PRACT
from .test_unlock_backoff import FakeClock, _workstation

DAMAGE = {
    "deleted": None,
    "garbage": b"\x00garbage",
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "wrong shape": b'{"users": {"prac1": {"failures": "lots", "last": 0}}, "pending_events": []}',
    "emptied": b"",
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_missing_or_damaged_guard_file_means_the_longest_wait(store_dir: Path,
                                                                 damage: str) -> None:
    clock = FakeClock()
    ws = _workstation(store_dir, clock)
    guard_file = store_dir / GUARD_FILE
    content = DAMAGE[damage]
    if content is None:
        guard_file.unlink()
    else:
        guard_file.write_bytes(content)
    for username, passphrase in (PRACT, ADMIN, ("nobody", "any guess at all")):
        with pytest.raises(LockedOut) as locked:   # even the right passphrase
            ws.unlock(username, passphrase)
        assert locked.value.seconds == MAX_DELAY_SECONDS
    clock.advance(MAX_DELAY_SECONDS - 1)
    with pytest.raises(LockedOut):
        ws.unlock(*PRACT)
    clock.advance(1)
    with pytest.raises(WrongPassphrase):
        ws.unlock(PRACT[0], "wrong guess number x")
    with pytest.raises(LockedOut) as locked:      # still closed: each failure waits again
        ws.unlock(*PRACT)
    assert locked.value.seconds == MAX_DELAY_SECONDS
    clock.advance(MAX_DELAY_SECONDS)
    admin = ws.unlock(*ADMIN)
    try:
        actions = [e.action for e in admin.maintenance.audit_trail()]
    finally:
        admin.lock()
    assert "unlock-guard-damaged" in actions      # on the record
    assert actions.count("unlock-failed") == 1
    ws.unlock(*PRACT).lock()                       # open again after a good unlock


def test_a_new_store_has_a_guard_file(tmp_path: Path) -> None:
    ws = Workstation(tmp_path / "new")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], *ADMIN)
    assert (tmp_path / "new" / GUARD_FILE).exists()
    ws.unlock(*ADMIN).lock()                       # no wait for a store that was never damaged


_CHILD = """
import sys
from pathlib import Path
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import LockedOut, WrongPassphrase
try:
    Workstation(Path(sys.argv[1])).unlock("prac1", "wrong guess in parallel")
except WrongPassphrase:
    print("wrong")
except LockedOut:
    print("locked")
"""


def test_parallel_attempts_are_all_counted_and_none_slips_past(store_dir: Path) -> None:
    env = {**os.environ, "LD_DESKTOP_KDF_PROFILE": "fast"}
    children = [subprocess.Popen([sys.executable, "-c", _CHILD, str(store_dir)], env=env,
                                 stdout=subprocess.PIPE, text=True) for _ in range(20)]
    outcomes = sorted(child.communicate(timeout=120)[0].strip() for child in children)
    # three free attempts, then the back-off holds every other process (none overlaps)
    assert outcomes == ["locked"] * 17 + ["wrong"] * 3
    guard = UnlockGuard(store_dir / GUARD_FILE)
    assert guard.failures(PRACT[0]) == 3
    assert len(guard.take_pending_events()) == 3


_COUNTER = """
import sys
from pathlib import Path
from ld_desktop.store.unlock_guard import UnlockGuard
guard = UnlockGuard(Path(sys.argv[1]))
for _ in range(10):
    guard.record_failure("prac1")
"""


def test_parallel_failures_lose_no_count(store_dir: Path) -> None:
    children = [subprocess.Popen([sys.executable, "-c", _COUNTER, str(store_dir / GUARD_FILE)])
                for _ in range(20)]
    assert [child.wait(timeout=120) for child in children] == [0] * 20
    recorded = json.loads((store_dir / GUARD_FILE).read_text())
    assert recorded["users"][PRACT[0]]["failures"] == 200
    assert len(recorded["pending_events"]) == 200


def test_the_user_is_told_of_failed_attempts_since_their_last_unlock(store_dir: Path) -> None:
    clock = FakeClock()
    ws = _workstation(store_dir, clock)
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            ws.unlock(PRACT[0], "wrong guess number x")
    clock.advance(60)
    session = ws.unlock(*PRACT)
    session.lock()
    assert session.failed_attempts == 3
    again = ws.unlock(*PRACT)
    again.lock()
    assert again.failed_attempts == 0
