"""FastAPI dependencies as `Annotated` aliases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from sync.hlc import HybridLogicalClock
from sync.server.authentication import AuthedDevice, PublicKeys, check_request
from sync.server.op_checks import FieldSchema
from sync.server.registry import RegistryError
from sync.server.settings import ServerSettings
from sync.signing import SignatureError, parse_signature_input


@dataclass(frozen=True)
class ServerState:
    settings: ServerSettings
    engine: Engine
    clock: HybridLogicalClock
    schema: FieldSchema | None = None
    keys: PublicKeys = field(default_factory=PublicKeys)


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.sync
    return state


async def get_state(request: Request) -> ServerState:
    """Async, so FastAPI answers it on the event loop rather than in a worker thread."""
    return _state(request)


async def authenticate(request: Request) -> AuthedDevice:
    """Check the RFC 9421 style signature of the request against the device registry."""
    state = _state(request)
    try:
        params = parse_signature_input(request.headers.get("signature-input"))
    except SignatureError as exc:
        raise RegistryError(401, "unsigned", str(exc)) from exc
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return await run_in_threadpool(
        check_request, state.engine, state.keys, params, request.method, path, body,
        request.headers.get("content-digest"), request.headers.get("signature"),
        state.settings.nonce_ttl_seconds)


State = Annotated[ServerState, Depends(get_state)]
Device = Annotated[AuthedDevice, Depends(authenticate)]
