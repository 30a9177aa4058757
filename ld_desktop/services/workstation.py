"""A workstation's store before anyone has unlocked it: set-up, unlock, recovery.

The only services call that needs no unlocked session. Unlocking derives the user's key
(Argon2id, ~0.3 s by design), unwraps the data key, opens the encrypted database and returns
a ``UserSession``; failures back off and are audited.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ld_desktop.domain.passphrase_policy import check_passphrase
from ld_desktop.domain.roles import Role
from ld_desktop.domain.sites import site_id_for
from ld_desktop.domain.staff_identity import staff_id_for
from ld_desktop.store.audit_anchor import remove_anchor
from ld_desktop.store.errors import (
    AlreadyInitialised,
    KeySlotFileMissing,
    NotInitialised,
    StoreError,
    UnknownUser,
    WrongPassphrase,
)
from ld_desktop.store.files import DATABASE_FILE, KEYSLOT_FILE, secure_data_folder
from ld_desktop.store.keyslots import KeySlotFile
from ld_desktop.store.unlock_guard import GUARD_FILE, UnlockGuard

if TYPE_CHECKING:
    from ld_desktop.services.session import UserSession

# The database layer (SQLAlchemy, Alembic) is imported where a store is opened, not here:
# the unlock window needs only the key-slot file, so it appears without that cost.


class Workstation:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.guard = UnlockGuard(data_dir / GUARD_FILE)
        # Owner only, at every start, whatever a copy, an unzip or an umask left behind.
        secure_data_folder(data_dir)

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def keyslot_path(self) -> Path:
        return self.data_dir / KEYSLOT_FILE

    @property
    def is_initialised(self) -> bool:
        return self.database_path.exists() or self.keyslot_path.exists()

    def usernames(self) -> list[str]:
        return KeySlotFile.load(self.keyslot_path).usernames()

    # ------------------------------------------------------------------ first-time set-up
    def initialise(
        self,
        service_name: str,
        site_names: list[str],
        admin_username: str,
        admin_passphrase: str,
        admin_display_name: str | None = None,
    ) -> str:
        """Create the store; returns the recovery code, to be shown once and stored safely."""
        if self.is_initialised:
            raise AlreadyInitialised(self.data_dir)
        if not service_name.strip():
            raise ValueError("Give the service a name.")
        if not [s for s in site_names if s.strip()]:
            raise ValueError("Add at least one site (custody suite or court).")
        validate_username(admin_username)
        check_passphrase(admin_passphrase, username=admin_username)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # A new store starts a new audit chain: an anchor left by a wiped store goes too.
        remove_anchor(self.data_dir)
        data_key = bytearray(os.urandom(32))
        slots = KeySlotFile.create(self.keyslot_path)
        from ld_desktop.services.personal_keys import (
            SIGNING_KEY,
            new_personal_key,
            public_key_raw,
        )
        from ld_desktop.store.models import Site, StaffMember
        from ld_desktop.store.store import Store
        from sync.op_signing import public_key_text

        seed, admin_key = new_personal_key()
        store = Store.create(self.data_dir, data_key, service_name.strip())
        store.set_signer(admin_username, admin_key)   # the directory is signed from the start
        try:
            with store.unit_of_work(admin_username) as uow:
                site_ids = []
                for name in dict.fromkeys(" ".join(s.split()) for s in site_names if s.strip()):
                    site = Site(id=site_id_for(name), name=name, kind=_guess_kind(name))
                    uow.changes.create(site)
                    site_ids.append(str(site.id))
                uow.changes.create(
                    StaffMember(
                        id=staff_id_for(admin_username),
                        username=admin_username,
                        display_name=admin_display_name or admin_username,
                        role=Role.ADMIN.value,
                        site_ids=site_ids,
                        signing_keys=[public_key_text(admin_key)],
                    )
                )
                uow.audit("store-initialised", detail={"sites": len(site_ids)})
                uow.audit("user-added", detail={"username": admin_username, "role": "admin"})
            slots.set_user_slot(admin_username, Role.ADMIN.value, admin_passphrase, data_key,
                                personal_key=(SIGNING_KEY, seed, public_key_raw(admin_key)))
            code = slots.new_recovery_slot(data_key)
            self.guard.create()   # from now on a missing guard file fails closed
        except BaseException:
            store.close()
            for path in self.data_dir.glob(DATABASE_FILE + "*"):
                path.unlink()
            self.keyslot_path.unlink(missing_ok=True)
            (self.data_dir / GUARD_FILE).unlink(missing_ok=True)
            raise
        finally:
            data_key[:] = bytes(32)
        store.close()
        secure_data_folder(self.data_dir)   # the database was created under the umask
        return code

    # ------------------------------------------------------------------ unlocking
    def _slots(self) -> KeySlotFile:
        if not self.database_path.exists():
            raise NotInitialised(self.data_dir)
        slots = KeySlotFile.load(self.keyslot_path)
        if slots.legacy_slots and not slots.slots and not self.guard.path.exists():
            # Every slot is still in the version-1 format: the store was made, and never
            # unlocked, by a release before the guard file (which that release did not always
            # write). Start its guard now; from the first unlock on, a missing guard fails
            # closed.
            self.guard.create()
        return slots

    def lockout_remaining(self, username: str) -> int:
        return self.guard.remaining(username)

    def unlock(self, username: str, passphrase: str) -> UserSession:
        """Open the user's slot (bound to their username and role), then the database with
        the current key or a pending one (finishing an interrupted key rotation)."""
        slots = self._slots()
        with self.guard.attempt():   # parallel attempts are counted one after another
            self.guard.check(username)
            try:
                opened = slots.open_user_slot(username, passphrase)
            except WrongPassphrase:
                self.guard.record_failure(username)
                raise
            from ld_desktop.services.session import UserSession
            from ld_desktop.store.key_rotation import open_with_slot

            failed_before = self.guard.failures(username)
            data_key = None
            try:
                store, data_key = open_with_slot(self.data_dir, slots, opened)
                try:
                    session = UserSession.start(store, slots, opened, data_key, self.guard)
                except BaseException:
                    store.close()
                    data_key[:] = bytes(len(data_key))
                    raise
            finally:
                opened.clear(keep=data_key)
            session.failed_attempts = failed_before
            self.guard.record_success(username)
        return session

    def recover(self, username: str, recovery_code: str, new_passphrase: str) -> None:
        """Forgotten passphrase: the recovery code re-keys this user's slot. Audited."""
        slots = self._slots()
        check_passphrase(new_passphrase, username=username)
        with self.guard.attempt():
            self.guard.check("recovery")
            try:
                opened = slots.open_recovery_slot(recovery_code)
            except WrongPassphrase:
                self.guard.record_failure("recovery", "recovery-failed")
                raise WrongPassphrase() from None
        from ld_desktop.store.key_rotation import open_with_slot
        from ld_desktop.store.staff_queries import find_staff

        data_key = bytearray()
        try:
            store, data_key = open_with_slot(self.data_dir, slots, opened)
            try:
                with store.unit_of_work(username) as uow:
                    staff = find_staff(uow.session, username)
                    if staff is None or not staff.active:
                        raise UnknownUser(username)
                    uow.audit("passphrase-recovered", detail={"username": staff.username})
                    bound = (staff.username, staff.role)
                with slots.editing():
                    slots.set_user_slot(bound[0], bound[1], new_passphrase, data_key)
                    if opened.legacy:  # the recovery slot too moves to the bound format
                        slots.new_recovery_slot_keeping_code(opened, data_key)
            finally:
                store.close()
        finally:
            opened.clear()
            data_key[:] = bytes(len(data_key))
        self.guard.record_success("recovery")
        self.guard.record_success(username)


def validate_username(username: str) -> None:
    if not (3 <= len(username) <= 32) or not all(ch.isalnum() or ch in "._-" for ch in username):
        raise ValueError(
            "A username has 3 to 32 letters, digits, dots, dashes or underscores."
        )


def _guess_kind(name: str) -> str:
    lowered = name.casefold()
    return "court" if "court" in lowered else "custody"


__all__ = ["KeySlotFileMissing", "StoreError", "Workstation", "validate_username"]
