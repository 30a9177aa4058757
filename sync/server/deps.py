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
from sync.signing import SignatureError, SignatureParams, parse_signature_input


@dataclass(frozen=True)
class ServerState:
    settings: ServerSettings
    engine: Engine
    clock: HybridLogicalClock
    schema: FieldSchema | None = None
    keys: PublicKeys = field(default_factory=PublicKeys)


def state_of(request: Request) -> ServerState:
    state: ServerState = request.app.state.sync
    return state


async def get_state(request: Request) -> ServerState:
    """Async, so FastAPI answers it on the event loop rather than in a worker thread."""
    return state_of(request)


@dataclass(frozen=True)
class SignedRequest:
    """What checking a request's signature needs, read on the event loop; checked in a
    worker thread (`authenticated`), since that asks the database."""

    params: SignatureParams
    method: str
    path: str
    body: bytes
    digest: str | None
    signature: str | None


async def signed_request(request: Request) -> SignedRequest:
    """The signature's parameters (refused at once if missing or malformed) and the body."""
    try:
        params = parse_signature_input(request.headers.get("signature-input"))
    except SignatureError as exc:
        raise RegistryError(401, "unsigned", str(exc)) from exc
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return SignedRequest(params, request.method, path, body,
                         request.headers.get("content-digest"), request.headers.get("signature"))


def authenticated(state: ServerState, signed: SignedRequest) -> AuthedDevice:
    """Check the RFC 9421 style signature of the request against the device registry."""
    return check_request(state.engine, state.keys, signed.params, signed.method, signed.path,
                         signed.body, signed.digest, signed.signature,
                         state.settings.nonce_ttl_seconds)


#: where `signed_first.AuthenticateBeforeParsing` leaves the device it authenticated
AUTHENTICATED = "ld_authenticated_device"


async def authenticate(request: Request) -> AuthedDevice:
    """`authenticated`, as a dependency: a worker thread of its own, before the handler's.
    A route with a body was authenticated before its body was parsed
    (`signed_first`): the device found then, not checked (nor its nonce spent) twice."""
    found: AuthedDevice | None = request.scope.get("state", {}).get(AUTHENTICATED)
    if found is not None:
        return found
    signed = await signed_request(request)
    return await run_in_threadpool(authenticated, state_of(request), signed)


State = Annotated[ServerState, Depends(get_state)]
Device = Annotated[AuthedDevice, Depends(authenticate)]
