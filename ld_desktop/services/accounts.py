"""Users and their key slots. Only administrators manage users; anyone changes their own
passphrase. A user's slot is created here, in person: an unlocked session plus their own
passphrase (key slots never leave the workstation).

Removing a user, and "Rotate keys" after a suspected compromise, re-key the database and
re-seal every remaining slot (``store.key_rotation``): a copy of a removed slot then opens
nothing. Both take seconds on a large store and report progress through a callback."""

from __future__ import annotations

import uuid

from ld_desktop.domain.passphrase_policy import check_passphrase
from ld_desktop.domain.roles import Permission, Role
from ld_desktop.domain.staff_identity import staff_id_for
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.change_bus import ChangeBus
from ld_desktop.services.personal_keys import (
    SIGNING_KEY,
    add_key,
    check_public_key,
    new_personal_key,
    public_key_raw,
    resign_unvouched,
)
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes, StaffView
from ld_desktop.store.errors import UnknownUser
from ld_desktop.store.key_rotation import Progress, RotationResult, rotate
from ld_desktop.store.models import StaffMember
from ld_desktop.store.staff_queries import all_staff, find_staff
from sync.op_signing import fingerprint, public_key_text

__all__ = ["AccountService", "Progress", "RotationResult", "UserExists"]


class UserExists(ValueError):
    def __init__(self, username: str) -> None:
        super().__init__(f"There is already a user called {username!r}.")


