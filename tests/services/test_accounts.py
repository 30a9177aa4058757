"""Users: adding, removing (they can no longer unlock), changing one's own passphrase, the
passphrase policy's messages, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ld_desktop.domain.passphrase_policy import WeakPassphrase, check_passphrase
from ld_desktop.domain.roles import PermissionDenied, Role
from ld_desktop.services.accounts import UserExists
from ld_desktop.services.session import SessionLocked, UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import UnknownUser, WrongKey, WrongPassphrase

from .support import ADMIN, NORTH, SOUTH

Opener = Callable[[tuple[str, str]], UserSession]


def test_removed_user_can_no_longer_unlock(store_dir: Path, open_session: Opener) -> None:
    admin = open_session(ADMIN)
    admin.accounts.remove_user(NORTH[0])
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(*NORTH)
    users = {u.username: u for u in admin.accounts.list_users()}
    assert users[NORTH[0]].active is False
    assert users[NORTH[0]].has_key_slot is False
    assert NORTH[0] not in Workstation(store_dir).usernames()
    trail = admin.maintenance.audit_trail()
    assert trail[-2].action == "user-removed"
    assert trail[-2].detail == {"username": NORTH[0]}
    assert trail[-1].action == "keys-rotated"
    assert trail[-1].detail["slots_removed"] == [NORTH[0]]


def test_removed_user_with_a_restored_key_slot_is_still_refused(
    store_dir: Path, open_session: Opener
) -> None:
    """Even if an old key file with their slot is put back, the old key it holds no longer
    opens the re-keyed database (before issue 13 the store refused the user by name only)."""
    old_slots = (store_dir / "keyslots.json").read_bytes()
    open_session(ADMIN).accounts.remove_user(SOUTH[0])
    (store_dir / "keyslots.json").write_bytes(old_slots)
    with pytest.raises(WrongKey):
        Workstation(store_dir).unlock(*SOUTH)


def test_returning_user_is_reactivated(store_dir: Path, open_session: Opener) -> None:
    admin = open_session(ADMIN)
    admin.accounts.remove_user(NORTH[0])
    admin.accounts.add_user(NORTH[0], Role.SENIOR, "welcome back north phrase")
    back = open_session((NORTH[0], "welcome back north phrase"))
    assert back.user.role is Role.SENIOR


def test_change_own_passphrase(store_dir: Path, open_session: Opener) -> None:
    session = open_session(NORTH)
    new = "north has a new phrase now"
    with pytest.raises(WrongPassphrase):
        session.accounts.change_own_passphrase("not the current one", new)
    with pytest.raises(WeakPassphrase):
        session.accounts.change_own_passphrase(NORTH[1], "short")
    with pytest.raises(ValueError, match="must differ"):
        session.accounts.change_own_passphrase(NORTH[1], NORTH[1])
    Workstation(store_dir).unlock(*NORTH).lock()        # nothing changed yet
    session.accounts.change_own_passphrase(NORTH[1], new)
    with pytest.raises(WrongPassphrase):
        Workstation(store_dir).unlock(*NORTH)
    open_session((NORTH[0], new))
    assert Workstation(store_dir).usernames().count(NORTH[0]) == 1   # the old slot is gone
    assert session.maintenance is not None
    admin = open_session(ADMIN)
    assert "passphrase-changed" in {e.action for e in admin.maintenance.audit_trail()}


@pytest.mark.parametrize(
    ("passphrase", "username", "message"),
    [
        ("short one", "", "Use at least 12 characters"),
        ("passwordpassword", "", "too easy to guess"),
        ("abababababababab", "", "too easy to guess"),
        ("i am north1 really", "north1", "must not contain your username"),
        ("I AM NORTH1 REALLY", "north1", "must not contain your username"),
    ],
)
def test_passphrase_policy_messages(passphrase: str, username: str, message: str) -> None:
    with pytest.raises(WeakPassphrase, match=message):
        check_passphrase(passphrase, username=username)


def test_policy_accepts_long_plain_words() -> None:
    check_passphrase("correct horse battery staple", username="north1")
    check_passphrase("twelve chairs elsewhere", username="")


def test_add_user_rules(open_session: Opener) -> None:
    admin = open_session(ADMIN)
    with pytest.raises(UserExists):
        admin.accounts.add_user(NORTH[0], Role.PRACTITIONER, "another good phrase")
    with pytest.raises(ValueError, match="3 to 32"):
        admin.accounts.add_user("x", Role.PRACTITIONER, "another good phrase")
    with pytest.raises(ValueError, match="cannot remove yourself"):
        admin.accounts.remove_user(ADMIN[0])
    with pytest.raises(UnknownUser):
        admin.accounts.remove_user("ghost")


def test_practitioner_may_not_manage_users(open_session: Opener) -> None:
    prac = open_session(NORTH)
    with pytest.raises(PermissionDenied, match="may not manage users"):
        prac.accounts.add_user("newperson", Role.ADMIN, "another good phrase")
    with pytest.raises(PermissionDenied):
        prac.accounts.remove_user(SOUTH[0])
    with pytest.raises(PermissionDenied):
        prac.accounts.list_users()


def test_admin_does_not_read_clinical_records(open_session: Opener) -> None:
    admin = open_session(ADMIN)
    with pytest.raises(PermissionDenied, match="may not view people"):
        admin.persons.search("anyone")


def test_locked_session_refuses_everything(open_session: Opener) -> None:
    session = open_session(NORTH)
    session.lock()
    assert session.is_locked
    with pytest.raises(SessionLocked):
        session.persons.search("anyone")
    with pytest.raises(SessionLocked):
        _ = session.data_key


def test_drafts_are_per_user_and_go_when_empty_or_discarded(open_session: Opener) -> None:
    north = open_session(NORTH)
    north.drafts.save("note:x", {"body": "half a sentence"})
    assert north.drafts.load("note:x") == {"body": "half a sentence"}
    assert open_session(SOUTH).drafts.load("note:x") is None
    north.drafts.save("note:x", {"body": "   "})          # emptied: nothing to keep
    assert north.drafts.load("note:x") is None
    north.drafts.save("note:x", {"body": "again"})
    north.drafts.discard("note:x")
    assert north.drafts.load("note:x") is None
