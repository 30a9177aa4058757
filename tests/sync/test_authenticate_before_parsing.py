"""Every signed route with a body authenticates before its body is parsed (found by review,
30/11/2026): FastAPI parsed `/v1/push`'s and `/v1/pull`'s JSON before it checked the
signature, so anyone, unsigned, could have a server process parse up to 16 MB of JSON on
its event loop. The proof is the order of the refusals: a body that is not JSON, sent
unsigned or signed by the wrong key, is refused as unsigned (401), not as invalid (422),
and the parser is never called."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sync_harness import IN_PROCESS_URL, Harness

from sync.protocol import PullRequest, PushRequest
from sync.signing import sign_request

NOT_JSON = b'{"ops": [' + b"{" * 2000

SIGNED_WITH_BODY = ["/v1/push", "/v1/pull", "/v1/audit", "/v1/persons/lookup",
                    "/v1/authority/root", "/v1/sync"]


def post(harness: Harness, path: str, body: bytes,
         headers: dict[str, str] | None = None) -> httpx.Response:
    with httpx.Client(base_url=IN_PROCESS_URL, transport=harness.bridge) as client:
        return client.post(path, content=body,
                           headers={"content-type": "application/json", **(headers or {})})


@pytest.fixture
def parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time a request's body is parsed as JSON by Starlette (what FastAPI calls)."""
    from starlette.requests import Request
    calls: list[str] = []
    original = Request.json

    async def counted(self: Request) -> object:
        calls.append(self.url.path)
        return await original(self)

    monkeypatch.setattr(Request, "json", counted)
    return calls


@pytest.mark.parametrize("path", SIGNED_WITH_BODY)
def test_an_unsigned_body_is_refused_before_it_is_parsed(
        harness: Harness, parsing: list[str], path: str) -> None:
    response = post(harness, path, NOT_JSON)
    assert (response.status_code, response.json()["error"]) == (401, "unsigned")
    assert parsing == []


@pytest.mark.parametrize("path", SIGNED_WITH_BODY)
def test_a_body_signed_by_another_key_is_refused_before_it_is_parsed(
        harness: Harness, parsing: list[str], path: str) -> None:
    creds = harness.enrol()
    parsing.clear()                     # the enrolment's own body
    headers = sign_request(Ed25519PrivateKey.generate(), creds.device_id, "POST", path,
                           NOT_JSON)
    response = post(harness, path, NOT_JSON, headers)
    assert (response.status_code, response.json()["error"]) == (401, "bad_signature")
    assert parsing == []


def test_a_signed_body_is_authenticated_once_and_its_nonce_spent_once(
        harness: Harness) -> None:
    """The route's own `Device` takes the device found before parsing: checking again would
    find the nonce spent and refuse every request as a replay."""
    creds = harness.enrol()
    for path, body in (("/v1/pull", PullRequest(cursor=0).model_dump_json().encode()),
                       ("/v1/push", PushRequest(ops=[]).model_dump_json().encode())):
        headers = sign_request(creds.signing_key(), creds.device_id, "POST", path, body)
        assert post(harness, path, body, headers).status_code == 200
        again = post(harness, path, body, headers)
        assert (again.status_code, again.json()["error"]) == (401, "replayed")


def test_a_signed_body_that_is_not_json_is_still_refused_as_invalid(
        harness: Harness) -> None:
    creds = harness.enrol()
    headers = sign_request(creds.signing_key(), creds.device_id, "POST", "/v1/push", NOT_JSON)
    response = post(harness, "/v1/push", NOT_JSON, headers)
    assert (response.status_code, response.json()["error"]) == (422, "invalid_request")


def test_enrolment_stays_open_and_unknown_routes_are_not_found(harness: Harness) -> None:
    assert post(harness, "/v1/enrol", b"{}").status_code == 422       # unsigned by design
    assert post(harness, "/v1/nowhere", b"{}").status_code == 404
    assert post(harness, "/v1/health", b"{}").status_code == 405
