"""The body of `/v1/sync` is parsed and validated by pydantic-core from the bytes (issue 17:
half the CPU of `json.loads` then validating), and accepts and refuses exactly what
`json.loads` then validating did, with the same values and the same refusals."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError

from sync.memory_replica import MemoryReplica
from sync.protocol import PushRequest, SyncRequest
from sync.server import routes


def _parsed(body: bytes) -> SyncRequest | list[Any]:
    try:
        return routes.sync_body(body)
    except RequestValidationError as exc:
        return list(exc.errors())


def _as_before(body: bytes) -> SyncRequest | list[Any]:
    """What the body answered before: `json.loads`, then the model."""
    try:
        return SyncRequest.model_validate(json.loads(body))
    except ValueError as exc:
        errors = exc.errors() if hasattr(exc, "errors") else [
            {"loc": (), "msg": "the body is not JSON", "type": "json_invalid"}]
        return [{**error, "loc": ("body", *error["loc"])} for error in errors]


def _body(fields: dict[str, Any] | None = None, **extra: Any) -> bytes:
    replica = MemoryReplica("dev")
    for n in range(3):
        replica.upsert("case", uuid.uuid4(), fields or {"n": n}, sites=["site-a"])
    push = PushRequest(ops=replica.pending_ops(10)).model_dump(mode="json")
    return json.dumps({**push, "cursor": 5, "limit": 100, **extra},
                      separators=(",", ":")).encode()


def test_an_ordinary_body_is_parsed_without_json_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    body = _body({"name": "Ann", "n": 2**70, "x": 1.5e300, "nested": [None, True, "à 😀"]})

    def refused(_text: bytes) -> None:
        raise AssertionError("json.loads used")

    expected = _as_before(body)
    monkeypatch.setattr(routes.json, "loads", refused)
    assert _parsed(body) == expected


AWKWARD_BODIES = [
    _body({"pasted": "half \ud800 pair"}),                   # escaped lone surrogate: kept
    _body().replace(b'"n":0', b'"\\udc00":0'),                 # one in a name
    _body().replace(b'"n":1', b'"n":"\xed\xa0\x80"'),          # as bytes (surrogatepass)
    b"\xef\xbb\xbf" + _body(),                                  # a byte order mark
    _body().decode().encode("utf-16"),                          # UTF-16
    _body().replace(b'"n":1', b'"n":NaN'),                     # JSON has no NaN: refused later
    _body().replace(b'"n":1', b'"n":-Infinity'),
    _body().replace(b'"n":1', b'"n":1e400'),
    _body().replace(b'"n":1', b'"n":1,"n":2'),                 # duplicate name: the last
    _body(limit=0),                                             # refused by the model
    _body(cursor=-1),
    _body(protocol=True),
    _body(smuggled="Fictional-Secret-Name"),
    _body().replace(b'"cursor":5', b'"cursor":5.0'),
    b'{"protocol": 1, "ops": [',                                # not JSON
    b'{"protocol": 1, "ops": [], "cursor": 0} trailing',
    b"",
    b"\xff\xfe\x00",
]


@pytest.mark.parametrize("body", AWKWARD_BODIES)
def test_awkward_bodies_give_what_they_gave_before(body: bytes) -> None:
    assert repr(_parsed(body)) == repr(_as_before(body))     # repr: NaN equals itself
