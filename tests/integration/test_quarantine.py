"""One bad record never stops a workstation syncing: a pulled record this version cannot
apply is set aside in the local quarantine with the reason, the cursor moves past it, the
other workstations keep syncing, and an upgrade (or a user's retry once readable) applies it.

The poison is made the way a newer workstation would: an outbox op whose date of birth is
free text, which the server accepts under the newer app's published schema."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy import select

import ld_desktop
from ld_desktop.cli.admin import main as admin_main
from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_quarantine import SyncQuarantine
from ld_desktop.services.sync_service import SyncService
from ld_desktop.store import wire_reader
from ld_desktop.store.models import OutboxOp, Person
from ld_desktop.store.sync_state import device_state
from sync.server.app import create_app
from sync.server.settings import ServerSettings, default_schema_path
from tests.integration.conftest import SyncServer

# setting pulled records aside is logged as a warning, which these tests provoke
pytestmark = pytest.mark.expect_log

if TYPE_CHECKING:
    from tests.integration.conftest import Station

POISON = "not-a-date"
PG_URL = os.environ.get("LD_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sync_server(request: pytest.FixtureRequest, tmp_path: Path,
                asgi_bridge_class: type) -> Iterator[SyncServer]:
    """The poison record goes through the server on both databases. The server checks ops
    against the schema of a newer app version than this one (as deployed: the newest app in
    service), whose records this version cannot all read."""
    schema = _newer_app_schema(tmp_path / "newer-sync-schema.json")
    if request.param == "sqlite":
        settings = ServerSettings.for_data_dir(tmp_path / "server", op_schema=schema)
        bridge = asgi_bridge_class(create_app(settings))
        yield SyncServer(settings, bridge)
        bridge.shutdown()
        return
    name = f"ld_quarantine_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable: {type(exc).__name__}")
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    settings = ServerSettings(database_url=url, op_schema=schema)
    app = create_app(settings)
    bridge = asgi_bridge_class(app)
    yield SyncServer(settings, bridge)
    bridge.shutdown()
    app.state.sync.engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _newer_app_schema(path: Path) -> Path:
    """This app's published schema as a newer version would publish it: a date of birth that
    may be free text (say, "unknown, about 40"), and a record type this version lacks."""
    data = json.loads(default_schema_path().read_text(encoding="utf-8"))
    data["entities"]["person"]["fields"]["date_of_birth"] = {
        "type": "string", "max_length": 100, "nullable": True}
    data["entities"]["care_plan"] = {"fields": {
        "goal": {"type": "string", "max_length": 1000, "nullable": False},
        "_deleted": {"type": "boolean", "nullable": False}}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _referral(session: UserSession, family: str, crn: str) -> tuple[object, object]:
    site = session.sites[0].id
    person = session.persons.register(PersonDraft("Quarry", family, date(1981, 2, 3)), site)
    case = session.cases.new_referral(
        ReferralDraft(person.id, site, "custody-sergeant", "arrested", custody_record_number=crn))
    return person, case


def _poison_the_outbox(session: UserSession, person_id: object) -> None:
    """A buggy workstation: its queued op for this person carries an unreadable date."""
    with session.store.unit_of_work("test") as uow:
        for op in uow.session.scalars(select(OutboxOp).where(OutboxOp.entity == "person",
                                                             OutboxOp.entity_id == person_id)):
            op.fields = {**op.fields, "date_of_birth": POISON}


def _families(session: UserSession) -> set[str]:
    return {r.person_name.split(",")[0] for r in session.cases.page(CaseFilter(), 0, 1000)}


def _cursor(session: UserSession) -> int:
    with session.store.reading() as db:
        return device_state(db).pull_cursor


def test_a_poison_record_is_set_aside_and_applied_after_an_upgrade(
    make_station, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:  # type: ignore[no-untyped-def]
    writer: Station = make_station("writer")
    reader: Station = make_station("reader")
    other: Station = make_station("other")
    poison_person, poison_case = _referral(writer.senior, "Poisonous", "P/1")
    _poison_the_outbox(writer.senior, poison_person.id)
    _referral(writer.senior, "Healthy", "H/1")
    writer.sync()

    caplog.set_level(logging.DEBUG)
    report = reader.sync()   # before the fix: ValueError, for ever
    assert report.pulled > 0
    assert "HEALTHY" in _families(reader.senior)
    assert "POISONOUS" not in _families(reader.senior)
    held = SyncQuarantine(reader.senior).entries()
    assert {(e.entity, e.entity_id) for e in held} == {("person", poison_person.id),
                                                       ("case", poison_case.id)}
    reasons = {e.entity: e.reason for e in held}
    assert reasons["person"] == "person.date_of_birth is not a readable date"
    assert reasons["case"] == "case refers to a record that is set aside"
    assert reader.sync_service().status().quarantined == 2
    # the cursor moved past them: nothing is pulled again and nothing stops
    assert _cursor(reader.senior) == report.cursor > 0
    assert reader.sync().pulled == 0
    # no value, no name in the log
    assert POISON not in caplog.text
    assert "Poisonous" not in caplog.text
    assert "set aside 2 pulled record(s)" in caplog.text

    # the other workstations keep syncing, before and after new work
    other.sync()
    _referral(writer.senior, "Later", "L/1")
    writer.sync()
    assert reader.sync().pulled > 0
    other.sync()
    assert {"HEALTHY", "LATER"} <= _families(reader.senior) & _families(other.senior)

    # a user's retry with the same version leaves them set aside, counting the attempt
    again = SyncQuarantine(reader.senior).retry()
    assert (again.applied, again.still_set_aside) == (0, 2)
    assert {e.attempts for e in SyncQuarantine(reader.senior).entries()} == {2}

    # "upgrade": a newer version that reads this date form, under a new version number
    def lenient_date(value: object) -> date:
        return date(1970, 1, 1) if value == POISON else date.fromisoformat(str(value))

    monkeypatch.setattr(wire_reader, "_read_date", lenient_date)
    monkeypatch.setattr(wire_reader, "_READERS", {})
    monkeypatch.setattr(ld_desktop, "__version__", "99.0.0")
    reader.sync()
    assert SyncQuarantine(reader.senior).entries() == []
    assert "POISONOUS" in _families(reader.senior)
    with reader.senior.store.reading() as db:
        person = db.get(Person, poison_person.id)
        assert person is not None
        assert person.date_of_birth == date(1970, 1, 1)
    assert [p.family_name for p in reader.senior.persons.search("poisonous")] == ["Poisonous"]


def test_a_newer_readable_state_replaces_the_set_aside_one(make_station) -> None:  # type: ignore[no-untyped-def]
    writer: Station = make_station("writer")
    reader: Station = make_station("reader")
    person, _case = _referral(writer.senior, "Mended", "M/1")
    _poison_the_outbox(writer.senior, person.id)
    writer.sync()
    reader.sync()
    assert len(SyncQuarantine(reader.senior).entries()) == 2
    # the writer mends the date: the new state is readable and takes the record out
    writer.senior.persons.update(person.id, PersonDraft("Quarry", "Mended", date(1982, 3, 4)))
    writer.sync()
    reader.sync()
    assert SyncQuarantine(reader.senior).entries() == []
    assert "MENDED" in _families(reader.senior)


def test_ld_admin_sync_json_lists_set_aside_records(
    make_station, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.conftest import ADMIN

    writer: Station = make_station("writer")
    reader: Station = make_station("reader")
    person, _case = _referral(writer.senior, "Listed", "J/1")
    _poison_the_outbox(writer.senior, person.id)
    writer.sync()
    reader.admin.lock()
    reader.senior.lock()
    monkeypatch.setattr("ld_desktop.cli.sync_commands.SyncService",
                        partial(SyncService, transport=reader.server.transport))
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN[1] + "\n"))
    code = admin_main(["sync", "--data-dir", str(reader.workstation.data_dir), "--as",
                       ADMIN[0], "--json", "--passphrase-stdin"])
    out = capsys.readouterr()
    assert code == 0, out.err
    summary = json.loads(out.out)
    assert {(q["entity"], q["reason"]) for q in summary["quarantined"]} == {
        ("person", "person.date_of_birth is not a readable date"),
        ("case", "case refers to a record that is set aside")}
    assert POISON not in out.out
    assert "Listed" not in out.out


def test_the_sync_page_shows_set_aside_records_and_tries_again(
    make_station, qtbot, monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ld_desktop.ui.pages.sync_page import SyncPage

    writer: Station = make_station("writer")
    reader: Station = make_station("reader")
    person, _case = _referral(writer.senior, "Shown", "S/1")
    _poison_the_outbox(writer.senior, person.id)
    writer.sync()
    reader.sync()
    page = SyncPage(reader.senior, lambda s: SyncService(s, transport=reader.server.transport))
    qtbot.addWidget(page)
    page.resize(900, 640)
    page.show()
    panel = page.quarantine
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=5_000)   # read off-thread
    assert panel.isVisible()
    reasons = {panel.table.item(r, 2).text() for r in range(2)}
    assert "person.date_of_birth is not a readable date" in reasons
    texts = {panel.table.item(r, c).text() for r in range(2) for c in range(5)}
    assert not any("Shown" in t or POISON in t for t in texts)

    monkeypatch.setattr(wire_reader, "_read_date", lambda value: date(1970, 1, 1))
    monkeypatch.setattr(wire_reader, "_READERS", {})
    page.activateWindow()
    qtbot.waitExposed(page)
    panel.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.table, timeout=2000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.retry_button
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Applied 2" in panel.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=5_000)
    assert "SHOWN" in _families(reader.senior)


def test_a_record_type_from_a_newer_version_is_set_aside_for_an_upgrade(make_station) -> None:  # type: ignore[no-untyped-def]
    from sync.client import SyncClient, enrol
    from sync.memory_replica import MemoryReplica
    from tests.integration.conftest import SERVER_URL, SITES

    reader: Station = make_station("reader")
    server = reader.server
    newer = enrol(SERVER_URL, server.code(SITES), "a newer app", transport=server.transport)
    replica = MemoryReplica(newer.device_id)
    future_id = uuid.uuid4()
    replica.upsert("care_plan", future_id, {"goal": "fictional goal"},
                   sites=[newer.sites[0].id])
    with SyncClient(SERVER_URL, replica, newer, transport=server.transport) as client:
        assert client.sync().pushed == 1
    reader.sync()
    held = SyncQuarantine(reader.senior).entries()
    assert [(e.entity, e.entity_id, e.reason) for e in held] == [
        ("care_plan", future_id, "a record type this version does not know")]
    assert reader.sync().pulled == 0   # the cursor moved past it
