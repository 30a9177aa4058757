"""What the client does with a pull page it cannot use, now that pages are decoded straight
from their bytes (pydantic-core's JSON parser, `json` only for what that parser refuses):
a cut-off page is retried and ends as "not JSON"; a page of the wrong shape fails at once
with pydantic's error; a page that says there is more but does not move the cursor on is
refused rather than asked for again for ever. None of them applies anything or moves the
cursor. Text only `json` reads (a lone surrogate escape, deep nesting) still arrives, and
where both parsers read a document they give the same values."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sync_harness import FAST_RETRY, IN_PROCESS_URL

from sync.client import DeviceCredentials, ServerMisbehaved, ServerUnreachable, SyncClient
from sync.client.transport import decode_answer
from sync.memory_replica import MemoryReplica
from sync.protocol import PullResponse

Handler = Callable[[int], bytes]   # the n-th pull request (from 0) -> the answer's body


def _credentials() -> DeviceCredentials:
    key = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                     NoEncryption())
    return DeviceCredentials("dev-decode", key, (), IN_PROCESS_URL)


def _record(seq: int, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    fields = {"name": f"record {seq}"} if fields is None else fields
    return {"entity": "case", "entity_id": str(uuid.uuid4()), "seq": seq, "fields": fields,
            "versions": {name: str(uuid.uuid4()) for name in fields}}


def _page(records: list[dict[str, Any]], next_cursor: int, has_more: bool) -> dict[str, Any]:
    return {"records": records, "conflicts": [], "next_cursor": next_cursor,
            "has_more": has_more, "server_hlc": "0000000000001-0000-server"}


class Server:
    """A fake sync server: pull pages from ``handler``; every request counted. A client
    still asking after 20 pulls is refused (a 400), so a loop fails the test, never hangs."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.pulls: list[int] = []   # the cursor of each pull request

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/pull":
            return httpx.Response(404, json={"error": "not_found", "detail": "not here"})
        self.pulls.append(int(json.loads(request.read())["cursor"]))
        if len(self.pulls) > 20:
            return httpx.Response(400, json={"error": "looping", "detail": "stop asking"})
        return httpx.Response(200, content=self.handler(len(self.pulls) - 1),
                              headers={"Content-Type": "application/json"})


def _sync(server: Server, replica: MemoryReplica | None = None) -> MemoryReplica:
    replica = replica or MemoryReplica("dev-decode")
    with SyncClient(IN_PROCESS_URL, replica, _credentials(), retry=FAST_RETRY,
                    transport=httpx.MockTransport(server), page_size=2) as client:
        client.sync()
    return replica


