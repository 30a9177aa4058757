"""Removal and key rotation (issue 13, item 2): the database is re-keyed and every remaining
slot re-sealed, without anyone else's passphrase; a copy of a removed user's slot then opens
nothing; an interrupted rotation is finished at the next unlock; progress is reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from ld_desktop.domain.roles import Role
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import WrongPassphrase
from ld_desktop.store.keyslots import KeySlotFile
from ld_desktop.store.store import DATABASE_FILE, KEYSLOT_FILE, Store

from .support import ADMIN, PRACT

SENIOR = ("senior1", "senior passphrase for rotation tests")


def _opens_with(folder: Path, key: bytes | bytearray) -> bool:
    conn = sqlcipher3.connect(str(folder / DATABASE_FILE))
    try:
        conn.execute(f"PRAGMA key = \"x'{bytes(key).hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def _current_key(folder: Path, who: tuple[str, str]) -> bytearray:
    return KeySlotFile.load(folder / KEYSLOT_FILE).unwrap_for_user(*who)


def test_copy_of_a_removed_users_slot_opens_nothing(store_dir: Path) -> None:
    """The issue's attack: a slot copied before removal still unwrapped the data key."""
    before = (store_dir / KEYSLOT_FILE).read_bytes()
    copied = KeySlotFile.load(store_dir / KEYSLOT_FILE)   # the practitioner's copy
    old_key = copied.unwrap_for_user(*PRACT)
    assert _opens_with(store_dir, old_key)
    admin = Workstation(store_dir).unlock(*ADMIN)
    admin.accounts.remove_user(PRACT[0])
    admin.lock()
    # the copy still yields a key ... which no longer opens the re-keyed database
    assert copied.unwrap_for_user(*PRACT) == old_key
    assert not _opens_with(store_dir, old_key)
    # nor does the copied slot put back into the current key file
    slot = next(s for s in json.loads(before)["slots"] if s["username"] == PRACT[0])
    data = json.loads((store_dir / KEYSLOT_FILE).read_text())
    data["slots"].append(slot)
    (store_dir / KEYSLOT_FILE).write_text(json.dumps(data))
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(*PRACT)
    # everyone else still opens, with the new key
    assert _opens_with(store_dir, _current_key(store_dir, ADMIN))


def test_rotate_keys_reseals_every_slot_and_reports_progress(
    store_dir: Path, recovery_code: str
) -> None:
    ws = Workstation(store_dir)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user(SENIOR[0], Role.SENIOR, SENIOR[1])
    old_key = bytes(admin.data_key)
    seen: list[tuple[int, int, str]] = []
    result = admin.accounts.rotate_keys(progress=lambda d, t, w: seen.append((d, t, w)))
    assert result.generation == 2
    assert result.recovery_code is None          # the recovery slot was re-sealed, not replaced
    assert bytes(admin.data_key) != old_key
    assert admin.accounts.list_users()             # the session goes on with the new key
    report = admin.maintenance.verify()            # the audit chain made under the old key
    admin.lock()
    assert report.healthy, report
    assert not _opens_with(store_dir, old_key)
    for who in (ADMIN, PRACT, SENIOR):
        session = ws.unlock(*who)
        session.lock()
    ws.recover(PRACT[0], recovery_code, "a new practitioner phrase 99")
    stages = [w for _, _, w in seen]
    assert "Sealing the new key for each user" in stages
    assert "Re-encrypting the database" in stages
    assert seen[-1][0] == seen[-1][1]
    assert all(0 <= d <= t for d, t, _ in seen)


def test_a_swapped_public_key_is_refused_and_nothing_changes(store_dir: Path) -> None:
    """Someone without the data key swaps a slot's public key, hoping the next rotation
    seals the new key to a key pair they hold."""
    from ld_desktop.store.errors import KeySlotTampered

    data = json.loads((store_dir / KEYSLOT_FILE).read_text())
    slot = next(s for s in data["slots"] if s["username"] == PRACT[0])
    slot["public"]["x25519"] = "11" * 32
    (store_dir / KEYSLOT_FILE).write_text(json.dumps(data))
    before = {p.name: p.read_bytes() for p in store_dir.iterdir() if p.suffix != ".lock"}
    admin = Workstation(store_dir).unlock(*ADMIN)
    key = bytes(admin.data_key)
    with pytest.raises(KeySlotTampered):
        admin.accounts.rotate_keys()
    admin.lock()
    assert json.loads((store_dir / KEYSLOT_FILE).read_text()) == data
    assert _opens_with(store_dir, key)
    assert before[KEYSLOT_FILE] == (store_dir / KEYSLOT_FILE).read_bytes()


