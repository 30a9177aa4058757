"""First run as a short guided path, without Qt (Electrum's wizard idea).

    STORE -> RECOVERY -> FIRST_USER -> ENROL -> HANDOVER -> DONE

1. **Store**: the service, its sites and the first administrator; the encrypted store is
   created and the administrator's session is opened at once (no second passphrase prompt).
2. **Recovery**: the recovery code, shown once, to print (or save as a PDF) and confirm as
   stored before going on.
3. **First user**: a practitioner or senior account, because clinical work needs one (an
   administrator manages the workstation but does not see people). It can be left for later,
   and the hand-over step then says plainly that nobody can do clinical work yet.
4. **Enrol**: with the central server (URL and one-time code), or skip and work offline.
5. **Hand over**: lock the workstation; the next person unlocks with their own passphrase.

Each step is forward-only: what a step did (a store created, a user added, an enrolment) is
already committed, so there is nothing to step back into. The Qt dialog renders the step and
calls these methods; every rule lives here and is tested without a window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ld_desktop.domain.roles import Role

if TYPE_CHECKING:
    from ld_desktop.services.session import UserSession
    from ld_desktop.services.sync_service import SyncService, SyncStatus
    from ld_desktop.services.workstation import Workstation


class Step(StrEnum):
    STORE = "store"
    RECOVERY = "recovery"
    FIRST_USER = "first-user"
    ENROL = "enrol"
    HANDOVER = "handover"
    DONE = "done"


CLINICAL_ROLES = (Role.PRACTITIONER, Role.SENIOR)


class WrongStep(RuntimeError):
    """A method called out of order (a bug in the caller, never the user's fault)."""


@dataclass(frozen=True)
class HandoverSummary:
    service: str
    sites: tuple[str, ...]
    administrator: str
    clinical_users: tuple[str, ...]
    server: str | None
    authority: str | None = None     # the first administrator's registration, in words

    @property
    def lines(self) -> list[str]:
        said = [f"Service: {self.service}", "Sites: " + ", ".join(self.sites),
                f"Administrator: {self.administrator}"]
        if self.clinical_users:
            said.append("Clinical accounts: " + ", ".join(self.clinical_users))
        else:
            said.append("No practitioner or senior account yet: nobody can see or record "
                        "clinical work until the administrator adds one (Admin page).")
        said.append(f"Enrolled with {self.server}" if self.server else
                    "Not enrolled with a server: everything stays on this workstation until "
                    "it is enrolled (Sync page).")
        if self.authority:
            said.append(self.authority)
        return said


class FirstRunFlow:
    def __init__(self, workstation: Workstation,
                 sync_service: Callable[[UserSession], SyncService] | None = None) -> None:
        self._workstation = workstation
        self._sync_service = sync_service
        self.step = Step.STORE
        self.session: UserSession | None = None
        self.recovery_code: str | None = None
        self._service = ""
        self._sites: tuple[str, ...] = ()
        self._admin = ""
        self._clinical: list[str] = []
        self._server: str | None = None
        self._authority: str | None = None

    def _expect(self, step: Step) -> UserSession:
        if self.step is not step:
            raise WrongStep(f"first run is at {self.step}, not {step}")
        if step is not Step.STORE and self.session is None:
            raise WrongStep("no administrator session")
        return self.session  # type: ignore[return-value]

    # 1. the store --------------------------------------------------------------------------
    def create_store(self, service: str, sites_text: str, admin: str, passphrase: str,
                     again: str) -> str:
        """Create the encrypted store and open the administrator's session. Raises ValueError
        (and the workstation's own errors) with a message for the person setting up; nothing
        is created when it raises. Returns the recovery code."""
        self._expect(Step.STORE)
        if passphrase != again:
            raise ValueError("The two passphrases do not match.")
        sites = tuple(line.strip() for line in sites_text.splitlines() if line.strip())
        admin = admin.strip()
        code = self._workstation.initialise(service.strip(), list(sites), admin, passphrase)
        self.session = self._workstation.unlock(admin, passphrase)
        self.recovery_code = code
        self._service, self._sites, self._admin = service.strip(), sites, admin
        self.step = Step.RECOVERY
        return code

    # 2. the recovery code ------------------------------------------------------------------
    def recovery_sheet(self) -> list[tuple[str, str]]:
        """What the printed recovery sheet says (the UI lays it out and prints it)."""
        self._expect(Step.RECOVERY)
        return [("Service", self._service), ("Sites", ", ".join(self._sites)),
                ("Administrator", self._admin), ("Recovery code", self.recovery_code or ""),
                ("Keep it", "Sealed, with the service lead, away from the workstation. It is "
                            "the only way back in if every passphrase is lost.")]

    def confirm_recovery_stored(self, stored: bool) -> None:
        self._expect(Step.RECOVERY)
        if not stored:
            raise ValueError("Print or write down the recovery code and confirm it is stored "
                             "safely: it is shown only once.")
        self.recovery_code = None   # shown once: not kept in memory past this step
        self.step = Step.FIRST_USER

    # 3. the first clinical account ---------------------------------------------------------
    def add_first_user(self, username: str, display_name: str, role: Role, passphrase: str,
                       again: str) -> None:
        session = self._expect(Step.FIRST_USER)
        if role not in CLINICAL_ROLES:
            raise ValueError("Clinical work needs a practitioner or senior practitioner "
                             "account.")
        if passphrase != again:
            raise ValueError("The two passphrases do not match.")
        name = username.strip()
        session.accounts.add_user(name, role, passphrase,
                                  display_name=display_name.strip() or None)
        self._clinical.append(f"{name} ({role.label})")

    def first_user_done(self) -> None:
        """Go on, with or without a clinical account (the hand-over step says which)."""
        self._expect(Step.FIRST_USER)
        self.step = Step.ENROL

    # 4. the server ---------------------------------------------------------------------------
    def enrol(self, server_url: str, code: str, admin_code: str = "") -> SyncStatus:
        """Enrol with the central server; network errors propagate (the step stays open).
        ``admin_code`` (first workstation of a service only, from `ld-sync-server
        admin-code`) registers this administrator's personal key as the service's first
        administrator; a refusal is said in the summary (`ld-admin authority` later)."""
        session = self._expect(Step.ENROL)
        if not server_url.strip() or not code.strip():
            raise ValueError("Give the server's address and the one-time enrolment code, or "
                             "skip this step.")
        if self._sync_service is None:
            from ld_desktop.services.sync_service import SyncService as DefaultSyncService

            self._sync_service = DefaultSyncService
        service = self._sync_service(session)
        status = service.enrol(server_url.strip(), code.strip())
        self._server = status.server_url
        if admin_code.strip():
            try:
                root = service.register_first_admin(admin_code.strip())
                self._authority = (f"First administrator of the service: {root.username} "
                                   f"(key fingerprint {root.fingerprint})")
            except Exception as exc:  # enrolled all the same: said, and done later
                self._authority = (f"The administrator code was not accepted ({exc}); "
                                   "register later with 'ld-admin authority'.")
        self.step = Step.HANDOVER
        return status

    def skip_enrol(self) -> None:
        self._expect(Step.ENROL)
        self.step = Step.HANDOVER

    # 5. lock and hand over -------------------------------------------------------------------
    def summary(self) -> HandoverSummary:
        self._expect(Step.HANDOVER)
        return HandoverSummary(self._service, self._sites, self._admin, tuple(self._clinical),
                               self._server, self._authority)

    def lock_and_hand_over(self) -> None:
        session = self._expect(Step.HANDOVER)
        session.lock("first run finished: handed over")
        self.session = None
        self.step = Step.DONE

    def abandon(self) -> None:
        """The window was closed part-way: lock whatever session is open (the store, and any
        user already added, stay; the administrator carries on from the Admin page)."""
        if self.session is not None:
            self.session.lock("first run closed part-way")
            self.session = None
