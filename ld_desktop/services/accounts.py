"""Users and their key slots. Only administrators manage users; anyone changes their own
passphrase. A user's slot is created here, in person: an unlocked session plus their own
passphrase (key slots never leave the workstation)."""

from __future__ import annotations

import uuid

from ld_desktop.domain.passphrase_policy import check_passphrase
from ld_desktop.domain.roles import Permission, Role
from ld_desktop.domain.staff_identity import staff_id_for
from ld_desktop.services.change_bus import ChangeBus
from ld_desktop.services.personal_keys import add_key, check_public_key, new_personal_key
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes, StaffView
from ld_desktop.store.errors import UnknownUser, WrongPassphrase
from ld_desktop.store.models import StaffMember
from ld_desktop.store.staff_queries import all_staff, find_staff
from sync.op_signing import fingerprint, public_key_text


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
        seed, key = new_personal_key()   # the new user's own key, kept in their slot
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            existing = find_staff(uow.session, username)
            if existing is not None and existing.active:
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
            else:  # a returning member of staff: reactivate the same record
                member = existing
                uow.changes.update(
                    member,
                    {"active": True, "role": role.value, "site_ids": sites,
                     "display_name": display_name or member.display_name,
                     "signing_keys": [*member.signing_keys, public_key_text(key)]},
                )
            uow.audit("user-added", detail={"username": username, "role": role.value})
            view = self._view(member)
        # Slot after commit: a crash in between leaves a staff record without a slot, which an
        # administrator simply adds again; never a slot for a user the store does not know.
        self._s.slots.set_user_slot(username, passphrase, self._s.data_key)
        self._s.slots.set_signing_key(username, passphrase, seed)
        self._bus.publish(Changes(frozenset({"staff"})))
        return view

    def remove_user(self, username: str) -> None:
        self._s.require(Permission.MANAGE_USERS)
        if username.casefold() == self._s.user.username.casefold():
            raise ValueError("You cannot remove yourself; ask another administrator.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            member = find_staff(uow.session, username)
            if member is None:
                raise UnknownUser(username)
            uow.changes.update(member, {"active": False})
            uow.audit("user-removed", detail={"username": username})
        self._s.slots.remove_user(username)
        self._bus.publish(Changes(frozenset({"staff"})))

    def change_own_passphrase(self, current: str, new: str) -> None:
        username = self._s.user.username
        self._s.slots.unwrap_for_user(username, current)  # raises WrongPassphrase
        check_passphrase(new, username=username)
        if current == new:
            raise ValueError("The new passphrase must differ from the current one.")
        with self._s.store.unit_of_work(username) as uow:
            uow.audit("passphrase-changed", detail={"username": username})
        self._s.slots.set_user_slot(username, new, self._s.data_key)
        key = self._s.signing_key
        if key is not None:   # the personal key moves to the new slot with the data key
            self._s.slots.set_signing_key(username, new, key.private_bytes_raw())

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
        self._bus.publish(Changes(frozenset({"staff"})))
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
        try:
            self._s.slots.unwrap_for_user(self._s.user.username, own_passphrase)
        except WrongPassphrase:
            raise
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            uow.audit("recovery-code-replaced")
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
