"""The client fetches the next pull page while it applies the current one (issue 17: a new
workstation's first sync). The cursor still moves only with a page's own apply: a dropped
connection, a failed apply or a replica that stopped short loses and repeats nothing."""

from __future__ import annotations

import threading

import httpx
import pull_readers
import pytest
from pull_readers import cases, no_fetch_left_running
from sync_harness import FAST_RETRY, IN_PROCESS_URL, Harness

from sync.client import ServerUnreachable, SyncClient
from sync.memory_replica import MemoryReplica
from sync.protocol import PullResponse

SITE = "Leeds Custody"
PAGE = 10


class Network(httpx.BaseTransport):
    """The in-process server, with each pull request's cursor noted; pull requests from
    the ``drop_from``-th on fail as a connection the server dropped."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.pull_cursors: list[int] = []
        self.drop_from: int | None = None
        self.second_pull = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/pull":
            body = request.read()
            self.pull_cursors.append(int(httpx.Response(200, content=body).json()["cursor"]))
            if len(self.pull_cursors) >= 2:
                self.second_pull.set()
            if self.drop_from is not None and len(self.pull_cursors) >= self.drop_from:
                raise httpx.RemoteProtocolError("Server disconnected without sending a "
                                                "response.", request=request)
        return self.inner.handle_request(request)


class SlowReplica(MemoryReplica):
    """Applies a page only once the client has asked for the next one (at most 5 s), so
    the fetch ahead is under way while it applies; ``fail_on`` makes that page's apply
    fail, ``stop_short`` keeps only the first half of every page but the last."""

    def __init__(self, device_id: str, network: Network) -> None:
        super().__init__(device_id)
        self.network = network
        self.overlapped: list[bool] = []
        self.fail_on: int | None = None
        self.stop_short = False
        self.applied = 0

    def apply_pull(self, page: PullResponse) -> None:
        if page.has_more:
            self.overlapped.append(self.network.second_pull.wait(5))
        self.applied += 1
        if self.fail_on == self.applied:
            raise OSError("disk full")
        if self.stop_short and page.has_more and len(page.records) > 1:
            half = page.records[:len(page.records) // 2]
            page = page.model_copy(update={"records": half, "next_cursor": half[-1].seq})
        super().apply_pull(page)


def sync(harness: Harness, reader: SlowReplica, network: Network) -> None:
    credentials = reader.credentials  # type: ignore[attr-defined]
    with SyncClient(IN_PROCESS_URL, reader, credentials, transport=network, retry=FAST_RETRY,
                    page_size=PAGE) as client:
        client.sync()


def reader_for(harness: Harness, records: int) -> tuple[MemoryReplica, SlowReplica, Network]:
    network = Network(harness.bridge)
    writer, reader = pull_readers.reader_for(harness, SITE, records,
                                             lambda device: SlowReplica(device, network))
    return writer, reader, network


def test_the_next_page_is_fetched_while_this_one_is_applied(sqlite_harness: Harness) -> None:
    writer, reader, network = reader_for(sqlite_harness, 25)
    sync(sqlite_harness, reader, network)
    assert reader.overlapped[0], "page 2 was not asked for while page 1 was applied"
    assert cases(reader) == cases(writer)
    # every page asked for from where the page before it ended, none twice
    assert len(network.pull_cursors) == len(set(network.pull_cursors)) == 3
    assert no_fetch_left_running()


def test_a_connection_dropped_while_fetching_ahead_loses_nothing(
        sqlite_harness: Harness) -> None:
    writer, reader, network = reader_for(sqlite_harness, 25)
    network.drop_from = 2            # the fetch ahead of page 2, and every retry of it
    with pytest.raises(ServerUnreachable):
        sync(sqlite_harness, reader, network)
    assert reader.overlapped[0]
    # page 1 was applied and its cursor kept; nothing of page 2 arrived
    assert len(cases(reader)) == PAGE
    first_cursor = reader.cursor()
    assert first_cursor == network.pull_cursors[1] > 0
    assert no_fetch_left_running()

    network.drop_from = None         # the network is back: the next sync resumes there
    sync(sqlite_harness, reader, network)
    assert cases(reader) == cases(writer)
    assert network.pull_cursors[network.pull_cursors.index(first_cursor, 2)] == first_cursor


def test_a_failed_apply_waits_for_the_fetch_ahead_and_keeps_its_cursor(
        sqlite_harness: Harness) -> None:
    writer, reader, network = reader_for(sqlite_harness, 25)
    reader.fail_on = 2
    with pytest.raises(OSError, match="disk full"):
        sync(sqlite_harness, reader, network)
    assert no_fetch_left_running()
    assert len(cases(reader)) == PAGE   # page 1 only; page 2 never applied
    reader.fail_on = None
    sync(sqlite_harness, reader, network)
    assert cases(reader) == cases(writer)


def test_a_page_fetched_ahead_is_dropped_if_the_cursor_stopped_elsewhere(
        sqlite_harness: Harness) -> None:
    """A replica that kept only half a page: the page fetched ahead (from the page's end)
    is not applied; the client asks again from where the replica's cursor is."""
    writer, reader, network = reader_for(sqlite_harness, 25)
    reader.stop_short = True
    sync(sqlite_harness, reader, network)
    assert cases(reader) == cases(writer)   # applied, the page ahead would skip a half
    assert len(network.pull_cursors) > reader.applied   # pages fetched ahead, then dropped
    assert no_fetch_left_running()