class AccountService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    @property
    def _bus(self) -> ChangeBus:
        return self._s.bus

    def list_users(self) -> list[StaffView]:
        self._s.require(Permission.MANAGE_USERS)
        with self._s.store.reading() as db:
            return [self._view(m) for m in all_staff(db)]

    def add_user(
        self,
        username: str,
        role: Role,
        passphrase: str,
        *,
        display_name: str | None = None,
        site_ids: list[uuid.UUID] | None = None,
    ) -> StaffView:
        from ld_desktop.services.workstation import validate_username

        self._s.require(Permission.MANAGE_USERS)
        validate_username(username)
        check_passphrase(passphrase, username=username)
        sites = [str(s) for s in (site_ids if site_ids is not None else self._s.site_ids)]
        with self._s.slots.editing():
            pass  # refuse now, before any record is written, if the keys cannot change
        seed, key = new_personal_key()   # the new user's own key, kept in their slot
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            existing = find_staff(uow.session, username)
            if existing is not None and existing.active and self._s.slots.has_user(username):
                raise UserExists(username)
            if existing is None:
                member = StaffMember(
                    id=staff_id_for(username),
                    username=username,
                    display_name=display_name or username,
                    role=role.value,
                    site_ids=sites,
                    signing_keys=[public_key_text(key)],
                )
                uow.changes.create(member)
            else:  # returning, or known (e.g. synced) but without a key on this workstation
                member = existing
                demoted = member.role == Role.ADMIN.value and role is not Role.ADMIN
                uow.changes.update(
                    member,
                    {"active": True, "role": role.value, "site_ids": sites,
                     "display_name": display_name or member.display_name,
                     "signing_keys": [*member.signing_keys, public_key_text(key)]},
                )
            uow.audit("user-added", detail={"username": username, "role": role.value})
            if existing is not None and demoted:
                # as at removal: what the former administrator signed is signed again by
                # this one, so it still verifies on workstations that pull it afresh
                resign_unvouched(uow)
            view = self._view(member)
            bound = (member.username, role.value)
        # Slot after commit: a crash in between leaves a staff record without a slot, which an
        # administrator simply adds again; never a slot for a user the store does not know.
        with self._s.slots.editing():
            self._s.slots.set_user_slot(*bound, passphrase, self._s.data_key,
                                        personal_key=(SIGNING_KEY, seed, public_key_raw(key)))
        self._bus.publish(Changes(frozenset({SyncedEntity.STAFF})))
        return view

    def remove_user(self, username: str, progress: Progress | None = None, *,
                    new_recovery_code: bool = False) -> RotationResult:
        """Deactivate the user, then rotate the keys without their slot (see module doc).
        Removing an administrator (who may have seen the recovery code: at set-up, or when
        replacing it) also replaces the code, as ``new_recovery_code`` does for anyone else
        (the service lead who held the printed code, say); the new one is in the result."""
        self._s.require(Permission.MANAGE_USERS)
        if username.casefold() == self._s.user.username.casefold():
            raise ValueError("You cannot remove yourself; ask another administrator.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            member = find_staff(uow.session, username)
            if member is None:
                raise UnknownUser(username)
            uow.changes.update(member, {"active": False})
            uow.audit("user-removed", detail={"username": username})
            new_recovery_code = new_recovery_code or member.role == Role.ADMIN.value
            # what a removed administrator signed is signed again by this one, so it still
            # verifies on workstations that pull it afresh
            resign_unvouched(uow)
        result = self._rotate(f"removed {member.username}", (member.username,), progress,
                              new_recovery_code=new_recovery_code)
        self._bus.publish(Changes(frozenset({SyncedEntity.STAFF})))
        return result

    def rotate_keys(self, progress: Progress | None = None, *,
                    new_recovery_code: bool = False) -> RotationResult:
        """A new data key for the database and every slot (after a suspected compromise);
        ``new_recovery_code`` retires the recovery code too."""
        self._s.require(Permission.MANAGE_USERS)
        return self._rotate("rotated by an administrator", (), progress,
                            new_recovery_code=new_recovery_code)

    def unmigrated_users(self) -> list[str]:
        """Users whose slot is still in the old format (they have not unlocked since the
        upgrade): a rotation cannot re-seal their slots, so they would need re-adding."""
        return self._s.slots.unmigrated_usernames()

    def _rotate(self, reason: str, remove: tuple[str, ...], progress: Progress | None, *,
                new_recovery_code: bool) -> RotationResult:
        kwargs = {"progress": progress} if progress is not None else {}
        result = rotate(self._s.store, self._s.slots, self._s.data_key, reason=reason,
                        remove=remove, new_recovery_code=new_recovery_code,
                        **kwargs)
        self._s.replace_data_key(result.data_key)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            uow.audit("keys-rotated", detail={
                "generation": result.generation, "reason": reason,
                "slots_removed": result.removed,
                "unmigrated_slots_dropped": result.dropped_unmigrated,
                "new_recovery_code": result.recovery_code is not None})
        return result

    def change_own_passphrase(self, current: str, new: str) -> None:
        """Re-wrap the slot's private bundle (so keys kept in it survive) under the new
        passphrase; the slot's binding (username, role) is unchanged."""
        username = self._s.user.username
        opened = self._s.slots.open_user_slot(username, current)  # raises WrongPassphrase
        try:
            check_passphrase(new, username=username)
            if current == new:
                raise ValueError("The new passphrase must differ from the current one.")
            with self._s.store.unit_of_work(username) as uow:
                uow.audit("passphrase-changed", detail={"username": username})
            with self._s.slots.editing():
                self._s.slots.rebind_user_slot(opened, username, self._s.user.role.value,
                                               self._s.data_key, new_passphrase=new)
        finally:
            opened.clear()

    def approve_key(self, username: str, public_key: str) -> str:
        """Add a personal key made on another workstation to a user's record, signed by this
        administrator (compare its fingerprint with the user's first). Returns the
        fingerprint."""
        self._s.require(Permission.MANAGE_USERS)
        cleaned = check_public_key(public_key)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            member = find_staff(uow.session, username)
            if member is None or not member.active:
                raise UnknownUser(username)
            add_key(uow, member, cleaned)
        self._bus.publish(Changes(frozenset({SyncedEntity.STAFF})))
        return fingerprint(cleaned)

    def own_key(self) -> tuple[str, str] | None:
        """This user's personal key on this workstation: (public key, fingerprint)."""
        key = self._s.signing_key
        if key is None:
            return None
        public = public_key_text(key)
        return public, fingerprint(public)

    def new_recovery_code(self, own_passphrase: str) -> str:
        """Replace the recovery code (e.g. when the service lead changes). Admins only."""
        self._s.require(Permission.MANAGE_USERS)
        self._s.slots.open_user_slot(self._s.user.username, own_passphrase).clear()
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            uow.audit("recovery-code-replaced")
        with self._s.slots.editing():
            return self._s.slots.new_recovery_slot(self._s.data_key)

    def _view(self, member: StaffMember) -> StaffView:
        return StaffView(
            username=member.username,
            display_name=member.display_name,
            role=Role(member.role),
            site_ids=tuple(uuid.UUID(s) for s in member.site_ids),
            active=member.active,
            has_key_slot=self._s.slots.has_user(member.username),
        )
