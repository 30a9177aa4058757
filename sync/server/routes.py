"""HTTP endpoints. Handlers are plain functions (run in the threadpool): the database is sync."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from sync.authority_wire import AdminBootstrap, AuthorityRoot
from sync.lookup import LookupList, PersonLookupRequest, PersonLookupResponse
from sync.protocol import (
    PROTOCOL_VERSION,
    ErrorBody,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    SyncRequest,
    SyncResponse,
)
from sync.server import authority, directory_store, person_lookup, registry
from sync.server.deps import (
    Device,
    ServerState,
    SignedRequest,
    State,
    authenticated,
    signed_request,
    state_of,
)
from sync.server.pull_store import pull_page, wire_json
from sync.server.push_store import push_ops
from sync.server.registry import RegistryError
from sync.wire import DeviceInfo, DeviceNames, EnrolRequest, EnrolResponse, SiteList

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 405, 409, 411, 413, 422, 503)
}
router = APIRouter(prefix="/v1", responses=_ERRORS)


def _check_protocol(protocol: int) -> None:
    if protocol != PROTOCOL_VERSION:
        raise RegistryError(400, "unsupported_protocol",
                            f"protocol {protocol} unknown; this server speaks {PROTOCOL_VERSION}")


@router.get("/health")
def health() -> dict[str, object]:
    return {"status": "ok", "protocol": PROTOCOL_VERSION}


@router.post("/enrol")
def enrol(body: EnrolRequest, state: State) -> EnrolResponse:
    training = state.settings.training
    if body.training and not training:
        raise RegistryError(403, "training_refused",
                            "this is a live server: it does not enrol training workstations")
    if training and not body.training:
        raise RegistryError(403, "live_refused",
                            "this is a training server: it enrols training workstations only")
    answer = registry.enrol_device(state.engine, body)
    return answer.model_copy(update={"training": training})


@router.get("/device")
def whoami(device: Device, state: State) -> DeviceInfo:
    return registry.device_info(state.engine, device.device_id)


@router.get("/devices/names")
def device_names(device: Device, state: State) -> DeviceNames:
    return DeviceNames(devices=registry.names_at_sites(state.engine, device.sites))


@router.post("/push")
def push(body: PushRequest, device: Device, state: State) -> PushResponse:
    _check_protocol(body.protocol)
    # Client clocks are not merged into the server's: a workstation whose clock jumped a year
    # ahead must not drag the server along. Clients compare their clock with server_hlc.
    results = push_ops(state.engine, device.device_id, device.sites, list(body.ops),
                       state.schema)
    return PushResponse(results=results, server_hlc=state.clock.now().encode())


@router.post("/pull", response_model=PullResponse)
def pull(body: PullRequest, device: Device, state: State) -> Response:
    _check_protocol(body.protocol)
    page = pull_page(state.engine, device.sites, body.cursor, body.limit,
                     state.clock.now().encode())
    return Response(page, media_type="application/json")   # already in the wire shape


def sync_body(body: bytes) -> SyncRequest:
    """The body of `/v1/sync`, validated in one pass by the model, with the same 422 as
    FastAPI's own (location and message only).

    Parsed and validated by pydantic-core straight from the bytes: half the CPU of
    `json.loads` then validating the objects (0.32 against 0.67 ms for 50 ops, issue 17).
    Whatever that refuses is read again as before, by `json.loads`, so what is accepted and
    every refusal's text stay exactly as they were: `json.loads` also takes text pydantic-core
    refuses (a lone surrogate, escaped or as bytes; UTF-16; a byte order mark), and for
    everything both accept the two give the same values (`tests/sync/test_sync_body.py`)."""
    try:
        return SyncRequest.model_validate_json(body)
    except ValidationError:
        pass
    try:
        return SyncRequest.model_validate(json.loads(body))
    except ValueError as exc:   # not JSON, or a json.JSONDecodeError
        errors = exc.errors() if isinstance(exc, ValidationError) else [
            {"loc": (), "msg": "the body is not JSON", "type": "json_invalid"}]
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]) from None


_SYNC_SCHEMA = SyncRequest.model_json_schema(ref_template="#/components/schemas/{model}")
_SYNC_SCHEMA.pop("$defs", None)          # Op and its parts are there through /v1/push
_SYNC_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": _SYNC_SCHEMA}}}}


@router.post("/sync", response_model=SyncResponse, openapi_extra=_SYNC_BODY)
async def sync(request: Request) -> Response:
    """A push and the first pull page in one signed request (one authentication, one round
    trip): the ops are merged exactly as `/v1/push` merges them (each refused alone, with
    its reason), then the page from the cursor is read as `/v1/pull` reads it.

    The signature's header and the body are read here, on the event loop; the rest runs in
    one worker thread (`_sync`): no FastAPI dependency to solve and one thread hop, not two
    (issue 17). The device is authenticated there before its body is parsed."""
    signed = await signed_request(request)
    return await run_in_threadpool(_sync, state_of(request), signed)


def _sync(state: ServerState, signed: SignedRequest) -> Response:
    """Authenticate, validate, merge, read the page. The answer is built as JSON text, not
    validated again through the response model."""
    device = authenticated(state, signed)
    body = sync_body(signed.body)
    _check_protocol(body.protocol)
    results = push_ops(state.engine, device.device_id, device.sites, list(body.ops),
                       state.schema)
    pushed = PushResponse(results=results, server_hlc=state.clock.now().encode())
    page = pull_page(state.engine, device.sites, body.cursor, body.limit,
                     state.clock.now().encode())
    return Response(b'{"push":' + wire_json(pushed).encode() + b',"pull":' + page
                    + b"}", media_type="application/json")


@router.post("/authority/root")
def register_root(body: AdminBootstrap, device: Device, state: State) -> AuthorityRoot:
    """The first administrator's key, with a one-time admin code (once per service)."""
    return authority.register_root(state.engine, device.device_id, body)


@router.get("/authority/root")
def root(_device: Device, state: State) -> AuthorityRoot:
    found = authority.current_root(state.engine)
    if found is None:
        raise RegistryError(404, "no_admin", "no administrator is registered with this server "
                                             "yet (ld-sync-server admin-code)")
    return found


@router.post("/persons/lookup")
def look_up_person(body: PersonLookupRequest, device: Device, state: State
                   ) -> PersonLookupResponse:
    """Find a person first seen at another site (exact match only), recorded, and share the
    people found with the device's site named in the request."""
    return person_lookup.look_up(state.engine, device, body)


@router.get("/persons/{person_id}/lookups")
def person_lookups(person_id: uuid.UUID, device: Device, state: State) -> LookupList:
    """Who looked this person up, from which site, for which case."""
    return person_lookup.lookups_of(state.engine, device, person_id)


@router.get("/directory/sites")
def sites(_device: Device, state: State) -> SiteList:
    return SiteList(sites=directory_store.list_sites(state.engine))


# There is no staff endpoint: the staff directory changes only as admin-signed `staff` ops
# through /push (sync.server.authority), so no device can write it unsigned.
