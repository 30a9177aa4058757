"""Training mode (issue 19): a training store of fictional scenarios that can never reach a
live server, and a trainer's reset. Servers are real FastAPI apps on SQLite files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ld_desktop.services import training
from ld_desktop.services.service_authority import AuthorityService
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.workstation import Workstation
from sync.client.errors import EnrolmentRefused, SyncError
from sync.server.app import create_app
from sync.server.authority import issue_admin_code
from sync.server.database import make_engine
from sync.server.registry import issue_enrol_code, list_devices
from sync.server.settings import ServerSettings

from .conftest import SERVER_URL, SITES

TRAINER = (training.TRAINER, training.TRAINING_ACCOUNTS[training.TRAINER][1])
SENIOR = ("trainee.senior", training.TRAINING_ACCOUNTS["trainee.senior"][1])
PRACTITIONER = ("trainee.practitioner", training.TRAINING_ACCOUNTS["trainee.practitioner"][1])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("training") / "store"
    saved = os.environ.get("LD_DESKTOP_KDF_PROFILE")
    training.create_training_store(folder)
    if saved is None:
        os.environ.pop("LD_DESKTOP_KDF_PROFILE", None)
    return folder


@pytest.fixture
def station(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    folder = tmp_path / "training"
    shutil.copytree(template, folder)
    return folder


def _server(tmp_path: Path, asgi_bridge_class: type, *, training_server: bool
            ) -> Iterator[tuple[ServerSettings, httpx.BaseTransport]]:
    settings = ServerSettings.for_data_dir(tmp_path / ("training-server" if training_server
                                                       else "live-server"),
                                           training=training_server)
    bridge = asgi_bridge_class(create_app(settings))
    yield settings, bridge
    bridge.shutdown()


@pytest.fixture
def live_server(tmp_path: Path, asgi_bridge_class: type
                ) -> Iterator[tuple[ServerSettings, httpx.BaseTransport]]:
    yield from _server(tmp_path, asgi_bridge_class, training_server=False)


@pytest.fixture
def training_server(tmp_path: Path, asgi_bridge_class: type
                    ) -> Iterator[tuple[ServerSettings, httpx.BaseTransport]]:
    yield from _server(tmp_path, asgi_bridge_class, training_server=True)


def _code(settings: ServerSettings, sites: list[str]) -> str:
    engine = make_engine(settings.database_url)
    try:
        return issue_enrol_code(engine, sites)
    finally:
        engine.dispose()


def _devices(settings: ServerSettings) -> int:
    engine = make_engine(settings.database_url)
    try:
        return len(list_devices(engine))
    finally:
        engine.dispose()


def test_the_training_store_holds_every_scenario_and_only_fictional_people(station: Path
                                                                           ) -> None:
    assert training.is_training_folder(station)
    senior = Workstation(station).unlock(*SENIOR)
    try:
        assert training.is_training(senior)
        cases = training.scenario_case_ids(senior)
        assert set(cases) == {s.id for s in training.SCENARIOS}
        assert len(cases) == 7
        for ids in cases.values():
            for case_id in ids:
                view = senior.cases.open(case_id, audit=False)
                assert view.person.family_name.startswith("Trainee-")
        assert senior.conflicts.count_open() == 1            # the sync-conflict scenario
        people = senior.persons.page(0, 100)
        assert people
        assert all(p.nhs_number is None or p.nhs_number.replace(" ", "").startswith("999")
                   for p in people)
    finally:
        senior.lock()


def test_a_training_workstation_is_refused_by_a_live_server(station: Path, live_server) -> None:  # type: ignore[no-untyped-def]
    settings, transport = live_server
    admin = Workstation(station).unlock(*TRAINER)
    try:
        with pytest.raises(SyncError, match="live server"):
            SyncService(admin, transport=transport).enrol(SERVER_URL, _code(settings, SITES))
        assert not SyncService(admin, transport=transport).status().enrolled
    finally:
        admin.lock()
    assert _devices(settings) == 0                             # nothing registered


def test_a_live_workstation_is_refused_by_a_training_server(tmp_path: Path, training_server,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    settings, transport = training_server
    live = Workstation(tmp_path / "live")
    live.initialise("Testshire L&D", SITES, "admin1", "admin passphrase for tests")
    admin = live.unlock("admin1", "admin passphrase for tests")
    try:
        with pytest.raises(SyncError, match="training server"):
            SyncService(admin, transport=transport).enrol(SERVER_URL, _code(settings, SITES))
    finally:
        admin.lock()
    assert _devices(settings) == 0


def test_a_training_workstation_syncs_with_a_training_server(station: Path, training_server  # type: ignore[no-untyped-def]
                                                             ) -> None:
    settings, transport = training_server
    admin = Workstation(station).unlock(*TRAINER)
    try:
        service = SyncService(admin, transport=transport)
        service.enrol(SERVER_URL, _code(settings, training.TRAINING_SITES))
        # the training server's first administrator is the trainer (ld-sync-server admin-code)
        engine = make_engine(settings.database_url)
        admin_code = issue_admin_code(engine)
        engine.dispose()
        AuthorityService(admin, transport=transport).register_first_admin(admin_code)
        report = service.sync()
        assert report.pushed > 0
        assert service.status().pending_ops == 0
    finally:
        admin.lock()


def test_a_training_workstation_refuses_a_server_that_ignores_the_flag(station: Path) -> None:
    """An older or misconfigured live server that enrols anything: the workstation checks the
    answer itself and keeps nothing."""
    def old_server(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["training"] is True
        return httpx.Response(200, json={
            "device_id": "0" * 32, "sites": [], "server_time": "2026-11-30T02:00:00Z"})

    admin = Workstation(station).unlock(*TRAINER)
    try:
        service = SyncService(admin, transport=httpx.MockTransport(old_server))
        with pytest.raises(EnrolmentRefused, match="training server only"):
            service.enrol(SERVER_URL, "ABCD-EFGH")
        assert not service.status().enrolled
    finally:
        admin.lock()


def test_the_trainer_resets_to_the_starting_scenarios(station: Path) -> None:
    practitioner = Workstation(station).unlock(*PRACTITIONER)
    case_id = training.scenario_case_ids(practitioner)["adult-arrest"][0]
    practitioner.notes.add(case_id, "A trainee's practice note (fictional).")
    timeline = practitioner.cases.open(case_id, audit=False).timeline
    assert any("practice note" in entry.summary for entry in timeline)
    with pytest.raises(PermissionError):
        training.check_can_reset(practitioner, station)        # trainers only
    practitioner.lock()

    trainer = Workstation(station).unlock(*TRAINER)
    training.reset_training_store(trainer, station)
    assert trainer.is_locked
    practitioner = Workstation(station).unlock(*PRACTITIONER)
    try:
        fresh = training.scenario_case_ids(practitioner)["adult-arrest"][0]
        assert fresh != case_id                                 # a new store
        view = practitioner.cases.open(fresh, audit=False)
        assert all("practice note" not in entry.summary for entry in view.timeline)
    finally:
        practitioner.lock()


def test_a_live_store_cannot_be_reset_or_opened_as_training(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    live = Workstation(tmp_path / "live")
    live.initialise("Testshire L&D", SITES, "admin1", "admin passphrase for tests")
    admin = live.unlock("admin1", "admin passphrase for tests")
    try:
        with pytest.raises(PermissionError):
            training.check_can_reset(admin, tmp_path / "live")
    finally:
        admin.lock()
    with pytest.raises(PermissionError):
        training.recreate_training_store(tmp_path / "live")
    assert live.is_initialised                                  # untouched
    run = subprocess.run([sys.executable, "-m", "ld_desktop.ui.app", "--training",
                          "--data-dir", str(tmp_path / "live")], capture_output=True,
                         text=True, timeout=120, check=False,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 2
    assert "live store" in run.stderr


def test_each_server_refuses_the_other_kind_on_its_own(live_server, training_server) -> None:  # type: ignore[no-untyped-def]
    """Without the workstation's own check: a raw enrolment straight to the server."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from sync.credentials import public_key_b64

    for (settings, transport), says_training, refusal in (
            (live_server, True, "training_refused"), (training_server, False, "live_refused")):
        body = {"code": _code(settings, SITES), "device_name": "raw client",
                "public_key": public_key_b64(Ed25519PrivateKey.generate()),
                "training": says_training}
        with httpx.Client(transport=transport, base_url=SERVER_URL) as client:
            answer = client.post("/v1/enrol", json=body)
        assert answer.status_code == 403
        assert refusal in answer.text
        assert _devices(settings) == 0