def test_killed_after_pending_was_written_is_finished_at_next_unlock(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = Workstation(store_dir).unlock(*ADMIN)
    old_key = bytes(admin.data_key)

    def killed(self: Store, new_key: bytearray) -> None:
        raise SystemExit("killed before the re-key")

    monkeypatch.setattr(Store, "rekey", killed)
    with pytest.raises(SystemExit):
        admin.accounts.remove_user(PRACT[0])
    monkeypatch.undo()
    admin.lock()
    assert KeySlotFile.load(store_dir / KEYSLOT_FILE).pending is not None
    assert _opens_with(store_dir, old_key)
    # the next unlock, by anyone remaining, rolls the rotation forward
    Workstation(store_dir).unlock(*ADMIN).lock()
    slots = KeySlotFile.load(store_dir / KEYSLOT_FILE)
    assert slots.pending is None
    assert slots.generation == 2
    assert not _opens_with(store_dir, old_key)
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(*PRACT)


def test_killed_after_the_rekey_opens_with_the_pending_key(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ld_desktop.store import key_rotation

    admin = Workstation(store_dir).unlock(*ADMIN)
    old_key = bytes(admin.data_key)

    def killed(slots: KeySlotFile) -> None:
        raise SystemExit("killed before the key file was committed")

    monkeypatch.setattr(key_rotation, "commit_pending", killed)
    with pytest.raises(SystemExit):
        admin.accounts.rotate_keys()
    monkeypatch.undo()
    admin.store.close()
    assert KeySlotFile.load(store_dir / KEYSLOT_FILE).generation == 1
    assert not _opens_with(store_dir, old_key)      # the database is already re-keyed
    session = Workstation(store_dir).unlock(*PRACT)  # current key fails, pending opens
    session.lock()
    slots = KeySlotFile.load(store_dir / KEYSLOT_FILE)
    assert (slots.generation, slots.pending) == (2, None)


def test_rotation_drops_unmigrated_v1_slots_and_makes_a_new_recovery_code(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "store"
    shutil.copytree(Path(__file__).with_name("fixtures") / "keyslots_v1", folder)
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    ws = Workstation(folder)
    admin = ws.unlock(*manifest["admin"])
    assert admin.accounts.unmigrated_users() == sorted(
        [manifest["practitioner"][0], manifest["senior"][0]])
    result = admin.accounts.rotate_keys()
    admin.lock()
    assert result.dropped_unmigrated == sorted(
        [manifest["practitioner"][0], manifest["senior"][0]])
    assert result.recovery_code is not None
    with pytest.raises(WrongPassphrase):
        ws.unlock(*manifest["practitioner"])
    with pytest.raises(WrongPassphrase):
        ws.recover(manifest["senior"][0], manifest["recovery_code"], "senior new phrase 1")
    ws.recover(manifest["senior"][0], result.recovery_code, "senior new phrase 1")
    ws.unlock(manifest["senior"][0], "senior new phrase 1").lock()


def test_data_key_is_a_bytearray_cleared_at_lock(store_dir: Path) -> None:
    session = Workstation(store_dir).unlock(*PRACT)
    key = session.data_key
    assert isinstance(key, bytearray)
    assert any(key)
    session.lock()
    assert key == bytearray(32)


@pytest.mark.expect_log   # the unfinished rotation is logged
def test_a_full_disk_during_the_rekey_keeps_the_old_key_working(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-key needs about the database's size in the WAL: a full disk must not leave
    a store nobody can open, nor a session that stops working."""
    import ld_desktop.store.store as store_module
    from ld_desktop.store.errors import DiskFull

    real = store_module.execute_key_pragma

    def disk_full(conn: object, name: str, key: bytearray) -> None:
        if name == "rekey":
            raise sqlcipher3.OperationalError("database or disk is full")
        real(conn, name, key)

    monkeypatch.setattr(store_module, "execute_key_pragma", disk_full)
    admin = Workstation(store_dir).unlock(*ADMIN)
    old_key = bytes(admin.data_key)
    with pytest.raises(DiskFull):
        admin.accounts.rotate_keys()
    assert admin.accounts.list_users()               # the session carries on, old key
    admin.lock()
    assert _opens_with(store_dir, old_key)
    assert KeySlotFile.load(store_dir / KEYSLOT_FILE).pending is not None
    Workstation(store_dir).unlock(*PRACT).lock()      # still full: unlocks with the old key
    assert KeySlotFile.load(store_dir / KEYSLOT_FILE).pending is not None
    monkeypatch.undo()
    Workstation(store_dir).unlock(*PRACT).lock()      # space again: the rotation finishes
    slots = KeySlotFile.load(store_dir / KEYSLOT_FILE)
    assert (slots.generation, slots.pending) == (2, None)
    assert not _opens_with(store_dir, old_key)


def test_no_slot_changes_while_an_interrupted_rotation_waits(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slot sealed with the old key while a rotation is pending would be dropped when the
    rotation is finished: adding a user waits until it is."""
    import ld_desktop.store.store as store_module
    from ld_desktop.store.errors import DiskFull, RotationInterrupted

    real = store_module.execute_key_pragma

    def disk_full(conn: object, name: str, key: bytearray) -> None:
        if name == "rekey":
            raise sqlcipher3.OperationalError("database or disk is full")
        real(conn, name, key)

    monkeypatch.setattr(store_module, "execute_key_pragma", disk_full)
    admin = Workstation(store_dir).unlock(*ADMIN)
    with pytest.raises(DiskFull):
        admin.accounts.rotate_keys()
    with pytest.raises(RotationInterrupted):
        admin.accounts.add_user(*SENIOR[:1], Role.SENIOR, SENIOR[1])
    admin.lock()
    monkeypatch.undo()
    admin = Workstation(store_dir).unlock(*ADMIN)   # finishes the rotation
    admin.accounts.add_user(*SENIOR[:1], Role.SENIOR, SENIOR[1])
    admin.lock()
    Workstation(store_dir).unlock(*SENIOR).lock()


@pytest.mark.expect_log   # the discarded generation is logged
def test_a_planted_pending_generation_is_never_re_keyed_to(store_dir: Path) -> None:
    """A removed user (no current key, but write access to the folder) plants a pending
    generation: a key of their choosing sealed to every slot's public key. The next unlock
    must not re-key the database to it."""
    import os

    from ld_desktop.store.keyslots import PendingGeneration
    from ld_desktop.store.slot_crypto import directory_mac, seal_data_key

    admin = Workstation(store_dir).unlock(*ADMIN)
    admin.accounts.remove_user(PRACT[0])
    admin.lock()
    current = _current_key(store_dir, ADMIN)
    planted = bytearray(os.urandom(32))
    slots = KeySlotFile.load(store_dir / KEYSLOT_FILE)
    pending = PendingGeneration(slots.generation + 1, "2026-11-30T03:00:00+00:00", "planted")
    for slot in slots.slots:
        label = slot.label(slots.database_id)
        pending.sealed[slot.slot_id] = seal_data_key(
            planted, slot.public["x25519"], label, pending.generation)
        pending.macs[slot.slot_id] = directory_mac(planted, label, slot.public)
    pending.mac = os.urandom(32)          # cannot be made without the current key
    slots.pending = pending
    slots.save()
    Workstation(store_dir).unlock(*ADMIN).lock()
    assert not _opens_with(store_dir, planted)
    assert _opens_with(store_dir, current)
    assert KeySlotFile.load(store_dir / KEYSLOT_FILE).pending is None


def test_a_session_open_during_a_rotation_is_told_to_unlock_again(store_dir: Path) -> None:
    """Another window still holds the old key after the Admin page rotated the keys: its
    next read or save must say so (lock and unlock again), not call the database 'badly
    damaged' (which sends people to restore a backup and lose work)."""
    from datetime import date

    from ld_desktop.services.persons import PersonDraft
    from ld_desktop.store.errors import KeysRotatedElsewhere

    prac = Workstation(store_dir).unlock(*PRACT)
    site = prac.sites[0].id
    prac.persons.register(PersonDraft("Before", "Testrotation", date(1990, 1, 1)), site)
    admin = Workstation(store_dir).unlock(*ADMIN)
    admin.accounts.rotate_keys()
    admin.lock()
    with pytest.raises(KeysRotatedElsewhere):
        prac.persons.register(PersonDraft("During", "Testrotation", date(1990, 1, 1)), site)
    with pytest.raises(KeysRotatedElsewhere):
        prac.persons.search("Testrotation")
    with pytest.raises(KeysRotatedElsewhere):
        prac.lock()                 # the lock's audit cannot be written either ...
    assert prac.is_locked           # ... but the session is locked all the same
    again = Workstation(store_dir).unlock(*PRACT)
    assert [p.given_name for p in again.persons.search("Testrotation")] == ["Before"]
    again.lock()
