"""The audit trail reaches the server with every sync, and `ld-admin verify` uses the server's
copy: a workstation whose newest events were deleted together with the record of the chain's
head (which its own chain cannot show) is reported; offline, verify says it could not compare."""

from __future__ import annotations

import io
import sys
from functools import partial
from typing import TYPE_CHECKING

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import delete, func, select

from ld_desktop.cli.admin import main as admin_main
from ld_desktop.services import audit_server_copy
from ld_desktop.services.sync_service import SyncService
from ld_desktop.store.audit import HEAD_KEY
from ld_desktop.store.models import AuditEvent, Setting
from sync.server import schema as t
from sync.server.audit_store import check_chains
from sync.server.database import make_engine

if TYPE_CHECKING:
    from tests.integration.conftest import Station


def _server_events(station: Station) -> list[tuple[int, dict]]:  # type: ignore[type-arg]
    engine = make_engine(station.server.settings.database_url)
    try:
        with engine.connect() as conn:
            return [(row.seq, row.body) for row in conn.execute(
                sa.select(t.audit_events.c.seq, t.audit_events.c.body)
                .order_by(t.audit_events.c.seq))]
    finally:
        engine.dispose()


def _local_count(station: Station) -> int:
    with station.senior.store.reading() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _cut_tail(station: Station, events: int) -> None:
    """What an insider with the data key can do: delete the newest events and the head."""
    with station.senior.store.unit_of_work("insider") as uow:
        last = uow.session.scalar(select(func.max(AuditEvent.seq)))
        uow.session.execute(delete(AuditEvent).where(AuditEvent.seq > last - events))
        uow.session.execute(delete(Setting).where(Setting.key == HEAD_KEY))


def _verify(station: Station, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str],
            transport: httpx.BaseTransport) -> tuple[int, str]:
    from tests.integration.conftest import SENIOR

    monkeypatch.setattr("ld_desktop.cli.admin_commands.compare_with_server",
                        partial(audit_server_copy.compare_with_server, transport=transport),
                        raising=False)   # raising=False: the test also runs on the code before
    monkeypatch.setattr(sys, "stdin", io.StringIO(SENIOR[1] + "\n"))
    code = admin_main(["verify", "--data-dir", str(station.workstation.data_dir), "--as",
                       SENIOR[0], "--passphrase-stdin"])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_audit_events_reach_the_server_without_values_or_names(make_station) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from ld_desktop.services.persons import PersonDraft

    station: Station = make_station("audited")
    person = station.senior.persons.register(PersonDraft("Auditta", "Namesake", date(1970, 1, 2)),
                                             station.senior.sites[0].id)
    station.senior.persons.open(person.id)
    station.sync()
    held = _server_events(station)
    # every event recorded before the sync's own final event is on the server, in order
    assert [seq for seq, _body in held] == list(range(1, len(held) + 1))
    assert len(held) >= _local_count(station) - 1
    assert {"register", "view"} & {body["action"] for _seq, body in held}
    text = repr(held)
    assert "Auditta" not in text
    assert "Namesake" not in text
    assert "1970-01-02" not in text
    chains = check_chains(make_engine(station.server.settings.database_url))
    assert [c.intact for c in chains] == [True]


def test_verify_reports_a_local_trail_shorter_than_the_server_copy(
        make_station, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    station: Station = make_station("cut")
    station.sync()
    station.sync()   # the first sync's own event is on the server too
    code, out = _verify(station, monkeypatch, capsys, station.server.transport)
    assert code == 0, out
    assert "matches the server's copy" in out

    station.sync()   # the server now holds all but this sync's own last event
    _cut_tail(station, 3)
    code, out = _verify(station, monkeypatch, capsys, station.server.transport)
    assert code == 4, out   # before the fix: 0, "audit chain intact"
    assert "events were removed from this workstation" in out

    # the workstation carries on and syncs: the server's check shows the break too
    for _ in range(5):
        station.sync()
    chains = check_chains(make_engine(station.server.settings.database_url))
    assert not chains[0].intact
    assert any("does not follow" in problem for problem in chains[0].problems)


def test_verify_offline_says_it_could_not_compare(
        make_station, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    station: Station = make_station("offline")
    station.sync()

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host", request=request)

    code, out = _verify(station, monkeypatch, capsys, httpx.MockTransport(unreachable))
    assert code == 0, out
    assert "Could not compare with the server's copy" in out


def test_a_workstation_not_enrolled_is_not_compared(
        make_station, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    station: Station = make_station("alone", enrol=False)
    code, out = _verify(station, monkeypatch, capsys, station.server.transport)
    assert code == 0, out
    assert "not enrolled" in out
    assert SyncService(station.senior).status().enrolled is False


def test_an_event_the_server_cannot_store_keeps_its_place_without_its_detail(
        make_station) -> None:  # type: ignore[no-untyped-def]
    station: Station = make_station("awkward")
    with station.senior.store.unit_of_work(station.senior.user.username) as uow:
        uow.audit("export", detail={"file": "report\u0000.pdf", "pages": list(range(5000))})
    report = station.sync()
    assert report.audit_sent > 0
    held = dict(_server_events(station))
    awkward = [body for body in held.values() if body["action"] == "export"]
    assert [body["detail"] for body in awkward] == [{"omitted": "not storable on the server"}]
    chains = check_chains(make_engine(station.server.settings.database_url))
    assert [c.intact for c in chains] == [True]
