"""Background sync: periodic and on demand, online/offline status, stops on lock."""

from __future__ import annotations

import logging
import threading

import pytest

from ld_desktop.services.background_sync import BackgroundSync, SyncOutcome
from ld_desktop.services.sync_service import SyncService


def test_background_sync_pushes_and_reports_online(make_stations) -> None:  # type: ignore[no-untyped-def]
    [station] = make_stations("a")
    outcomes: list[SyncOutcome] = []
    done = threading.Event()

    def record(outcome: SyncOutcome) -> None:
        outcomes.append(outcome)
        done.set()

    transport = station.server.transport
    worker = BackgroundSync(station.senior, 3600, record,
                            service_factory=lambda s: SyncService(s, transport=transport))
    worker.start()
    assert done.wait(30)
    worker.stop()
    assert outcomes[0].online is True
    assert outcomes[0].report is not None
    assert outcomes[0].report.pushed > 0
    assert SyncService(station.senior).status().pending_ops == 0


def test_unreachable_server_is_reported_offline_and_keeps_everything(make_stations) -> None:  # type: ignore[no-untyped-def]
    import httpx

    [station] = make_stations("a")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host", request=request)

    outcomes: list[SyncOutcome] = []
    worker = BackgroundSync(station.senior, 3600, outcomes.append,
                            service_factory=lambda s: SyncService(
                                s, transport=httpx.MockTransport(refuse)))
    outcome = worker.run_once()
    assert outcome.online is False
    assert worker.online is False
    assert SyncService(station.senior).status().pending_ops > 0


def test_a_malformed_answer_is_reported_and_keeps_everything(  # type: ignore[no-untyped-def]
        make_stations, caplog: pytest.LogCaptureFixture) -> None:
    """A server (or a proxy before it) answering 200 with JSON of the wrong shape: the
    attempt is reported as failed, with no value from the answer in its text, and the
    thread and every pending change live on (it was a pydantic error escaping the thread)."""
    import httpx

    [station] = make_stations("a")

    def garbled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"push": {"results": "Jane Example"}, "pull": []})

    outcomes: list[SyncOutcome] = []
    worker = BackgroundSync(station.senior, 3600, outcomes.append,
                            service_factory=lambda s: SyncService(
                                s, transport=httpx.MockTransport(garbled)))
    with caplog.at_level(logging.WARNING):
        outcome = worker.run_once()
    assert [r.getMessage() for r in caplog.records
            if r.name == "ld_desktop.services.background_sync"] == [
        "background sync failed: ServerMisbehaved"]
    assert outcome.report is None
    assert outcome.error is not None
    assert "not what the protocol allows" in outcome.error
    assert "Jane" not in outcome.error
    assert outcomes == [outcome]
    assert SyncService(station.senior).status().pending_ops > 0
