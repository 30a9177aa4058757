"""Growing delay after failed unlocks (injected clock, no sleeping), and the failures enter
the tamper-evident audit trail at the next successful unlock."""

from __future__ import annotations

from pathlib import Path

import pytest

from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import LockedOut, WrongPassphrase
from ld_desktop.store.unlock_guard import GUARD_FILE, UnlockGuard

from .support import ADMIN, PRACT


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _workstation(store_dir: Path, clock: FakeClock) -> Workstation:
    ws = Workstation(store_dir)
    ws.guard = UnlockGuard(store_dir / GUARD_FILE, clock=clock)
    return ws


def test_guard_alone_backs_off_after_three_failures(tmp_path: Path) -> None:
    clock = FakeClock()
    guard = UnlockGuard(tmp_path / GUARD_FILE, clock=clock)
    for expected in (1, 2):
        assert guard.record_failure("Prac1") == expected
        guard.check("prac1")            # two failures: no wait yet (case-insensitive)
    assert guard.record_failure("prac1") == 3
    with pytest.raises(LockedOut) as info:
        guard.check("PRAC1")
    assert info.value.seconds == 5
    assert "Try again in 5 seconds" in str(info.value)
    guard.check("someone-else")          # per username
    clock.advance(3)
    assert guard.remaining("prac1") == 2
    clock.advance(2)
    guard.check("prac1")
    guard.record_failure("prac1")        # the fourth failure doubles the wait
    assert guard.remaining("prac1") == 10
    for _ in range(20):
        guard.record_failure("prac1")
    assert guard.remaining("prac1") == 15 * 60  # capped
    with pytest.raises(LockedOut) as info:
        guard.check("prac1")
    assert "15 minutes" in str(info.value)
    guard.record_success("prac1")
    guard.check("prac1")


def test_damaged_guard_file_fails_closed(tmp_path: Path) -> None:
    (tmp_path / GUARD_FILE).write_bytes(b"\x00garbage")
    guard = UnlockGuard(tmp_path / GUARD_FILE, clock=FakeClock())
    with pytest.raises(LockedOut) as info:
        guard.check("prac1")
    assert info.value.seconds == 15 * 60


def test_workstation_locks_out_even_the_right_passphrase(store_dir: Path) -> None:
    clock = FakeClock()
    ws = _workstation(store_dir, clock)
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            ws.unlock(PRACT[0], "wrong guess number x")
    with pytest.raises(LockedOut) as info:
        ws.unlock(*PRACT)
    assert info.value.seconds == 5
    assert ws.lockout_remaining(PRACT[0]) == 5
    ws.unlock(*ADMIN).lock()             # other users are not held up
    clock.advance(5)
    session = ws.unlock(*PRACT)
    session.lock()
    assert ws.lockout_remaining(PRACT[0]) == 0
    # a success resets the count: the next failure is "free" again
    with pytest.raises(WrongPassphrase):
        ws.unlock(PRACT[0], "wrong guess number y")
    ws.unlock(*PRACT).lock()


def test_failures_are_audited_at_the_next_successful_unlock(store_dir: Path) -> None:
    clock = FakeClock()
    ws = _workstation(store_dir, clock)
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            ws.unlock(PRACT[0], "wrong guess number x")
    with pytest.raises(LockedOut):
        ws.unlock(*PRACT)
    assert len(ws.guard.take_pending_events()) == 3
    clock.advance(60)
    admin = ws.unlock(*ADMIN)
    try:
        trail = admin.maintenance.audit_trail()
        report = admin.maintenance.verify()
    finally:
        admin.lock()
    failed = [e for e in trail if e.action == "unlock-failed"]
    assert [e.detail["failures"] for e in failed] == [1, 2, 3]
    assert {e.detail["username"] for e in failed} == {PRACT[0]}
    # written before the unlock that carried them in, and chained like any other event
    unlocks = [e.seq for e in trail if e.action == "unlock"]
    assert max(e.seq for e in failed) < unlocks[-1]
    assert report.healthy
    # moved, not copied: the next unlock does not audit them again
    assert ws.guard.take_pending_events() == []
    again = ws.unlock(*ADMIN)
    try:
        trail2 = again.maintenance.audit_trail()
    finally:
        again.lock()
    assert len([e for e in trail2 if e.action == "unlock-failed"]) == 3
