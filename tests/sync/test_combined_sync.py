"""`POST /v1/sync`: a push and the first pull page in one signed request (issue 17), attacked
as a hostile workstation would on SQLite and PostgreSQL: a forged or poisoned op in it is
refused alone while the rest is applied and pulled, a malformed or tampered request changes
nothing, and the real client uses it, or falls back to push and pull on an older server."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from attacker import LEEDS, YORK, Attacker, note_fields, person_fields
from sync_harness import FAST_RETRY, IN_PROCESS_URL, Harness

from sync.client import SyncClient
from sync.signing import sign_request


def _sync(attacker: Attacker, *ops: dict[str, Any], cursor: int = 0,
          limit: int = 500) -> httpx.Response:
    return attacker.request("POST", "/v1/sync", {"protocol": 1, "ops": list(ops),
                                                 "cursor": cursor, "limit": limit})


def _pulled(page: dict[str, Any]) -> set[str]:
    return {record["entity_id"] for record in page["records"]}


def test_forged_and_poisoned_ops_are_refused_alone_and_the_rest_is_pulled_back(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    york = Attacker.enrolled_for(strict_harness, "York Custody")
    fine, forged, poison, elsewhere = (uuid.uuid4() for _ in range(4))
    response = _sync(
        leeds,
        leeds.op("person", fine, person_fields(LEEDS), sites=[LEEDS]),
        leeds.op("person", forged, person_fields(LEEDS), sites=[LEEDS],
                 device_id=york.device_id),                 # as if York had made it
        leeds.op("person", poison, person_fields(LEEDS, date_of_birth="not-a-date"),
                 sites=[LEEDS]),
        leeds.op("person", elsewhere, person_fields(YORK), sites=[YORK]))   # not its site
    assert response.status_code == 200, response.text[:300]
    answer = response.json()
    results = answer["push"]["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "rejected"]
    assert "signing device" in results[1]["error"]
    assert "date_of_birth" in results[2]["error"]
    assert "site" in results[3]["error"]
    # the page that came back holds the applied op's record, and nothing refused
    assert _pulled(answer["pull"]) == {str(fine)}
    assert answer["pull"]["has_more"] is False
    # nothing lost: another Leeds workstation pulls the same, York sees none of it
    other = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    assert {key[1] for key in other.pull_all()} == {str(fine)}
    assert york.pull_all() == {}


def test_the_page_is_what_a_pull_from_the_same_cursor_gives(strict_harness: Harness) -> None:
    writer = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    reader = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    people = [uuid.uuid4() for _ in range(5)]
    assert {r["status"] for r in writer.push(*(
        writer.op("person", p, person_fields(LEEDS), sites=[LEEDS]) for p in people))} \
        == {"applied"}
    case = uuid.uuid4()
    note = reader.op("note", uuid.uuid4(), note_fields(LEEDS, case), kind="insert",
                     sites=[LEEDS])
    both = _sync(reader, note, cursor=0, limit=3).json()
    assert both["push"]["results"][0]["status"] == "applied"
    alone = reader.request("POST", "/v1/pull", {"protocol": 1, "cursor": 0, "limit": 3}).json()
    for page in (both["pull"], alone):
        page.pop("server_hlc")
    assert both["pull"] == alone
    assert both["pull"]["has_more"] is True          # three of six: the client pulls on


def test_a_malformed_request_is_refused_whole_and_changes_nothing(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    fine = leeds.op("person", uuid.uuid4(), person_fields(LEEDS), sites=[LEEDS])
    secret = "Fictional-Secret-Name"
    broken = [
        {**leeds.op("person", uuid.uuid4(), person_fields(LEEDS, given_name=secret),
                    sites=[LEEDS]), "device_seq": "7"},              # a number as text
        {**leeds.op("person", uuid.uuid4(), person_fields(LEEDS), sites=[LEEDS]),
         "device_seq": False},                                       # false is not 0
        {key: value for key, value in fine.items() if key != "op_id"},
        {**fine, "smuggled": secret},                                # unknown member
    ]
    for op in broken:
        response = _sync(leeds, fine, op)
        assert response.status_code == 422, response.text[:300]
        assert response.json()["error"] == "invalid_request"
        assert "body" in response.json()["detail"]
        assert secret not in response.text                          # no input echoed
    for body in ({"protocol": 1, "ops": [fine]},                      # no cursor
                 {"protocol": 1, "ops": [fine], "cursor": -1},
                 {"protocol": 1, "ops": [fine], "cursor": 0, "limit": 0},
                 {"protocol": 1, "ops": [fine] * 501, "cursor": 0}):
        assert leeds.request("POST", "/v1/sync", body).status_code == 422
    not_json = leeds.request("POST", "/v1/sync", raw=b'{"protocol": 1, "ops": [')
    assert not_json.status_code == 422
    assert _sync(leeds, fine, cursor=0).json()["push"]["results"][0]["status"] == "applied"
    assert len(leeds.pull_all()) == 1                               # fine, once


def test_unsigned_tampered_replayed_or_unknown_protocol_requests_are_refused(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    op = leeds.op("person", uuid.uuid4(), person_fields(LEEDS), sites=[LEEDS])
    body = json.dumps({"protocol": 1, "ops": [op], "cursor": 0}).encode()
    headers = sign_request(leeds.credentials.signing_key(), leeds.device_id, "POST",
                           "/v1/sync", body)

    def send(content: bytes, signed: dict[str, str]) -> httpx.Response:
        with httpx.Client(base_url="http://127.0.0.1", transport=strict_harness.bridge) as c:
            return c.post("/v1/sync", content=content,
                          headers={"content-type": "application/json", **signed})

    # unsigned, even with a malformed body: refused as unsigned before the body is read
    assert send(b'{"ops": "not a list"}', {}).status_code == 401
    tampered = body.replace(b'"Testy"', b'"Other"')
    refused = send(tampered, headers)
    assert (refused.status_code, refused.json()["error"]) == (401, "bad_signature")
    assert leeds.pull_all() == {}
    assert send(body, headers).status_code == 200
    replayed = send(body, headers)
    assert (replayed.status_code, replayed.json()["error"]) == (401, "replayed")
    assert len(leeds.pull_all()) == 1
    old = leeds.request("POST", "/v1/sync", {"protocol": 99, "ops": [], "cursor": 0})
    assert (old.status_code, old.json()["error"]) == (400, "unsupported_protocol")


class _Counting(httpx.BaseTransport):
    """The harness's transport, counting paths; optionally an older server without
    /v1/sync (answers it 404 as that server's router would)."""

    def __init__(self, inner: httpx.BaseTransport, *, old_server: bool) -> None:
        self.inner, self.old_server, self.paths = inner, old_server, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.old_server and request.url.path == "/v1/sync":
            return httpx.Response(404, json={"error": "not_found", "detail": "Not Found"},
                                  request=request)
        return self.inner.handle_request(request)


def _client_syncs(harness: Harness, *, old_server: bool) -> tuple[list[list[str]], bool | None]:
    writer, writer_client = harness.replica("Leeds Custody")
    reader, reader_client = harness.replica("Leeds Custody")
    site = writer.home_sites[0]
    transport = _Counting(harness.bridge, old_server=old_server)
    creds = reader_client.session.credentials
    assert creds is not None
    client = SyncClient(IN_PROCESS_URL, reader, creds, transport=transport, retry=FAST_RETRY,
                        page_size=4)
    paths = []
    for round_ in range(2):
        for n in range(6):
            writer.upsert("case", uuid.uuid4(), {"n": n, "round": round_}, sites=[site])
        reader.upsert("case", uuid.uuid4(), {"n": 99, "round": round_}, sites=[site])
        writer_client.sync()
        transport.paths.clear()
        report = client.sync()
        assert report.pushed == 1
        paths.append(list(transport.paths))
    assert len(reader.records) == len(writer_client.replica.records) + 1 == 14
    writer_client.sync()
    assert writer.records.keys() == reader.records.keys()
    return paths, client.combined


def test_the_client_pushes_and_pulls_its_first_page_in_one_request(harness: Harness) -> None:
    paths, combined = _client_syncs(harness, old_server=False)
    assert combined is True
    # one outbox batch and 7 new records in pages of 4: /v1/sync, then one more page
    assert paths == [["/v1/sync", "/v1/pull"]] * 2


def test_the_client_falls_back_to_push_and_pull_on_an_older_server(harness: Harness) -> None:
    paths, combined = _client_syncs(harness, old_server=True)
    assert combined is False
    # asked once, then pushes and pulls as before: nothing lost, nothing sent twice
    assert paths[0] == ["/v1/sync", "/v1/push", "/v1/pull", "/v1/pull"]
    assert paths[1] == ["/v1/push", "/v1/pull", "/v1/pull"]