def test_a_page_cut_off_is_retried_then_reported_unreachable() -> None:
    body = json.dumps(_page([_record(1), _record(2)], 2, False)).encode()
    server = Server(lambda n: body[:len(body) // 2])
    replica = MemoryReplica("dev-decode")
    with pytest.raises(ServerUnreachable, match="not JSON"):
        _sync(server, replica)
    assert len(server.pulls) == FAST_RETRY.attempts
    assert replica.cursor() == 0
    assert not replica.records


def test_a_page_cut_off_once_is_fetched_again_and_applied() -> None:
    body = json.dumps(_page([_record(1), _record(2)], 2, False)).encode()
    server = Server(lambda n: body[:-1] if n == 0 else body)
    replica = _sync(server)
    assert server.pulls == [0, 0]
    assert replica.cursor() == 2
    assert len(replica.records) == 2


@pytest.mark.parametrize("change", [
    {"next_cursor": "two"},
    {"has_more": [True]},
    {"records": [{"entity": "case", "entity_id": "not a uuid", "seq": 1, "fields": {},
                  "versions": {}}]},
    {"records": [_record(1) | {"seq": [1]}]},
    {"records": [_record(1) | {"fields": ["a", "list"]}]},
    {"unexpected": 1},
], ids=["cursor as text", "flag as a list", "bad id", "seq as a list", "fields as a list",
        "unknown field"])
def test_a_page_of_the_wrong_shape_fails_at_once_and_applies_nothing(
        change: dict[str, Any]) -> None:
    body = json.dumps(_page([_record(1), _record(2)], 2, False) | change).encode()
    server = Server(lambda n: body)
    replica = MemoryReplica("dev-decode")
    # a SyncError, so the background sync reports it and lives on; by place and kind only
    with pytest.raises(ServerMisbehaved, match="not what the protocol allows") as refused:
        _sync(server, replica)
    assert "not a uuid" not in str(refused.value)
    assert "a list" not in str(refused.value)
    assert server.pulls == [0]   # not retried: asking again would bring the same page
    assert replica.cursor() == 0
    assert not replica.records


@pytest.mark.parametrize("next_cursor", [0, -1], ids=["same cursor", "behind the cursor"])
def test_a_page_with_more_that_does_not_move_the_cursor_on_is_refused(
        next_cursor: int) -> None:
    server = Server(lambda n: json.dumps(_page([_record(1)], next_cursor, True)).encode())
    replica = MemoryReplica("dev-decode")
    with pytest.raises(ServerMisbehaved, match="says there is more"):
        _sync(server, replica)
    assert server.pulls == [0]
    assert replica.cursor() == 0
    assert not replica.records


def test_a_later_page_that_stops_moving_is_refused_after_the_pages_before_it() -> None:
    pages = [_page([_record(1), _record(2)], 2, True), _page([_record(3)], 2, True)]
    server = Server(lambda n: json.dumps(pages[min(n, 1)]).encode())
    replica = MemoryReplica("dev-decode")
    with pytest.raises(ServerMisbehaved):
        _sync(server, replica)
    assert server.pulls == [0, 2]
    assert replica.cursor() == 2
    assert len(replica.records) == 2


def test_text_only_json_reads_arrives_exactly() -> None:
    """A lone surrogate (the server sends it as a JSON escape) and nesting deeper than
    pydantic-core's limit: both are refused by pydantic-core's parser, read by `json`."""
    deep: Any = "bottom"
    for _ in range(300):
        deep = [deep]
    fields = {"surrogate": "half a pair \ud800 here", "deep": deep, "emoji": "calm 😀"}
    body = json.dumps(_page([_record(1, fields)], 1, False)).encode()
    assert b"\\ud800" in body
    with pytest.raises(ValidationError):
        PullResponse.model_validate_json(body)   # what the fallback is for
    replica = _sync(Server(lambda n: body))
    [record] = replica.records.values()
    assert record.fields == fields


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**80, max_value=2**80)
    | st.floats(allow_nan=False) | st.text(st.characters(exclude_categories=()))
    | st.sampled_from(["\ud800", "a \udc00 b"]),   # lone surrogates, for `json` to read
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(fields=st.dictionaries(st.text(min_size=1), _JSON, max_size=5),
       ensure_ascii=st.booleans())
def test_both_parsers_give_the_same_page(fields: dict[str, Any], ensure_ascii: bool) -> None:
    body = json.dumps(_page([_record(7, fields)], 7, False), ensure_ascii=ensure_ascii)
    try:
        raw = body.encode()
    except UnicodeEncodeError:   # a lone surrogate, unescaped: no server sends that
        return
    page = decode_answer(raw, PullResponse)
    assert page == PullResponse.model_validate(json.loads(raw))
    assert _same_json(page.records[0].fields, fields)


def _same_json(a: Any, b: Any) -> bool:
    """Equal, with -0.0 told from 0.0 and a float from an int of the same value."""
    if isinstance(a, float) or isinstance(b, float):
        return (type(a) is type(b) and a == b
                and math.copysign(1.0, a) == math.copysign(1.0, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same_json, a, b))
    return type(a) is type(b) and bool(a == b)
