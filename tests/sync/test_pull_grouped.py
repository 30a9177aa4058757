"""Pages fetched ahead that are already here are applied together, in one transaction of
the replica (issue 17: a first sync's commits). The group is a larger page: its records in
server order, its cursor the last page's. Nothing is applied out of order, nothing twice,
and a failure anywhere leaves the cursor where the last committed apply put it."""

from __future__ import annotations

import threading
import time

import httpx
import pull_readers
import pytest
from pull_readers import cases, no_fetch_left_running
from sync_harness import FAST_RETRY, IN_PROCESS_URL, Harness

from sync.client import ServerMisbehaved, ServerUnreachable, SyncClient
from sync.client.transport import RetryPolicy
from sync.memory_replica import MemoryReplica
from sync.protocol import PullResponse

SITE = "Leeds Custody"
PAGE = 10


class Network(httpx.BaseTransport):
    """The in-process server; each pull request's cursor noted. ``fail_at`` (the n-th pull
    request and every one after it) fails as a dropped connection; ``stall_at`` answers the
    n-th pull with a page that says there is more but ends where it started."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.pull_cursors: list[int] = []
        self.fail_at: int | None = None
        self.stall_at: int | None = None
        self.asked = threading.Condition()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/pull":
            return self.inner.handle_request(request)
        cursor = int(httpx.Response(200, content=request.read()).json()["cursor"])
        with self.asked:
            self.pull_cursors.append(cursor)
            count = len(self.pull_cursors)
            self.asked.notify_all()
        if self.fail_at is not None and count >= self.fail_at:
            raise httpx.RemoteProtocolError("Server disconnected without sending a "
                                            "response.", request=request)
        response = self.inner.handle_request(request)
        if self.stall_at == count:
            page = PullResponse.model_validate_json(response.read())
            stalled = page.model_copy(update={"next_cursor": cursor, "has_more": True})
            return httpx.Response(200, content=stalled.model_dump_json().encode(),
                                  headers={"content-type": "application/json"})
        return response

    def wait_for_pulls(self, count: int, timeout: float = 5.0) -> bool:
        with self.asked:
            return self.asked.wait_for(lambda: len(self.pull_cursors) >= count, timeout)


class SlowReplica(MemoryReplica):
    """Its first apply waits until the pages behind it have been fetched: all of them
    (``wait_for`` None, the read-ahead has ended) or as many as ``wait_for`` pull requests
    (a page is asked for only once the one before it is here); each apply's records and
    cursor are noted; ``fail_on`` makes that apply fail before it changes anything."""

    def __init__(self, device_id: str, network: Network) -> None:
        super().__init__(device_id)
        self.network = network
        self.wait_for: int | None = None
        self.no_more_than: int | None = None
        self.fail_on: int | None = None
        self.applies: list[tuple[list[int], int]] = []   # (records' seqs, next cursor)

    def apply_pull(self, page: PullResponse) -> None:
        if not self.applies:
            if self.wait_for is None:
                assert read_ahead_ended(), "the pages were not fetched"
            else:
                assert self.network.wait_for_pulls(self.wait_for), "no page was fetched"
            if self.no_more_than is not None:   # the read-ahead waits for room
                assert not self.network.wait_for_pulls(self.no_more_than + 1, timeout=0.3)
        if self.fail_on == len(self.applies) + 1:
            raise OSError("disk full")
        self.applies.append(([record.seq for record in page.records], page.next_cursor))
        super().apply_pull(page)


def reader_for(harness: Harness, records: int) -> tuple[MemoryReplica, SlowReplica, Network]:
    network = Network(harness.bridge)
    writer, reader = pull_readers.reader_for(harness, SITE, records,
                                             lambda device: SlowReplica(device, network))
    return writer, reader, network


class SlowRetry(RetryPolicy):
    """A second between attempts: five attempts take four seconds."""

    def delay(self, attempt: int) -> float:
        return 1.0


def sync(reader: SlowReplica, network: Network, *, pages_per_apply: int = 4,
         retry: RetryPolicy = FAST_RETRY) -> None:
    credentials = reader.credentials  # type: ignore[attr-defined]
    with SyncClient(IN_PROCESS_URL, reader, credentials, transport=network, retry=retry,
                    page_size=PAGE, pages_per_apply=pages_per_apply) as client:
        client.sync()


def read_ahead_ended(timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not no_fetch_left_running():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def sizes(reader: SlowReplica) -> list[int]:
    return [len(seqs) for seqs, _cursor in reader.applies]


def test_pages_already_here_are_applied_in_one_go(sqlite_harness: Harness) -> None:
    writer, reader, network = reader_for(sqlite_harness, 45)   # pages of 10,10,10,10,5
    # pages 2 to 5 have arrived when page 1's apply ends
    sync(reader, network)
    assert cases(reader) == cases(writer)
    assert sizes(reader) == [PAGE, 3 * PAGE + 5]
    seqs, cursor = reader.applies[1]
    # in server order, with the last page's cursor
    assert seqs == sorted(seqs)
    assert cursor == max(seqs)
    # every record applied once; every page asked for once, each from where the last ended
    every = [seq for seqs, _cursor in reader.applies for seq in seqs]
    assert len(every) == len(set(every)) == 45
    assert network.pull_cursors == [0, reader.applies[0][1], *seqs[PAGE - 1:-5:PAGE]]
    assert no_fetch_left_running()


def test_no_more_than_the_limit_in_one_apply_nor_waiting(sqlite_harness: Harness) -> None:
    writer, reader, network = reader_for(sqlite_harness, 65)   # 7 pages
    reader.wait_for = 3       # page 1 applied, page 2 here, page 3 asked for
    reader.no_more_than = 3   # and page 4 not: two pages waiting are all the limit allows
    sync(reader, network, pages_per_apply=2)
    assert cases(reader) == cases(writer)
    assert sizes(reader)[0] == PAGE
    assert max(sizes(reader)) == 2 * PAGE


def test_one_page_an_apply_when_asked(sqlite_harness: Harness) -> None:
    writer, reader, network = reader_for(sqlite_harness, 25)
    reader.wait_for = 2       # page 2 asked for while page 1 is applied
    reader.no_more_than = 2   # and page 3 not: one page waiting
    sync(reader, network, pages_per_apply=1)
    assert cases(reader) == cases(writer)
    assert sizes(reader) == [PAGE, PAGE, 5]


def test_a_failed_apply_of_a_group_keeps_the_cursor_before_it(sqlite_harness: Harness) -> None:
    writer, reader, network = reader_for(sqlite_harness, 45)
    reader.fail_on = 2        # pages 2 to 5 in one apply
    with pytest.raises(OSError, match="disk full"):
        sync(reader, network)
    assert no_fetch_left_running()
    assert sizes(reader) == [PAGE]
    assert len(cases(reader)) == PAGE
    assert reader.cursor() == reader.applies[0][1]
    reader.fail_on = None
    sync(reader, network)
    assert cases(reader) == cases(writer)


def test_a_fetch_that_fails_behind_pages_here_fails_after_they_commit(
        sqlite_harness: Harness) -> None:
    writer, reader, network = reader_for(sqlite_harness, 45)
    network.fail_at = 4       # page 4's fetch (and every retry of it) fails
    with pytest.raises(ServerUnreachable):
        sync(reader, network)
    assert no_fetch_left_running()
    # pages 2 and 3 applied together and kept; nothing of page 4
    assert sizes(reader) == [PAGE, 2 * PAGE]
    assert len(cases(reader)) == 3 * PAGE
    assert reader.cursor() == network.pull_cursors[3]
    network.fail_at = None    # the network is back: the next sync resumes there
    sync(reader, network)
    assert cases(reader) == cases(writer)


def test_a_page_that_does_not_move_on_is_never_grouped_and_refused(
        sqlite_harness: Harness) -> None:
    _writer, reader, network = reader_for(sqlite_harness, 45)
    network.stall_at = 3      # page 3 says there is more but ends where it started
    with pytest.raises(ServerMisbehaved, match="says there is more"):
        sync(reader, network)
    assert no_fetch_left_running()
    # page 2 applied on its own; the stalled page refused before any apply of it
    assert sizes(reader) == [PAGE, PAGE]
    assert reader.cursor() == network.pull_cursors[2]
    # and the read-ahead stopped at it: it did not ask for the same page again and again
    assert len(network.pull_cursors) == 3


def test_a_failed_apply_does_not_wait_for_the_fetch_ahead_to_give_up(
        sqlite_harness: Harness) -> None:
    """The page ahead's fetch is being retried (the connection drops) when the apply
    fails: the sync fails at once, not after every attempt of a fetch nobody waits for."""
    _writer, reader, network = reader_for(sqlite_harness, 25)
    network.fail_at = 2       # page 2's fetch, and every retry of it
    reader.wait_for = 2       # page 2 asked for while page 1 is applied
    reader.fail_on = 1
    started = time.monotonic()
    with pytest.raises(OSError, match="disk full"):
        sync(reader, network, retry=SlowRetry(attempts=5))
    assert time.monotonic() - started < 2.0   # five attempts a second apart: 4 s
    assert no_fetch_left_running()
    assert len(network.pull_cursors) < 5
