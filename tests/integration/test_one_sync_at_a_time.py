"""One sync at a time per workstation: the handover's sync, the background sync and the Sync
page's button may be pressed together; the second waits for the first (or is cancelled while
waiting) instead of applying an older pull page over a newer one."""

from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING

import httpx
import pytest

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from sync.client import SyncCancelled

if TYPE_CHECKING:
    from tests.integration.conftest import Station


def _referral(session: UserSession, family: str) -> None:
    site = session.sites[0].id
    person = session.persons.register(PersonDraft("Overlap", family, date(1981, 2, 3)), site)
    session.cases.new_referral(ReferralDraft(person.id, site, "custody-sergeant", "arrested",
                                             custody_record_number=f"OV/{family}"))


class _Held(httpx.BaseTransport):
    """Answers through the server, but holds the first pull page's answer until released
    (`/v1/sync` brings the first page with the push; `/v1/pull` the ones after it)."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.holding = threading.Event()
        self.release = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.station.server.transport.handle_request(request)
        if request.url.path.endswith(("/pull", "/sync")) and not self.holding.is_set():
            self.holding.set()
            self.release.wait(20)
        return response


class _Counting(httpx.BaseTransport):
    def __init__(self, station: Station) -> None:
        self.station = station
        self.requests = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.set()
        return self.station.server.transport.handle_request(request)


def _in_thread(work: object) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())  # type: ignore[operator]
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_second_sync_waits_for_the_first(make_stations) -> None:  # type: ignore[no-untyped-def]
    [a] = make_stations("a")
    _referral(a.senior, "First")
    held = _Held(a)
    first, first_outcome = _in_thread(SyncService(a.senior, transport=held).sync)
    assert held.holding.wait(20)                    # the first has its pull page in hand
    _referral(a.senior, "Second")                   # more work, then a second sync
    counting = _Counting(a)
    second, second_outcome = _in_thread(SyncService(a.senior, transport=counting).sync)
    # While the first sync is under way, the second sends nothing (given time to try).
    assert not counting.requests.wait(0.5)
    held.release.set()
    first.join(20)
    second.join(20)
    assert not isinstance(first_outcome[0], Exception), first_outcome
    assert not isinstance(second_outcome[0], Exception), second_outcome
    assert a.sync_service().status().pending_ops == 0
    report = a.sync()                               # and the cursor is where the server is
    assert report.pushed == 0
    assert report.pulled == 0  # type: ignore[attr-defined]


def test_a_sync_waiting_for_another_can_be_cancelled(make_stations) -> None:  # type: ignore[no-untyped-def]
    [a] = make_stations("a")
    _referral(a.senior, "Busy")
    held = _Held(a)
    first, first_outcome = _in_thread(SyncService(a.senior, transport=held).sync)
    assert held.holding.wait(20)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SyncCancelled, match="another sync"):
        SyncService(a.senior, transport=a.server.transport).sync(cancel=cancel)
    assert first.is_alive()                         # stopped waiting; the first still held
    held.release.set()
    first.join(20)
    assert not isinstance(first_outcome[0], Exception), first_outcome
