"""Enrolment and sync for the app: the encrypted store as a replica of the central server.

Credentials (the device's Ed25519 private key) live only inside the encrypted database. A
sync pushes the outbox, then pulls pages; everything is kept locally when the server cannot
be reached. A workstation the server revoked is marked so (``SyncStatus.wipe_due``); the UI
and ``ld-admin sync`` then destroy its store (``services/wipe.py``).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import httpx

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.service_authority import AuthorityService
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_quarantine import SyncQuarantine
from ld_desktop.services.training import is_training
from ld_desktop.services.views import Changes
from ld_desktop.store.audit_copy import StoreAuditSource
from ld_desktop.store.models import Site
from ld_desktop.store.quarantine import count as quarantined_count
from ld_desktop.store.replica import StoreReplica
from ld_desktop.store.sync_state import (
    device_state,
    known_site_ids,
    open_conflict_count,
    pending_op_count,
    record_sync,
    rejected_op_count,
    rejected_ops,
    set_enrolment,
)
from sync.authority_wire import AuthorityRoot
from sync.client import (
    DeviceCredentials,
    DeviceRevoked,
    NotEnrolled,
    SyncCancelled,
    SyncClient,
    SyncError,
    SyncProgress,
    SyncReport,
    enrol,
)
from sync.client.enrolment import fetch_device_names
from sync.client.transport import Verify

log = logging.getLogger(__name__)

# One sync at a time per workstation store (its device id): the background sync, the Sync
# page and the handover may start one together, and a pull page applied after a newer one
# would be refused ("the server tried to move the cursor backwards").
_sync_locks: dict[str, threading.Lock] = {}
_sync_locks_guard = threading.Lock()


# The newest event of the server's audit copy, per enrolled device, as this process's last
# sync left it: later syncs send what follows without asking first (one round trip fewer).
# The first sync of each process asks, so a server restored from a backup is caught up.
_audit_heads: dict[str, int] = {}


def _sync_lock(device_id: str) -> threading.Lock:
    with _sync_locks_guard:
        return _sync_locks.setdefault(device_id, threading.Lock())


class NotEnrolledHere(RuntimeError):
    def __init__(self) -> None:
        super().__init__("This workstation is not enrolled with a sync server yet.")


@dataclass(frozen=True)
class SyncStatus:
    enrolled: bool
    revoked: bool
    server_url: str | None
    device_id: str | None
    site_names: tuple[str, ...]
    pending_ops: int
    rejected_ops: int
    open_conflicts: int
    last_sync_at: datetime | None
    last_report: dict[str, Any]
    quarantined: int = 0     # pulled records set aside: this version cannot apply them
    wipe_due: bool = False   # the server revoked this device: its store is to be destroyed


@dataclass(frozen=True)
class RejectedChange:
    """A change the server refused: kept on this workstation, offered again every sync."""

    record_type: str
    kind: str
    made_at: datetime
    reason: str


class SyncService:
    def __init__(self, session: UserSession, *, transport: httpx.BaseTransport | None = None,
                 verify: Verify = True) -> None:
        self._s = session
        self._transport = transport
        self._verify = verify

    def status(self) -> SyncStatus:
        with self._s.store.reading() as db:
            device = device_state(db)
            enrolment = dict(device.enrolment)
            return SyncStatus(
                enrolled=bool(enrolment.get("credentials")),
                revoked=bool(enrolment.get("revoked")),
                server_url=enrolment.get("server_url"),
                device_id=enrolment.get("device_id"),
                site_names=tuple(s["name"] for s in enrolment.get("sites", [])),
                pending_ops=pending_op_count(db),
                rejected_ops=rejected_op_count(db),
                open_conflicts=open_conflict_count(db),
                last_sync_at=device.last_sync_at,
                last_report=dict(device.last_sync_report),
                quarantined=quarantined_count(db),
                wipe_due=bool(enrolment.get("wipe")),
            )

    def rejected_changes(self, limit: int = 100) -> list[RejectedChange]:
        """The changes the server refused and why (the Sync page lists them)."""
        with self._s.store.reading() as db:
            return [RejectedChange(entity.replace("_", " "), kind, made, reason)
                    for entity, kind, made, reason in rejected_ops(db, limit)]

    def enrol(self, server_url: str, code: str, device_name: str | None = None) -> SyncStatus:
        """Enrol with a one-time code from the server; binds this workstation to sites."""
        self._s.require(Permission.ENROL_DEVICE)
        name = device_name or f"{self._s.service_name} workstation {self._s.device_id}"
        credentials = enrol(server_url, code, name, transport=self._transport,
                            verify=self._verify, training=is_training(self._s))
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            known = known_site_ids(uow.session)
            for site in credentials.sites:  # the server's sites become this workstation's
                if site.id not in known:
                    uow.changes.create(Site(id=uuid.UUID(site.id), name=site.name,
                                            kind="court" if "court" in site.name.lower()
                                            else "custody"))
            set_enrolment(uow.session, {
                "credentials": credentials.to_json(),
                "server_url": credentials.server_url,
                "device_id": credentials.device_id,
                "sites": [s.model_dump() for s in credentials.sites],
                "revoked": False,
            })
            uow.audit("device-enrolled", detail={"server": credentials.server_url,
                                                 "device_id": credentials.device_id,
                                                 "sites": len(credentials.sites)})
        self._s.bus.publish(Changes(frozenset({"sync", SyncedEntity.SITE})))
        return self.status()

    def register_first_admin(self, code: str) -> AuthorityRoot:
        """Claim the server's one-time admin code for this administrator's personal key
        (the first workstation of a service; see `service_authority`)."""
        return AuthorityService(self._s, transport=self._transport,
                                verify=self._verify).register_first_admin(code)

    def _credentials(self) -> DeviceCredentials:
        with self._s.store.reading() as db:
            enrolment = dict(device_state(db).enrolment)
        if not enrolment.get("credentials"):
            raise NotEnrolledHere()
        if enrolment.get("revoked"):
            raise DeviceRevoked("This workstation was revoked by the server.")
        return DeviceCredentials.from_json(enrolment["credentials"])

    def sync(self, *, progress: Callable[[SyncProgress], None] | None = None,
             cancel: threading.Event | None = None) -> SyncReport:
        """Push then pull. Raises ServerUnreachable (everything kept), DeviceRevoked, ...
        Waits while another sync of this workstation is under way (``cancel`` stops the
        wait too)."""
        self._s.require(Permission.SYNC)
        lock = _sync_lock(self._s.device_id)
        while not lock.acquire(timeout=0.05):
            if cancel is not None and cancel.is_set():
                raise SyncCancelled("sync cancelled while another sync was under way")
        try:
            return self._sync(progress, cancel)
        finally:
            lock.release()

    def _sync(self, progress: Callable[[SyncProgress], None] | None,
              cancel: threading.Event | None) -> SyncReport:
        credentials = self._credentials()
        SyncQuarantine(self._s).retry_after_upgrade()   # an upgrade may read what was set aside
        replica = StoreReplica(self._s.store, credentials.device_id, self._s.user.username)
        client = SyncClient(credentials.server_url, replica, credentials,
                            transport=self._transport, verify=self._verify, progress=progress,
                            cancel=cancel, audit=StoreAuditSource(self._s.store),
                            audit_head=_audit_heads.get(credentials.device_id))
        try:
            # pin the first administrator's key before pulling records signed under it
            AuthorityService(self._s, transport=self._transport,
                             verify=self._verify).pin_from_server(credentials)
            with client:
                report = client.sync()
        except DeviceRevoked as exc:
            # The server said so explicitly: the caller wipes the store (UI, ld-admin sync).
            self._mark_revoked(str(exc), wipe=True)
            raise
        except NotEnrolled as exc:
            # Not a revocation: e.g. a server restored from an older backup. Stop syncing,
            # keep everything (unsynced work may exist only here).
            self._mark_revoked(str(exc), wipe=False)
            raise
        if report.audit_head is not None:
            _audit_heads[credentials.device_id] = report.audit_head
        names = self._device_names(credentials)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            if names is not None:   # for the Conflicts page: workstations by name, not id
                device = device_state(uow.session)
                device.enrolment = {**device.enrolment, "device_names": names}
            record_sync(uow.session, self._s.now(), _report_json(report))
            uow.audit("sync", detail={"pushed": report.pushed, "pulled": report.pulled,
                                      "conflicts": report.conflicts, "cursor": report.cursor,
                                      "rejected": report.rejected})
        if abs(report.skew_ms) > 5 * 60 * 1000:
            log.warning("clock skew with the sync server is %d ms", report.skew_ms)
        if report.pulled or report.pushed:
            self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON, SyncedEntity.CASE,
                                                   "conflict", "sync"})))
        return report

    def _device_names(self, credentials: DeviceCredentials) -> dict[str, str] | None:
        """Best effort: a sync that worked is not failed by this list (None: keep the old)."""
        try:
            return fetch_device_names(credentials, transport=self._transport,
                                      verify=self._verify)
        except (SyncError, ValueError) as exc:
            log.info("workstation names not refreshed: %s", type(exc).__name__)
            return None

    def _mark_revoked(self, reason: str, *, wipe: bool) -> None:
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            device = device_state(uow.session)
            enrolment = dict(device.enrolment)
            enrolment["revoked"] = True
            enrolment["wipe"] = wipe or bool(enrolment.get("wipe"))
            device.enrolment = enrolment
            uow.audit("device-revoked", detail={"reason": reason[:200], "wipe": wipe})
        log.warning("the sync server %s this workstation",
                    "revoked" if wipe else "does not recognise")
        self._s.bus.publish(Changes(frozenset({"sync"})))


def _report_json(report: SyncReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(asdict(report), default=str))
    return data
