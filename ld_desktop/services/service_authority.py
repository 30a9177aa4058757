"""The service's root of authority, seen from a workstation (issue 12, item 2).

The first administrator registers their personal key with the server using the one-time code
from ``ld-sync-server admin-code``; every other workstation pins that key when it first
reaches the server (trust on first use: compare the fingerprint, which `ld-sync-server
authority` prints on the server and `ld-admin authority` and the Admin page show here). The
fingerprint shown is always computed here from the pinned key, never taken from the server,
and a root whose stated fingerprint is not its key's is refused. Pulled staff and site
records are honoured only under signatures that lead back to it (`store/directory_trust.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ld_desktop.domain.roles import Permission
from ld_desktop.services.personal_keys import resign_unvouched
from ld_desktop.services.session import UserSession
from ld_desktop.store.directory_trust import ROOT
from ld_desktop.store.sync_state import device_state, set_enrolment
from sync.authority_wire import AuthorityRoot
from sync.client import DeviceCredentials
from sync.client.authority import fetch_root, register_first_admin
from sync.client.transport import Verify
from sync.op_signing import fingerprint


class NoPersonalKey(RuntimeError):
    def __init__(self) -> None:
        super().__init__("Your personal signing key is not available; lock and unlock again.")


@dataclass(frozen=True)
class TrustedRoot:
    """The first administrator this workstation trusts; ``fingerprint`` computed here."""

    username: str
    public_key: str
    fingerprint: str


class AuthorityService:
    def __init__(self, session: UserSession, *, transport: httpx.BaseTransport | None = None,
                 verify: Verify = True) -> None:
        self._s = session
        self._transport = transport
        self._verify = verify

    def register_first_admin(self, code: str) -> AuthorityRoot:
        """Claim the server's one-time admin code for this administrator's personal key."""
        self._s.require(Permission.MANAGE_USERS)
        key = self._s.signing_key
        if key is None:
            raise NoPersonalKey()
        credentials = self._credentials()
        root = register_first_admin(credentials, code, self._s.user.username, key,
                                    transport=self._transport, verify=self._verify)
        self._pin(root, "first-admin-registered")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            resign_unvouched(uow)   # a directory from before signatures is signed now
        return root

    def pinned(self) -> dict[str, Any] | None:
        with self._s.store.reading() as db:
            root = device_state(db).enrolment.get(ROOT)
        return dict(root) if root else None

    def trusted_root(self) -> TrustedRoot | None:
        """The pinned first administrator, to compare with the server's (None before the
        workstation has pinned one)."""
        pinned = self.pinned()
        if pinned is None:
            return None
        key = str(pinned["public_key"])
        return TrustedRoot(str(pinned["username"]), key, fingerprint(key))

    def pin_from_server(self, credentials: DeviceCredentials) -> None:
        """Pin the server's first administrator's key, once (never replaced afterwards)."""
        if self.pinned() is not None:
            return
        root = fetch_root(credentials, transport=self._transport, verify=self._verify)
        if root is not None:
            self._pin(root, "authority-root-pinned")

    def _pin(self, root: AuthorityRoot, action: str) -> None:
        if root.fingerprint != fingerprint(root.public_key):
            # a server that states another key's fingerprint would pass the comparison
            raise ValueError("The server's first administrator's fingerprint is not the "
                             "fingerprint of their key: not trusted.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            device = device_state(uow.session)
            enrolment = dict(device.enrolment)
            if enrolment.get(ROOT):
                if enrolment[ROOT]["public_key"] != root.public_key:
                    raise ValueError("The server names a different first administrator from "
                                     "the one this workstation trusts.")
                return
            enrolment[ROOT] = root.model_dump()
            set_enrolment(uow.session, enrolment)
            uow.audit(action, detail={"username": root.username,
                                      "fingerprint": root.fingerprint})

    def _credentials(self) -> DeviceCredentials:
        from ld_desktop.services.sync_service import NotEnrolledHere

        with self._s.store.reading() as db:
            enrolment = dict(device_state(db).enrolment)
        if not enrolment.get("credentials"):
            raise NotEnrolledHere()
        return DeviceCredentials.from_json(enrolment["credentials"])
