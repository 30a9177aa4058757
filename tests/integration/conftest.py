"""Workstations (real encrypted stores) and an in-process sync server (real FastAPI app on a
SQLite file, reached through httpx's ASGI transport)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.service_authority import AuthorityService
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.workstation import Workstation
from sync.server.app import create_app
from sync.server.authority import issue_admin_code
from sync.server.database import make_engine
from sync.server.registry import issue_enrol_code
from sync.server.settings import ServerSettings

SITES = ["Northgate Custody Suite", "Riverside Court"]
ADMIN = ("admin1", "admin passphrase for tests")
SENIOR = ("senior1", "senior passphrase for tests")
SERVER_URL = "http://127.0.0.1:8765"


@dataclass
class SyncServer:
    settings: ServerSettings
    transport: httpx.BaseTransport
    first: Station | None = None

    def code(self, sites: list[str]) -> str:
        engine = make_engine(self.settings.database_url)
        try:
            return issue_enrol_code(engine, sites)
        finally:
            engine.dispose()

    def register_first_admin(self, station: Station) -> None:
        engine = make_engine(self.settings.database_url)
        try:
            code = issue_admin_code(engine)
        finally:
            engine.dispose()
        AuthorityService(station.admin, transport=self.transport).register_first_admin(code)
        self.first = station

    def admit(self, station: Station) -> None:
        """The first station's administrator registers with an admin code; each later
        station joins as a real service would: its first sync brings the signed directory,
        then the first administrator approves the new workstation's personal keys."""
        if self.first is None:
            self.register_first_admin(station)
            return
        self.first.sync_service(self.first.admin).sync()   # the signed directory goes up
        station.sync_service(station.admin).sync()
        for session in (station.admin, station.senior):
            own = session.accounts.own_key()
            assert own is not None
            self.first.admin.accounts.approve_key(session.user.username, own[0])
        self.first.sync_service(self.first.admin).sync()
        station.sync_service(station.admin).sync()


@dataclass
class Station:
    workstation: Workstation
    admin: UserSession
    senior: UserSession
    server: SyncServer

    def sync_service(self, session: UserSession | None = None) -> SyncService:
        return SyncService(session or self.senior, transport=self.server.transport)

    def sync(self) -> object:
        return self.sync_service().sync()


@pytest.fixture
def sync_server(tmp_path: Path, asgi_bridge_class: type) -> Iterator[SyncServer]:
    settings = ServerSettings.for_data_dir(tmp_path / "server")
    bridge = asgi_bridge_class(create_app(settings))
    yield SyncServer(settings, bridge)
    bridge.shutdown()


@pytest.fixture
def make_station(
    tmp_path: Path, sync_server: SyncServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[object]:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    opened: list[UserSession] = []

    def make(name: str, sites: list[str] | None = None, enrol: bool = True) -> Station:
        ws = Workstation(tmp_path / name)
        ws.initialise(f"Testshire L&D ({name})", sites or SITES, *ADMIN)
        admin = ws.unlock(*ADMIN)
        admin.accounts.add_user(SENIOR[0], Role.SENIOR, SENIOR[1])
        if enrol:
            SyncService(admin, transport=sync_server.transport).enrol(
                SERVER_URL, sync_server.code(sites or SITES), f"station {name}"
            )
        senior = ws.unlock(*SENIOR)
        opened.extend([admin, senior])
        station = Station(ws, admin, senior, sync_server)
        if enrol:
            sync_server.admit(station)
        return station

    yield make
    for session in opened:
        if not session.is_locked:
            session.lock()


@dataclass
class Clash:
    """Two workstations at the same sites and a case whose urgency each set differently:
    after the syncs, station a holds the open clash."""

    a: Station
    b: Station
    case_id: uuid.UUID


@pytest.fixture
def urgency_clash(make_station: Callable[..., Station]) -> Clash:
    from datetime import date

    from ld_desktop.services.cases import ReferralDraft
    from ld_desktop.services.persons import PersonDraft

    a, b = make_station("a"), make_station("b")
    site = a.senior.sites[0].id
    person = a.senior.persons.register(PersonDraft("Clashy", "Decidewell", date(1981, 2, 3)),
                                       site)
    case = a.senior.cases.new_referral(ReferralDraft(person.id, site, "custody-sergeant",
                                                     "arrested", custody_record_number="D/1"))
    a.sync()
    b.sync()
    a.senior.cases.update(case.id, {"urgency": "urgent"})
    b.senior.cases.update(case.id, {"urgency": "soon"})
    a.sync()
    b.sync()
    a.sync()
    return Clash(a, b, case.id)
