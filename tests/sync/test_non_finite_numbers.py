"""A number JSON cannot carry (NaN, Infinity, -Infinity: Python's `json` reads and writes
them, PostgreSQL's JSON refuses them) in an op's fields, pushed by an enrolled device that
signs its requests with the project's own code, on SQLite and PostgreSQL: the op is refused
alone, with its reason; the ops beside it are stored, the next push works, nothing fails
with a server error and the log carries none of the records' data."""

from __future__ import annotations

import json
import logging
import math
import uuid
from typing import Any

import pytest
from attacker import LEEDS, Attacker, person_fields
from sync_harness import Harness

NON_FINITE: dict[str, Any] = {
    "nan": {"score": math.nan},
    "infinity": {"score": math.inf},
    "minus infinity": {"score": -math.inf},
    "nan in a list in an object": {"history": [{"steps": [1, 2, math.nan]}]},
}


def _push_with_one_bad_op(leeds: Attacker, detail: dict[str, Any], path: str
                          ) -> tuple[list[dict[str, Any]], list[uuid.UUID]]:
    good = [uuid.uuid4(), uuid.uuid4()]
    ops = [leeds.op("person", good[0], person_fields(LEEDS), sites=[LEEDS]),
           leeds.op("person", uuid.uuid4(), person_fields(LEEDS, merge_detail=detail),
                    sites=[LEEDS]),
           leeds.op("person", good[1], person_fields(LEEDS), sites=[LEEDS])]
    request: dict[str, Any] = {"protocol": 1, "ops": ops}
    if path == "/v1/sync":
        request["cursor"] = 0
    body = json.dumps(request)
    assert "NaN" in body or "Infinity" in body          # the literal token on the wire
    response = leeds.request("POST", path, raw=body.encode())
    assert response.status_code == 200, response.text[:500]
    answer = response.json()
    results: list[dict[str, Any]] = (answer["push"] if path == "/v1/sync" else answer
                                     )["results"]
    return results, good


@pytest.mark.parametrize("path", ["/v1/push", "/v1/sync"])
@pytest.mark.parametrize("detail", NON_FINITE.values(), ids=NON_FINITE.keys())
def test_a_non_finite_number_is_refused_alone(
        strict_harness: Harness, detail: dict[str, Any], path: str,
        caplog: pytest.LogCaptureFixture) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    with caplog.at_level(logging.DEBUG):
        results, good = _push_with_one_bad_op(leeds, detail, path)
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"], results
    assert results[1]["error"] == "the op's fields hold NaN or infinity, which JSON cannot carry"
    pulled = leeds.pull_all()
    assert {("person", str(record)) for record in good} <= set(pulled)
    assert len(pulled) == 2
    after = uuid.uuid4()
    assert leeds.push(leeds.op("person", after, person_fields(LEEDS), sites=[LEEDS])
                      )[0]["status"] == "applied"
    assert ("person", str(after)) in leeds.pull_all()
    assert "Fictional" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_server_without_a_field_schema_refuses_it_too(harness: Harness) -> None:
    leeds = Attacker.enrolled_for(harness, "Leeds Custody")
    results, good = _push_with_one_bad_op(leeds, NON_FINITE["nan"], "/v1/push")
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"], results
    assert {("person", str(record)) for record in good} <= set(leeds.pull_all())
