"""The HTTP API in process: push/pull, duplicates, schema versions, cursors, limits, errors."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
import sqlalchemy as sa
from sync_harness import IN_PROCESS_URL, Harness

from sync.client.transport import SignedSession
from sync.protocol import (
    MAX_OPS_PER_PUSH,
    OpStatus,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    site_id_for,
)
from sync.server import routes
from sync.server import schema as t
from sync.server.seq_reservations import ReservationLost

SITE = str(site_id_for("Leeds Custody"))


def raw_client(harness: Harness) -> httpx.Client:
    return httpx.Client(base_url=IN_PROCESS_URL, transport=harness.bridge)


def test_site_ids_are_deterministic_and_normalised() -> None:
    assert site_id_for("  Leeds   CUSTODY ") == site_id_for("leeds custody")
    assert site_id_for("Leeds") != site_id_for("Wakefield")
    with pytest.raises(ValueError, match="empty"):
        site_id_for("   ")


def test_enrolment_binds_sites_and_the_code_is_single_use(harness: Harness) -> None:
    code = harness.code("Leeds Custody", "Wakefield Court")
    from sync.client import EnrolmentRefused, enrol

    creds = enrol(IN_PROCESS_URL, code, "desk 1", transport=harness.bridge)
    assert {s.name for s in creds.sites} == {"Leeds Custody", "Wakefield Court"}
    assert {s.id for s in creds.sites} == {str(site_id_for("leeds custody")),
                                           str(site_id_for("wakefield court"))}
    with pytest.raises(EnrolmentRefused):
        enrol(IN_PROCESS_URL, code, "desk 2", transport=harness.bridge)
    with pytest.raises(EnrolmentRefused):
        enrol(IN_PROCESS_URL, "AAAA-BBBB-CCCC-DDDD", "desk 3", transport=harness.bridge)


def test_a_push_that_cannot_keep_its_numbers_is_busy_not_an_error(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    def always_lost(*_args: object) -> object:
        raise ReservationLost("sequence reservation 1 expired before commit")

    monkeypatch.setattr(routes, "push_ops", always_lost)
    replica, client = harness.replica("Leeds Custody")
    replica.upsert("case", uuid.uuid4(), {"status": "open"}, sites=[SITE])
    body = json.dumps(PushRequest(ops=replica.pending_ops(10)).model_dump(mode="json")).encode()
    response = client.session._send("POST", "/v1/push", body)
    assert response.status_code == 503                 # a status the client retries
    assert response.json()["error"] == "busy"


def test_repeated_push_returns_the_recorded_result(harness: Harness) -> None:
    replica, client = harness.replica("Leeds Custody")
    replica.upsert("case", uuid.uuid4(), {"status": "open"}, sites=[SITE])
    ops = replica.pending_ops(10)
    session = client.session
    first = PushResponse.model_validate(session.call(
        "POST", "/v1/push", PushRequest(ops=ops).model_dump(mode="json")))
    second = PushResponse.model_validate(session.call(
        "POST", "/v1/push", PushRequest(ops=ops).model_dump(mode="json")))
    assert first.results[0].status is OpStatus.APPLIED
    assert second.results[0].status is OpStatus.DUPLICATE
    assert second.results[0].server_seq == first.results[0].server_seq
    with harness.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.ops)).scalar_one() == 1


def test_unknown_schema_version_is_rejected_and_stays_queued(harness: Harness) -> None:
    replica, client = harness.replica("Leeds Custody")
    replica.schema_version = 99
    replica.upsert("case", uuid.uuid4(), {"status": "open"}, sites=[SITE])
    replica.schema_version = 1
    replica.upsert("case", uuid.uuid4(), {"status": "new"}, sites=[SITE])
    report = client.sync()
    assert report.rejected == 1
    assert report.pushed == 1
    assert "schema version 99" in report.rejections[0]
    assert len(replica.pending_ops(10)) == 1
    assert replica.errors


def test_pull_pages_and_unknown_cursor_resets(harness: Harness) -> None:
    writer, writer_client = harness.replica("Leeds Custody")
    for n in range(25):
        writer.upsert("case", uuid.uuid4(), {"n": n}, sites=[SITE])
    writer_client.sync()
    reader, reader_client = harness.replica("Leeds Custody")
    reader_client.page_size = 7
    pages: list[int] = []
    reader_client.progress = lambda p: pages.append(p.pulled) if p.phase == "pull" else None
    report = reader_client.sync()
    assert report.pulled == 25
    assert len(pages) == 4
    assert len(reader.state()) == 25
    reader._cursor = 10_000
    report = reader_client.sync()
    assert report.cursor_reset
    assert report.pulled == 25
    assert report.cursor == report.server_seq


def test_openapi_is_served(harness: Harness) -> None:
    with raw_client(harness) as client:
        schema = client.get("/openapi.json").json()
    assert "/v1/push" in schema["paths"]
    assert "/v1/enrol" in schema["paths"]


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/v1/enrol", b"{not json", 422, "invalid_request"),
    ("/v1/enrol", b'{"code": 1}', 422, "invalid_request"),
    ("/v1/enrol", json.dumps({"code": "ABCD-EFGH", "public_key": "x" * 44,
                              "device_name": "d"}).encode(), 422, "invalid_request"),
    ("/v1/enrol", b"[]", 422, "invalid_request"),
    ("/v1/push", b"{}", 401, "unsigned"),
    ("/v1/nowhere", b"{}", 404, "not_found"),
])
def test_malformed_requests_get_a_clear_4xx(harness: Harness, path: str, body: bytes,
                                            status: int, code: str) -> None:
    with raw_client(harness) as client:
        response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["detail"]


def test_malformed_signed_bodies_get_a_clear_4xx(harness: Harness) -> None:
    _replica, client = harness.replica("Leeds Custody")
    session: SignedSession = client.session
    from sync.client import ServerRefused

    for payload in ({"ops": "nope"}, {"ops": [{"op_id": "x"}]}, {"cursor": -1},
                    {"protocol": 7, "ops": []}, [1, 2]):
        path = "/v1/pull" if "cursor" in str(payload) else "/v1/push"
        with pytest.raises(ServerRefused) as refused:
            session.call("POST", path, payload)
        assert 400 <= refused.value.status < 500


def test_oversized_requests_are_refused(harness: Harness) -> None:
    limit = harness.app.state.sync.settings.max_body_bytes
    with raw_client(harness) as client:
        response = client.post("/v1/enrol", content=b"x" * (limit + 1))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    with pytest.raises(ValueError, match="at most"):
        PushRequest(ops=[None] * (MAX_OPS_PER_PUSH + 1))  # type: ignore[list-item]


def test_pull_request_limit_validated() -> None:
    with pytest.raises(ValueError, match="less than or equal"):
        PullRequest(cursor=0, limit=10**6)
    assert PullResponse(records=[], conflicts=[], next_cursor=0, has_more=False, server_hlc="x")


def test_a_client_that_hangs_up_mid_body_is_not_a_server_error(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """A workstation killed while sending its sync: the body stops half-way. The server
    answers calmly and logs no error (the old code logged "unexpected server error" and
    let the exception out of the application)."""
    import asyncio

    signature_input = ('sig1=("@method" "@path" "content-digest");created=1;'
                       f'nonce="{"0" * 16}";keyid="device-1";alg="ed25519"')
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/sync", "raw_path": b"/v1/sync",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80),
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"100"),
                         (b"signature-input", signature_input.encode())]}
    incoming = [{"type": "http.request", "body": b'{"cursor": ', "more_body": True},
                {"type": "http.disconnect"}]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    with caplog.at_level("INFO", logger="sync.server.errors"):
        asyncio.run(harness.app(scope, receive, send))
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 400, sent
    assert b"client_disconnected" in sent[1]["body"], sent  # type: ignore[operator]
    assert "hung up" in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
