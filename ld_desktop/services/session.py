"""An unlocked session: one user, one open store, the services they may use.

The user is the one the opened key slot is bound to (username and role are part of the
slot's authenticated data), never the name typed or the slot's label. Locking (on demand,
after idle minutes, on OS sleep) audits the lock, then drops the engine and overwrites the
data key (a bytearray). Resuming is a new unlock.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ld_desktop.domain.roles import Permission, Role, may, require
from ld_desktop.services.change_bus import ChangeBus
from ld_desktop.services.lookup_errors import SessionLocked as SessionLocked
from ld_desktop.services.personal_keys import (
    keep_new_key,
    personal_key_of,
    register_at_unlock,
)
from ld_desktop.services.views import SiteView, StaffView
from ld_desktop.store.errors import StoreError, UnknownUser
from ld_desktop.store.keyslots import KeySlotFile, OpenedSlot
from ld_desktop.store.staff_queries import all_sites, find_staff
from ld_desktop.store.store import Store
from ld_desktop.store.unlock_guard import UnlockGuard

if TYPE_CHECKING:
    from ld_desktop.services.accounts import AccountService
    from ld_desktop.services.cases import CaseService
    from ld_desktop.services.clinical.consent import ConsentService
    from ld_desktop.services.clinical.escalation import EscalationService
    from ld_desktop.services.clinical.notes import NoteService
    from ld_desktop.services.clinical.outcome import OutcomeService
    from ld_desktop.services.clinical.referrals import ReferralService
    from ld_desktop.services.clinical.risk import RiskService
    from ld_desktop.services.clinical.screenings import ScreeningService
    from ld_desktop.services.conflicts import ConflictService
    from ld_desktop.services.drafts import DraftService
    from ld_desktop.services.handover import HandoverService
    from ld_desktop.services.intake import IntakeService
    from ld_desktop.services.maintenance import MaintenanceService
    from ld_desktop.services.persons import PersonService
    from ld_desktop.services.rota import RotaService
    from ld_desktop.services.settings import SettingsService, WorkstationSettings
    from ld_desktop.services.sharing import SharingService


class UserSession:
    def __init__(
        self, store: Store, slots: KeySlotFile, user: StaffView, data_key: bytearray,
        sites: list[SiteView], signing_key: Ed25519PrivateKey | None = None,
    ) -> None:
        self._store: Store | None = store
        # the user's personal key (from their key slot): signs their directory changes,
        # conflict decisions and screening sign-offs
        self._signing_key = signing_key
        self._slots = slots
        self._data_key: bytearray | None = data_key
        self.user = user
        self.sites = sites
        self.bus = ChangeBus()
        # Settings change rarely (and only through SettingsService.save, which clears this).
        self.cached_settings: WorkstationSettings | None = None
        self.service_name = store.service_name
        self.device_id = store.device_id
        # Failed attempts at this username since its last unlock (shown once, audited).
        self.failed_attempts = 0

    @classmethod
    def start(
        cls, store: Store, slots: KeySlotFile, opened: OpenedSlot, data_key: bytearray,
        guard: UnlockGuard,
    ) -> UserSession:
        username = opened.username or ""
        pending = guard.take_pending_events()
        # the user's personal key, from their slot; a user from before personal keys gets one
        # now (put in the bundle first, so a rebind below keeps it)
        made, new_seed = personal_key_of(opened)
        signing_key: Ed25519PrivateKey | None = made
        rebound = _bind_slot_to_role(store, slots, opened, data_key)
        if new_seed is not None and not keep_new_key(slots, opened, username, new_seed, made,
                                                     data_key):
            signing_key = None   # not kept (keys changing elsewhere): made at the next unlock
        store.set_signer(username, signing_key)
        with store.unit_of_work(username) as uow:
            staff = find_staff(uow.session, username)
            if staff is None or not staff.active:
                raise UnknownUser(username)
            if rebound is not None:
                uow.audit("key-slot-bound", detail={
                    "username": staff.username, "role": staff.role, "was": rebound})
            for event in pending:  # failures before the store could be opened
                uow.audit(
                    str(event.get("event", "unlock-failed")),
                    detail={
                        "username": str(event.get("username", "")),
                        "at": str(event.get("at", "")),
                        "failures": event.get("failures", 0),
                    },
                )
            uow.audit("unlock", detail={"username": staff.username})
            if signing_key is not None:
                register_at_unlock(uow, staff, signing_key)
            user = StaffView(
                username=staff.username,
                display_name=staff.display_name,
                role=Role(staff.role),
                site_ids=tuple(uuid.UUID(s) for s in staff.site_ids),
                active=staff.active,
            )
            sites = [
                SiteView(s.id, s.name, s.kind)
                for s in all_sites(uow.session)
                if str(s.id) in staff.site_ids
            ]
        guard.clear_pending(len(pending))
        return cls(store, slots, user, data_key, sites, signing_key)

    # ------------------------------------------------------------------ state
    @property
    def store(self) -> Store:
        if self._store is None or not self._store.is_open:
            raise SessionLocked()
        return self._store

    @property
    def slots(self) -> KeySlotFile:
        return self._slots

    @property
    def data_key(self) -> bytearray:
        if self._data_key is None:
            raise SessionLocked()
        return self._data_key

    @property
    def signing_key(self) -> Ed25519PrivateKey | None:
        return None if self._data_key is None else self._signing_key

    @property
    def is_locked(self) -> bool:
        return self._store is None

    @property
    def site_ids(self) -> list[uuid.UUID]:
        return list(self.user.site_ids)

    def can(self, permission: Permission) -> bool:
        return may(self.user.role, permission)

    def require(self, permission: Permission) -> None:
        require(self.user.role, permission)

    def lock(self, reason: str = "on demand") -> None:
        if self._store is None:
            return
        try:
            with self._store.unit_of_work(self.user.username) as uow:
                uow.audit("lock", detail={"reason": reason})
        finally:
            self._store.close()
            self._store = None
            if self._data_key is not None:
                self._data_key[:] = bytes(len(self._data_key))
            self._data_key = None
            self._signing_key = None

    def replace_data_key(self, new_key: bytearray) -> None:
        """After a key rotation: the store already uses ``new_key``; wipe the old one."""
        old = self._data_key
        self._data_key = new_key
        if old is not None and old is not new_key:
            old[:] = bytes(len(old))

    def now(self) -> datetime:
        from ld_desktop.store.models import utcnow

        return utcnow()

    # ------------------------------------------------------------------ services
    @property
    def accounts(self) -> AccountService:
        from ld_desktop.services.accounts import AccountService

        return AccountService(self)

    @property
    def persons(self) -> PersonService:
        from ld_desktop.services.persons import PersonService

        return PersonService(self)

    @property
    def cases(self) -> CaseService:
        from ld_desktop.services.cases import CaseService

        return CaseService(self)

    @property
    def intake(self) -> IntakeService:
        from ld_desktop.services.intake import IntakeService

        return IntakeService(self)

    @property
    def maintenance(self) -> MaintenanceService:
        from ld_desktop.services.maintenance import MaintenanceService

        return MaintenanceService(self)

    @property
    def drafts(self) -> DraftService:
        from ld_desktop.services.drafts import DraftService

        return DraftService(self)

    @property
    def settings(self) -> SettingsService:
        from ld_desktop.services.settings import SettingsService

        return SettingsService(self)

    # ------------------------------------------------------------------ clinical pathway
    @property
    def sharing(self) -> SharingService:
        from ld_desktop.services.sharing import SharingService

        return SharingService(self)

    @property
    def handover(self) -> HandoverService:
        from ld_desktop.services.handover import HandoverService

        return HandoverService(self)

    @property
    def rota(self) -> RotaService:
        from ld_desktop.services.rota import RotaService

        return RotaService(self)

    @property
    def conflicts(self) -> ConflictService:
        from ld_desktop.services.conflicts import ConflictService

        return ConflictService(self)

    @property
    def consent(self) -> ConsentService:
        from ld_desktop.services.clinical.consent import ConsentService

        return ConsentService(self)

    @property
    def screenings(self) -> ScreeningService:
        from ld_desktop.services.clinical.screenings import ScreeningService

        return ScreeningService(self)

    @property
    def notes(self) -> NoteService:
        from ld_desktop.services.clinical.notes import NoteService

        return NoteService(self)

    @property
    def risk(self) -> RiskService:
        from ld_desktop.services.clinical.risk import RiskService

        return RiskService(self)

    @property
    def escalations(self) -> EscalationService:
        from ld_desktop.services.clinical.escalation import EscalationService

        return EscalationService(self)

    @property
    def referrals(self) -> ReferralService:
        from ld_desktop.services.clinical.referrals import ReferralService

        return ReferralService(self)

    @property
    def outcomes(self) -> OutcomeService:
        from ld_desktop.services.clinical.outcome import OutcomeService

        return OutcomeService(self)


def _bind_slot_to_role(store: Store, slots: KeySlotFile, opened: OpenedSlot,
                       data_key: bytearray) -> str | None:
    """A version-1 slot, or a role changed by an administrator since the slot was made: bind
    the slot to the staff record's role now, while the passphrase's key is at hand (outside
    any database transaction, so a key rotation waiting for the database is never blocked
    by us waiting for the key file). Not while an interrupted rotation waits: the next
    unlock does it. Returns what the slot was bound to before, or None if nothing changed."""
    with store.reading() as db:
        staff = find_staff(db, opened.username or "")
        if staff is None or not staff.active:
            return None
        username, role = staff.username, staff.role
    if not (opened.legacy or opened.role != role) or slots.pending is not None:
        return None
    try:
        with slots.editing():
            slots.rebind_user_slot(opened, username, role, data_key)
    except StoreError:  # the keys are changing elsewhere: the next unlock binds it
        return None
    return "version-1 slot" if opened.legacy else opened.role
