"""Keys at rest: no plaintext, wrong passphrase changes nothing, backoff, key-file damage,
recovery, removed users, passphrase policy."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from ld_desktop.domain.passphrase_policy import WeakPassphrase
from ld_desktop.domain.roles import Role
from ld_desktop.services.errors import (
    KeySlotFileCorrupt,
    KeySlotFileMissing,
    LockedOut,
    UnknownUser,
    WrongPassphrase,
)
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.kdf import new_params
from ld_desktop.store.unlock_guard import UnlockGuard

from .support import ADMIN

UNUSUAL = "Zyxqwvbrandtestname"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_database_has_no_plaintext(store_dir: Path) -> None:
    ws = Workstation(store_dir)
    session = ws.unlock(*ADMIN)
    session.accounts.add_user("prac2", Role.PRACTITIONER, "practitioner passphrase")
    session.lock()
    prac = ws.unlock("prac2", "practitioner passphrase")
    prac.persons.register(PersonDraft(UNUSUAL, "Testington", date(1980, 1, 2)), prac.site_ids[0])
    prac.lock()
    for name, data in _files(store_dir).items():
        if name.startswith("ld-desktop.db"):
            assert not data.startswith(b"SQLite format 3")
            assert UNUSUAL.encode() not in data
            assert b"Testington" not in data
        assert ADMIN[1].encode() not in data
        assert b"practitioner passphrase" not in data


def test_wrong_passphrase_changes_nothing_and_backs_off(store_dir: Path) -> None:
    ws = Workstation(store_dir)
    before = {k: v for k, v in _files(store_dir).items() if k != "unlock-guard.json"}
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            ws.unlock(ADMIN[0], "not the passphrase at all")
    after = {k: v for k, v in _files(store_dir).items() if k != "unlock-guard.json"}
    assert after == before
    with pytest.raises(LockedOut) as locked:
        ws.unlock(*ADMIN)            # even the right passphrase must wait
    assert 0 < locked.value.seconds <= 5
    assert "Try again in" in str(locked.value)


def test_backoff_grows_and_failures_reach_the_audit_trail(store_dir: Path) -> None:
    clock = [1_000.0]
    guard = UnlockGuard(store_dir / "unlock-guard.json", clock=lambda: clock[0])
    for _ in range(4):
        guard.record_failure("admin1")
    assert guard.remaining("admin1") == 10
    clock[0] += 11
    guard.check("admin1")
    guard.record_success("admin1")
    session = Workstation(store_dir).unlock(*ADMIN)
    failures = [e for e in session.maintenance.audit_trail() if e.action == "unlock-failed"]
    session.lock()
    assert len(failures) == 4
    assert failures[-1].detail["failures"] == 4


def test_missing_or_corrupt_key_file_is_a_clear_error(store_dir: Path) -> None:
    slots = store_dir / "keyslots.json"
    saved = slots.read_bytes()
    slots.write_text("{not json")
    with pytest.raises(KeySlotFileCorrupt, match="damaged"):
        Workstation(store_dir).unlock(*ADMIN)
    slots.unlink()
    with pytest.raises(KeySlotFileMissing, match="restore it from the workstation backup"):
        Workstation(store_dir).unlock(*ADMIN)
    slots.write_bytes(saved)
    Workstation(store_dir).unlock(*ADMIN).lock()


def test_recovery_code_sets_a_new_passphrase(tmp_path: Path) -> None:
    ws = Workstation(tmp_path / "s")
    code = ws.initialise("Testshire", ["Northgate"], *ADMIN)
    with pytest.raises(WrongPassphrase):
        ws.recover("admin1", "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE", "a brand new passphrase")
    ws.recover("admin1", code.lower().replace("-", " "), "a brand new passphrase")
    with pytest.raises(WrongPassphrase):
        ws.unlock(*ADMIN)
    session = ws.unlock("admin1", "a brand new passphrase")
    assert "passphrase-recovered" in [e.action for e in session.maintenance.audit_trail()]
    session.lock()


def test_removed_user_can_no_longer_unlock(store_dir: Path) -> None:
    ws = Workstation(store_dir)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user("leaver", Role.PRACTITIONER, "departing staff phrase")
    ws.unlock("leaver", "departing staff phrase").lock()
    admin.accounts.remove_user("leaver")
    admin.lock()
    with pytest.raises((WrongPassphrase, UnknownUser)):
        ws.unlock("leaver", "departing staff phrase")


def test_change_passphrase_and_policy(store_dir: Path) -> None:
    ws = Workstation(store_dir)
    session = ws.unlock(*ADMIN)
    with pytest.raises(WeakPassphrase, match="at least 12"):
        session.accounts.change_own_passphrase(ADMIN[1], "short")
    with pytest.raises(WeakPassphrase, match="username"):
        session.accounts.change_own_passphrase(ADMIN[1], "admin1 is my passphrase")
    session.accounts.change_own_passphrase(ADMIN[1], "a completely new phrase")
    session.lock()
    with pytest.raises(WrongPassphrase):
        ws.unlock(*ADMIN)
    ws.unlock("admin1", "a completely new phrase").lock()


def test_slot_records_its_kdf_parameters(store_dir: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.delenv("LD_DESKTOP_KDF_PROFILE")
    params = new_params()
    assert params.memory_kib >= 64 * 1024
    assert params.iterations >= 2
    data = json.loads((store_dir / "keyslots.json").read_text())
    for slot in data["slots"]:
        assert {"memory_kib", "iterations", "lanes", "salt"} <= set(slot["kdf"])
        assert slot["kdf"]["name"] == "argon2id"
    assert os.stat(store_dir / "keyslots.json").st_mode & 0o077 == 0
