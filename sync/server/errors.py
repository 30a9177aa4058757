"""Every refusal is a JSON `ErrorBody` with a machine-readable code; never a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from sync.protocol import ErrorBody
from sync.server.registry import RegistryError
from sync.server.seq_reservations import ReservationLost

log = logging.getLogger(__name__)
REVOKED_HEADER = "LD-Sync-Action"     # "wipe" on a revoked device's responses

_HTTP_CODES = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 411: "length_required", 413: "too_large",
               415: "unsupported_media_type", 422: "invalid_request"}


def error_response(status: int, code: str, detail: str,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if code == "device_revoked":
        headers[REVOKED_HEADER] = "wipe"
    body = ErrorBody(error=code, detail=detail).model_dump()
    return JSONResponse(body, status_code=status, headers=headers or None)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RegistryError)
    async def _registry(_request: Request, exc: RegistryError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Location and message only: the offending input may be personal data.
        problems = [
            f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}"
            for error in exc.errors()[:10]
        ]
        return error_response(422, "invalid_request", "; ".join(problems) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        # keep the exception's headers: a 405 must say which methods are allowed (Allow)
        return error_response(exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(ReservationLost)
    async def _busy(_request: Request, _exc: ReservationLost) -> JSONResponse:
        # a push retried five times and still lost its sequence numbers: the client retries
        return error_response(503, "busy", "the server is busy; try the sync again")

    @app.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _exc: ClientDisconnect) -> JSONResponse:
        # A workstation killed or cut off while sending: nothing was read, nothing was
        # written, and it sends the same request again next time. Expected, not an error.
        log.info("a client hung up before its request was read")
        return error_response(400, "client_disconnected", "the request was not received whole")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected server error: %s", type(exc).__name__)
        return error_response(500, "internal", "unexpected server error")
