"""Key slots are bound to their owner (issue 13, item 1): a slot relabelled in keyslots.json
opens nothing; the session's user and role are the slot's bound ones; a version-1 key file
(the fixture ``keyslots_v1``, made by the code before this change) still opens and each slot
moves to the bound format at its next unlock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import WrongPassphrase
from ld_desktop.store.keyslots import KeySlotFile
from ld_desktop.store.models import AuditEvent, StaffMember
from ld_desktop.store.store import KEYSLOT_FILE

from .support import ADMIN, PRACT

V1_FIXTURE = Path(__file__).with_name("fixtures") / "keyslots_v1"


def _edit_slots(folder: Path, edit: Any) -> None:
    path = folder / KEYSLOT_FILE
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _user_slot(data: dict[str, Any], username: str) -> dict[str, Any]:
    return next(s for s in data["slots"] if s["username"] == username)


def _audit_actions(folder: Path, who: tuple[str, str]) -> list[str]:
    session = Workstation(folder).unlock(*who)
    try:
        with session.store.reading() as db:
            return [e.action for e in db.query(AuditEvent).order_by(AuditEvent.seq)]
    finally:
        session.lock()


def test_practitioner_slot_relabelled_as_admin_does_not_open(store_dir: Path) -> None:
    """The issue's attack: the practitioner's slot renamed to the admin's (and put first, so
    it is the one found) let the practitioner unlock as the admin."""
    def relabel(data: dict[str, Any]) -> None:
        slot = _user_slot(data, PRACT[0])
        slot["username"] = ADMIN[0]
        data["slots"].remove(slot)
        data["slots"].insert(0, slot)

    _edit_slots(store_dir, relabel)
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(ADMIN[0], PRACT[1])


def test_slot_with_its_role_edited_does_not_open(store_dir: Path) -> None:
    _edit_slots(store_dir, lambda d: _user_slot(d, PRACT[0]).__setitem__("role", "admin"))
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(*PRACT)


def test_session_role_is_the_slots_bound_role(store_dir: Path) -> None:
    session = Workstation(store_dir).unlock(*PRACT)
    try:
        assert session.user.role is Role.PRACTITIONER
        bound = KeySlotFile.load(store_dir / KEYSLOT_FILE)._user_slot(PRACT[0])
        assert bound is not None
        assert bound.role == "practitioner"
    finally:
        session.lock()


def test_a_role_changed_by_an_administrator_is_bound_at_next_unlock(store_dir: Path) -> None:
    admin = Workstation(store_dir).unlock(*ADMIN)
    with admin.store.unit_of_work(ADMIN[0]) as uow:
        member = uow.session.query(StaffMember).filter_by(username=PRACT[0]).one()
        uow.changes.update(member, {"role": Role.SENIOR.value})
    admin.lock()
    session = Workstation(store_dir).unlock(*PRACT)
    session.lock()
    assert session.user.role is Role.SENIOR
    slot = KeySlotFile.load(store_dir / KEYSLOT_FILE)._user_slot(PRACT[0])
    assert slot is not None
    assert slot.role == "senior"
    assert "key-slot-bound" in _audit_actions(store_dir, PRACT)


# ---------------------------------------------------------------- version-1 key files
@pytest.fixture
def v1_store(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path / "store"
    shutil.copytree(V1_FIXTURE, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").unlink()
    return folder, manifest


def test_v1_fixture_is_really_version_1() -> None:
    data = json.loads((V1_FIXTURE / KEYSLOT_FILE).read_text())
    assert data["version"] == 1
    assert all("wrapped_key" in s and "role" not in s for s in data["slots"])


def test_v1_slots_open_and_are_bound_one_by_one(v1_store: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = v1_store
    prac = tuple(manifest["practitioner"])
    session = Workstation(folder).unlock(*prac)
    assert session.user.role is Role.PRACTITIONER
    session.lock()
    data = json.loads((folder / KEYSLOT_FILE).read_text())
    assert data["version"] == 2
    assert _user_slot(data, prac[0])["role"] == "practitioner"
    assert {s["username"] for s in data["legacy_slots"]} == {
        manifest["admin"][0], manifest["senior"][0], None}
    # bound from now on: the relabel attack fails on the migrated slot
    def relabel(d: dict[str, Any]) -> None:
        _user_slot(d, prac[0])["username"] = "v1nobody"

    Workstation(folder).unlock(*prac).lock()   # still opens, now in the new format
    _edit_slots(folder, relabel)
    with pytest.raises(WrongPassphrase):
        Workstation(folder).unlock("v1nobody", prac[1])
    # the others, still in the old format, open too
    for who in ("admin", "senior"):
        Workstation(folder).unlock(*manifest[who]).lock()
    assert not KeySlotFile.load(folder / KEYSLOT_FILE).unmigrated_usernames()


def test_v1_recovery_code_still_works_and_moves_to_the_new_format(
    v1_store: tuple[Path, dict[str, Any]],
) -> None:
    folder, manifest = v1_store
    ws = Workstation(folder)
    ws.recover(manifest["senior"][0], manifest["recovery_code"], "a new senior phrase 2026")
    ws.unlock(manifest["senior"][0], "a new senior phrase 2026").lock()
    slots = KeySlotFile.load(folder / KEYSLOT_FILE)
    assert slots.has_recovery_slot()
    assert not [s for s in slots.legacy_slots if s.kind == "recovery"]
    # the same printed code opens the migrated recovery slot
    ws.recover(manifest["senior"][0], manifest["recovery_code"], "another senior phrase 27")


def test_a_key_added_to_the_private_bundle_survives_a_passphrase_change(
    store_dir: Path,
) -> None:
    """The slot format is open to more per-user keys (e.g. a personal signing key)."""
    slots = KeySlotFile.load(store_dir / KEYSLOT_FILE)
    opened = slots.open_user_slot(*PRACT)
    data_key = opened.keys[0][1]
    with slots.editing():
        slots.add_private_key(opened, "ed25519", b"\x07" * 32, b"\x08" * 32, data_key)
    session = Workstation(store_dir).unlock(*PRACT)
    session.accounts.change_own_passphrase(PRACT[1], "a changed practitioner phrase")
    session.lock()
    again = KeySlotFile.load(store_dir / KEYSLOT_FILE)
    reopened = again.open_user_slot(PRACT[0], "a changed practitioner phrase")
    assert bytes(reopened.bundle["ed25519"]) == b"\x07" * 32
    slot = again._user_slot(PRACT[0])
    assert slot is not None
    assert slot.public["ed25519"] == b"\x08" * 32
    assert slot.role == "practitioner"
