"""Workstations (real encrypted stores) and an in-process sync server (real FastAPI app on a
SQLite file, reached through httpx's ASGI transport)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

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


class SyncServer:
    """The in-process server. ``start`` (if given) makes its transport at first use, so a
    station template (``make_stations``) can put a saved server in place before it starts."""

    def __init__(self, settings: ServerSettings, transport: httpx.BaseTransport | None = None,
                 *, start: Callable[[], httpx.BaseTransport] | None = None,
                 data_dir: Path | None = None) -> None:
        self.settings = settings
        self.data_dir = data_dir   # where its SQLite file is, if it is a local one
        self._transport = transport
        self._start = start
        self.first: Station | None = None

    @property
    def transport(self) -> httpx.BaseTransport:
        if self._transport is None:
            assert self._start is not None
            self._transport = self._start()
        return self._transport

    @property
    def unstarted(self) -> bool:
        """Not used yet, and started only when it is: a saved server may be put in place."""
        return self._transport is None and self._start is not None

    def code(self, sites: list[str]) -> str:
        assert self.transport is not None   # started: its database is migrated
        engine = make_engine(self.settings.database_url)
        try:
            return issue_enrol_code(engine, sites)
        finally:
            engine.dispose()

    def register_first_admin(self, station: Station) -> None:
        assert self.transport is not None
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


def local_server(data_dir: Path, bridge_class: type) -> tuple[SyncServer, Callable[[], None]]:
    """A server on a SQLite file in ``data_dir``, started at first use; and its shutdown."""
    settings = ServerSettings.for_data_dir(data_dir)
    started: list[tuple[FastAPI, Any]] = []

    def start() -> httpx.BaseTransport:
        app = create_app(settings)
        bridge = bridge_class(app)
        started.append((app, bridge))
        transport: httpx.BaseTransport = bridge
        return transport

    def shutdown() -> None:
        for app, bridge in started:
            bridge.shutdown()
            app.state.sync.engine.dispose()

    return SyncServer(settings, start=start, data_dir=data_dir), shutdown


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
    server, shutdown = local_server(tmp_path / "server", asgi_bridge_class)
    yield server
    shutdown()


@dataclass
class StationFactory:
    """Makes the test's workstations (``make_station``), each with its own folder, enrolled
    (unless ``enrol=False``) and admitted on ``server``; remembers the sessions it opened."""

    folder: Path
    server: SyncServer
    opened: list[UserSession] = field(default_factory=list)
    stations: list[Station] = field(default_factory=list)

    def make(self, name: str, sites: list[str] | None = None, enrol: bool = True) -> Station:
        ws = Workstation(self.folder / name)
        ws.initialise(f"Testshire L&D ({name})", sites or SITES, *ADMIN)
        admin = ws.unlock(*ADMIN)
        admin.accounts.add_user(SENIOR[0], Role.SENIOR, SENIOR[1])
        if enrol:
            SyncService(admin, transport=self.server.transport).enrol(
                SERVER_URL, self.server.code(sites or SITES), f"station {name}"
            )
        senior = ws.unlock(*SENIOR)
        self.opened.extend([admin, senior])
        station = Station(ws, admin, senior, self.server)
        self.stations.append(station)
        if enrol:
            self.server.admit(station)
        return station

    def reopen(self, name: str) -> Station:
        """A station whose folder is already in place (copied from a template), unlocked."""
        ws = Workstation(self.folder / name)
        admin = ws.unlock(*ADMIN)
        senior = ws.unlock(*SENIOR)
        self.opened.extend([admin, senior])
        station = Station(ws, admin, senior, self.server)
        self.stations.append(station)
        return station

    def lock_all(self) -> None:
        for session in self.opened:
            if not session.is_locked:
                session.lock()


@dataclass
class Template:
    folder: Path
    names: list[str]
    first: str | None      # the station whose administrator registered first, if any
    extra: object


class StationTemplates:
    """Workstations and their server as a recipe left them, made once a run and copied for
    each test that asks for the same (``make_stations``): creating, enrolling and admitting
    two workstations costs about a second a test.

    A copy is the recipe's state with one difference: the template's sessions were locked
    (so its files are whole) and the copy's are unlocked again, which adds a lock and an
    unlock to each audit trail, as if each user had locked and come back."""

    def __init__(self, root: Path, bridge_class: type) -> None:
        self.root = root
        self.bridge_class = bridge_class
        self.made: dict[Hashable, Template] = {}

    def get(self, key: Hashable, recipe: Callable[[StationFactory], object]) -> Template:
        if key not in self.made:
            folder = self.root / f"template-{len(self.made)}"
            server, shutdown = local_server(folder / "server", self.bridge_class)
            factory = StationFactory(folder, server)
            try:
                extra = recipe(factory)
            finally:
                factory.lock_all()
                shutdown()
            first = server.first.workstation.data_dir.name if server.first else None
            self.made[key] = Template(folder, [s.workstation.data_dir.name
                                               for s in factory.stations], first, extra)
        return self.made[key]

    def restore(self, template: Template, factory: StationFactory) -> list[Station]:
        """``template``'s stations and server, copied into ``factory``'s folder and server
        (which must not have started) and unlocked."""
        server = factory.server
        assert server.unstarted
        assert server.data_dir is not None
        assert not factory.stations
        shutil.copytree(template.folder / "server", server.data_dir, dirs_exist_ok=True)
        for name in template.names:
            shutil.copytree(template.folder / name, factory.folder / name)
        stations = [factory.reopen(name) for name in template.names]
        by_name = dict(zip(template.names, stations, strict=True))
        factory.server.first = by_name[template.first] if template.first else None
        return stations


@pytest.fixture(scope="session")
def station_templates(tmp_path_factory: pytest.TempPathFactory,
                      asgi_bridge_class: type) -> StationTemplates:
    return StationTemplates(tmp_path_factory.mktemp("station-templates"), asgi_bridge_class)


@pytest.fixture
def station_factory(tmp_path: Path, sync_server: SyncServer,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[StationFactory]:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    factory = StationFactory(tmp_path, sync_server)
    yield factory
    factory.lock_all()


@pytest.fixture
def make_station(station_factory: StationFactory) -> Callable[..., Station]:
    """``make_station(name, sites=None, enrol=True)``: a new workstation, made afresh."""
    return station_factory.make


def from_template(factory: StationFactory, templates: StationTemplates, key: Hashable,
                  recipe: Callable[[StationFactory], object]) -> tuple[list[Station], object]:
    """The stations ``recipe`` makes (and what else it returns), copied from the template
    for ``key``; made afresh if the test's server has started or a station is made already
    (or the server is not a local one), as a template holds only its own."""
    if not factory.server.unstarted or factory.server.data_dir is None or factory.stations:
        before = len(factory.stations)
        extra = recipe(factory)
        return factory.stations[before:], extra
    template = templates.get(key, recipe)
    return templates.restore(template, factory), template.extra


@pytest.fixture
def make_stations(station_factory: StationFactory,
                  station_templates: StationTemplates) -> Callable[..., list[Station]]:
    """``make_stations("a", "b", sites=None, enrol=True)``: the workstations as
    ``make_station`` makes them one after another, copied from a template when they are the
    test's first (see ``StationTemplates``)."""

    def make(*names: str, sites: list[str] | None = None, enrol: bool = True) -> list[Station]:
        def recipe(factory: StationFactory) -> None:
            for name in names:
                factory.make(name, sites, enrol)

        key = ("stations", names, tuple(sites or SITES), enrol)
        stations, _ = from_template(station_factory, station_templates, key, recipe)
        return stations

    return make


@dataclass
class Clash:
    """Two workstations at the same sites and a case whose urgency each set differently:
    after the syncs, station a holds the open clash."""

    a: Station
    b: Station
    case_id: uuid.UUID


def _urgency_clash(factory: StationFactory) -> uuid.UUID:
    from datetime import date

    from ld_desktop.services.cases import ReferralDraft
    from ld_desktop.services.persons import PersonDraft

    a, b = factory.make("a"), factory.make("b")
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
    return case.id


@pytest.fixture
def urgency_clash(station_factory: StationFactory, station_templates: StationTemplates) -> Clash:
    [a, b], case_id = from_template(station_factory, station_templates, "urgency_clash",
                                    _urgency_clash)
    assert isinstance(case_id, uuid.UUID)
    return Clash(a, b, case_id)
