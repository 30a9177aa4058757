"""Users' personal signing keys (issue 12, item 2): made with the user and kept in their key
slot; users from before keys (the version-1 fixture, made by older code) get one at their next
unlock; an administrator's own key is added to their record, others' wait for an
administrator to unlock here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.personal_keys import PENDING_KEYS
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.keyslots import KeySlotFile
from ld_desktop.store.staff_queries import find_staff, get_setting
from ld_desktop.store.store import KEYSLOT_FILE
from sync.op_signing import public_key_text, verify

V1_FIXTURE = Path(__file__).parents[1] / "store" / "fixtures" / "keyslots_v1"
MANIFEST = json.loads((V1_FIXTURE / "manifest.json").read_text())


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workstation:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    folder = tmp_path / "ws"
    shutil.copytree(V1_FIXTURE, folder, ignore=shutil.ignore_patterns("manifest.json"))
    return Workstation(folder)


def _keys_of(ws: Workstation, who: tuple[str, str], username: str) -> list[str]:
    session = ws.unlock(*who)
    try:
        with session.store.reading() as db:
            member = find_staff(db, username)
            assert member is not None
            return list(member.signing_keys)
    finally:
        session.lock()


def test_users_from_before_keys_get_one_at_their_next_unlock(old_store: Workstation) -> None:
    prac = tuple(MANIFEST["practitioner"])
    admin = tuple(MANIFEST["admin"])
    first = old_store.unlock(*prac)
    key = first.signing_key
    assert key is not None
    with first.store.reading() as db:
        member = find_staff(db, prac[0])
        assert member is not None
        assert member.signing_keys == []                # waits for an administrator
        assert get_setting(db, PENDING_KEYS) == {prac[0]: public_key_text(key)}
    first.lock()
    again = old_store.unlock(*prac)                      # the same key, kept in the slot
    assert again.signing_key is not None
    assert public_key_text(again.signing_key) == public_key_text(key)
    again.lock()
    slots = KeySlotFile.load(old_store.data_dir / KEYSLOT_FILE)
    assert prac[0] in slots.usernames()
    assert "ed25519" in next(s for s in slots.slots if s.username == prac[0]).public
    # an administrator unlocks: their own key and the waiting one reach the records, signed
    assert _keys_of(old_store, admin, prac[0]) == [public_key_text(key)]
    session = old_store.unlock(*admin)
    with session.store.reading() as db:
        member = find_staff(db, prac[0])
        assert member is not None
        assert verify(member.attestation)["signer"] == admin[0]
        me = find_staff(db, admin[0])
        assert me is not None
        assert session.signing_key is not None
        assert me.signing_keys == [public_key_text(session.signing_key)]
        assert get_setting(db, PENDING_KEYS) == {}
    session.lock()


def test_a_new_users_key_is_in_their_record_and_survives_a_passphrase_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], "admin1",
                  "admin passphrase for tests")
    admin = ws.unlock("admin1", "admin passphrase for tests")
    admin.accounts.add_user("prac1", Role.PRACTITIONER, "practitioner passphrase one")
    with admin.store.reading() as db:
        member = find_staff(db, "prac1")
        assert member is not None
        keys = list(member.signing_keys)
        assert verify(member.attestation)["signer"] == "admin1"
    admin.lock()
    prac = ws.unlock("prac1", "practitioner passphrase one")
    assert prac.signing_key is not None
    assert [public_key_text(prac.signing_key)] == keys
    prac.accounts.change_own_passphrase("practitioner passphrase one",
                                        "practitioner passphrase two")
    prac.lock()
    prac = ws.unlock("prac1", "practitioner passphrase two")
    assert prac.signing_key is not None
    assert [public_key_text(prac.signing_key)] == keys
    prac.lock()
