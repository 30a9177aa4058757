"""Background sync: periodic and on demand, online/offline status, stops on lock."""

from __future__ import annotations

import threading

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
