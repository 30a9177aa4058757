"""Schemathesis against the server's own OpenAPI schema, on SQLite and PostgreSQL, with and
without valid signatures: 0 server errors and 0 answers that break the schema. Signed
requests pass through an ASGI wrapper that signs each generated request exactly as sent,
as an enrolled device would (so generated bodies reach the handlers, not only the
signature check). Bounded in examples to keep the run short."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.server import ServerSettings, create_app
from sync.server.registry import enrol_device, issue_enrol_code
from sync.signing import sign_request
from sync.wire import EnrolRequest

SIGNATURE_HEADERS = {b"signature", b"signature-input", b"content-digest"}


class SigningDevice:
    """Signs every request with an enrolled device's key before the server sees it."""

    def __init__(self, app: ASGIApp, key: Ed25519PrivateKey, device_id: str) -> None:
        self.app, self.key, self.device_id = app, key, device_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        query = scope.get("query_string", b"").decode("latin-1")
        path = scope["path"] + (f"?{query}" if query else "")
        signed = sign_request(self.key, self.device_id, scope["method"], path, body)
        headers = [h for h in scope["headers"] if h[0].lower() not in SIGNATURE_HEADERS]
        headers += [(name.lower().encode(), value.encode()) for name, value in signed.items()]
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)


@pytest.fixture(params=["unsigned", "signed"])
def api(request: pytest.FixtureRequest, server_settings: ServerSettings) -> Iterator[Any]:
    app = create_app(server_settings)
    engine = app.state.sync.engine
    target: ASGIApp = app
    if request.param == "signed":
        key = Ed25519PrivateKey.generate()
        public = base64.b64encode(key.public_key().public_bytes_raw()).decode()
        device = enrol_device(engine, EnrolRequest(
            code=issue_enrol_code(engine, ["Leeds Custody"]), public_key=public,
            device_name="schemathesis"))
        target = SigningDevice(app, key, device.device_id)
    yield schemathesis.openapi.from_asgi("/openapi.json", target)
    engine.dispose()


def test_no_server_errors_and_answers_fit_the_schema(api: Any) -> None:
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        call()
