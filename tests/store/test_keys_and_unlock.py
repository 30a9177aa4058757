"""Key slots and unlocking: a wrong passphrase changes nothing, damaged/missing/foreign key
files give clear errors, the recovery code works, slots record their Argon2id parameters."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import (
    KeySlotFileCorrupt,
    KeySlotFileMissing,
    NotInitialised,
    WrongKey,
    WrongPassphrase,
)
from ld_desktop.store.keyslots import KeySlotFile
from ld_desktop.store.store import DATABASE_FILE, KEYSLOT_FILE
from ld_desktop.store.unlock_guard import GUARD_FILE

from .support import ADMIN, PRACT


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != GUARD_FILE
    }


@pytest.mark.parametrize(
    ("username", "passphrase"),
    [
        (ADMIN[0], "not the admin passphrase"),
        (PRACT[0], ADMIN[1]),              # someone else's passphrase
        ("nobody", ADMIN[1]),              # unknown user: the same error, nothing revealed
        (ADMIN[0], ""),
    ],
)
def test_wrong_passphrase_raises_and_changes_nothing(
    store_dir: Path, username: str, passphrase: str
) -> None:
    before = _snapshot(store_dir)
    assert DATABASE_FILE in before
    assert KEYSLOT_FILE in before
    with pytest.raises(WrongPassphrase) as info:
        Workstation(store_dir).unlock(username, passphrase)
    assert str(info.value) == "Username or passphrase not recognised."
    assert _snapshot(store_dir) == before
    # only the unlock guard learned anything: one failure for this username
    guard = json.loads((store_dir / GUARD_FILE).read_text())
    assert guard["users"][username.casefold()]["failures"] == 1


def test_right_passphrase_after_a_wrong_one_still_unlocks(store_dir: Path) -> None:
    ws = Workstation(store_dir)
    with pytest.raises(WrongPassphrase):
        ws.unlock(*ADMIN[:1], "wrong wrong wrong")
    session = ws.unlock(*ADMIN)
    assert session.user.username == ADMIN[0]
    session.lock()
    assert session.is_locked


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\x00\xff" * 40,
        b"[]",
        json.dumps({"format": "something-else", "version": 1}).encode(),
        json.dumps({"format": "ld-desktop-keyslots", "version": 1, "database_id": "x",
                    "slots": []}).encode(),
    ],
    ids=["empty", "truncated", "binary", "list", "wrong-format", "bad-database-id"],
)
def test_damaged_key_file_is_reported_clearly(store_dir: Path, content: bytes) -> None:
    (store_dir / KEYSLOT_FILE).write_bytes(content)
    db_before = (store_dir / DATABASE_FILE).read_bytes()
    with pytest.raises(KeySlotFileCorrupt) as info:
        Workstation(store_dir).unlock(*ADMIN)
    message = str(info.value)
    assert KEYSLOT_FILE in message
    assert "damaged" in message
    assert "backup" in message
    assert (store_dir / DATABASE_FILE).read_bytes() == db_before


def test_damaged_slot_entry_is_reported_as_corrupt(store_dir: Path) -> None:
    data = json.loads((store_dir / KEYSLOT_FILE).read_text())
    data["slots"][0]["kdf"] = {"name": "scrypt"}
    (store_dir / KEYSLOT_FILE).write_text(json.dumps(data))
    with pytest.raises(KeySlotFileCorrupt):
        Workstation(store_dir).unlock(*ADMIN)


def test_tampered_wrapped_key_is_a_wrong_passphrase_not_a_crash(store_dir: Path) -> None:
    data = json.loads((store_dir / KEYSLOT_FILE).read_text())
    for slot in data["slots"]:
        for part in (slot["private"], slot["sealed"]):
            wrapped = bytearray(bytes.fromhex(part["ciphertext"]))
            wrapped[0] ^= 0x01
            part["ciphertext"] = wrapped.hex()
    (store_dir / KEYSLOT_FILE).write_text(json.dumps(data))
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(*ADMIN)


def test_missing_key_file_is_reported_clearly(store_dir: Path) -> None:
    (store_dir / KEYSLOT_FILE).unlink()
    with pytest.raises(KeySlotFileMissing) as info:
        Workstation(store_dir).unlock(*ADMIN)
    message = str(info.value)
    assert KEYSLOT_FILE in message
    assert "missing" in message
    assert str(store_dir) in message


def test_missing_database_is_not_initialised(tmp_path: Path) -> None:
    with pytest.raises(NotInitialised):
        Workstation(tmp_path / "nothing-here").unlock(*ADMIN)


def test_key_file_from_another_store(store_dir: Path, tmp_path: Path) -> None:
    other_dir = tmp_path / "other"
    other_pass = "other store admin passphrase"
    Workstation(other_dir).initialise("Elsewhere L&D", ["Elsewhere Custody"], ADMIN[0],
                                      other_pass)
    (store_dir / KEYSLOT_FILE).write_bytes((other_dir / KEYSLOT_FILE).read_bytes())
    db_before = (store_dir / DATABASE_FILE).read_bytes()
    # the other store's passphrase opens the other key file, but its key is not this database's
    with pytest.raises(WrongKey) as info:
        Workstation(store_dir).unlock(ADMIN[0], other_pass)
    assert "do not belong together" in str(info.value)
    # this store's passphrase does not open the foreign key file at all
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(*ADMIN)
    assert (store_dir / DATABASE_FILE).read_bytes() == db_before


def test_slot_moved_between_key_files_does_not_unwrap(store_dir: Path, tmp_path: Path) -> None:
    """Slots are bound to their database id: copying one into another key file fails."""
    other_dir = tmp_path / "other"
    Workstation(other_dir).initialise("Elsewhere L&D", ["Elsewhere Custody"], *ADMIN)
    ours = json.loads((store_dir / KEYSLOT_FILE).read_text())
    theirs = json.loads((other_dir / KEYSLOT_FILE).read_text())
    ours["slots"] = theirs["slots"]      # their slots under our database id
    (store_dir / KEYSLOT_FILE).write_text(json.dumps(ours))
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(*ADMIN)


def test_recovery_code_sets_a_new_passphrase(store_dir: Path, recovery_code: str) -> None:
    ws = Workstation(store_dir)
    new = "a brand new practitioner phrase"
    # typed in lower case without dashes: normalised
    ws.recover(PRACT[0], recovery_code.replace("-", " ").lower(), new)
    with pytest.raises(WrongPassphrase):
        ws.unlock(*PRACT)
    session = ws.unlock(PRACT[0], new)
    session.lock()


def test_wrong_recovery_code_changes_nothing(store_dir: Path, recovery_code: str) -> None:
    ws = Workstation(store_dir)
    before = _snapshot(store_dir)
    wrong = "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"
    assert wrong != recovery_code
    with pytest.raises(WrongPassphrase):
        ws.recover(PRACT[0], wrong, "a brand new practitioner phrase")
    assert _snapshot(store_dir) == before
    ws.unlock(*PRACT).lock()


def test_fast_profile_slots_record_their_parameters(store_dir: Path) -> None:
    slots = KeySlotFile.load(store_dir / KEYSLOT_FILE)
    assert {s.kind for s in slots.slots} == {"user", "recovery"}
    for slot in slots.slots:
        assert slot.kdf.memory_kib == 8 * 1024
        assert len(slot.kdf.salt) == 16
    assert len({s.kdf.salt for s in slots.slots}) == len(slots.slots)  # a salt per slot


def test_default_profile_slot_uses_at_least_64_mib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LD_DESKTOP_KDF_PROFILE")
    path = tmp_path / KEYSLOT_FILE
    slots = KeySlotFile.create(path)
    data_key = os.urandom(32)
    slots.set_user_slot("someone", "practitioner", "a real passphrase, real cost", data_key)
    stored = json.loads(path.read_text())["slots"][0]["kdf"]
    assert stored["name"] == "argon2id"
    assert stored["memory_kib"] >= 64 * 1024
    assert stored["iterations"] >= 2
    # and it still unwraps, from the file, with the recorded parameters
    again = KeySlotFile.load(path)
    assert again.unwrap_for_user("someone", "a real passphrase, real cost") == data_key


def test_an_unknown_username_costs_the_same_derivation_as_a_real_slot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown username was answered after a derivation with the weak test profile
    (8 MiB, 1 pass: milliseconds) while a real user's wrong passphrase costs the full
    profile (128 MiB x 3: ~0.35 s), so timing the refusal told which usernames exist."""
    from ld_desktop.store.kdf import DEFAULT_PROFILE, KdfParams

    used: list[tuple[int, int, int]] = []

    def recording(self: KdfParams, secret: str) -> bytes:
        """Records the parameters each derivation is asked for; what is measured is which
        profile a refusal pays for, so a keyed hash stands in for three full Argon2id
        derivations (128 MiB x 3 each, ~1 s of the test; test_default_profile_slot_uses_at_
        least_64_mib derives for real)."""
        used.append((self.memory_kib, self.iterations, self.lanes))
        return hashlib.blake2b(secret.encode(), key=self.salt, digest_size=32).digest()

    monkeypatch.setattr(KdfParams, "derive", recording)
    slots = KeySlotFile.create(tmp_path / KEYSLOT_FILE)
    real = KdfParams(*DEFAULT_PROFILE, salt=os.urandom(16))
    slots.slots.append(slots.make_slot("user", "realuser", "practitioner", real, None,
                                       "a real passphrase for timing", bytes(32)))
    assert slots.unwrap_for_user("realuser", "a real passphrase for timing") == bytes(32)
    used.clear()
    for username in ("realuser", "nosuchuser"):
        with pytest.raises(WrongPassphrase):
            slots.open_user_slot(username, "a wrong passphrase entirely")
    assert used == [DEFAULT_PROFILE, DEFAULT_PROFILE]
