"""Authenticate before parsing: ASGI middleware for the signed routes that take a body.

FastAPI reads and parses a route's JSON body before it solves the route's dependencies, so
a device was authenticated only after its body had been parsed: anyone, unsigned, could
make a server process parse up to `max_body_bytes` of JSON on its event loop (an 8.7 MB
body to `/v1/push` held it for 0.7 s before the 401). Here the body is read, the request's
signature checked in a worker thread (`deps.authenticated`: device key, digest, nonce),
and only then is the request passed on, its body replayed, with the device for the route's
`Device` dependency, which takes it rather than checking (and spending the nonce) again.

Which routes: of the routers' routes it is given (`app.create_app` gives them all), every
one whose dependencies include `deps.authenticate`, for the methods that carry a body (so
a new signed route on those routers is covered without a list to keep). `/v1/sync` reads
and authenticates its own body first and is not one of them; `/v1/enrol` is unsigned by
design."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect, Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.server.deps import AUTHENTICATED, authenticate, authenticated, signed_request, state_of
from sync.server.errors import error_response
from sync.server.registry import RegistryError

log = logging.getLogger(__name__)
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuthenticateBeforeParsing:
    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.signed = [route for route in routes if isinstance(route, APIRoute)
                       and bool((route.methods or set()) & _WITH_BODY)
                       and _authenticates(route.dependant)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in _WITH_BODY
                or not any(route.path_regex.match(scope["path"]) for route in self.signed)):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            signed = await signed_request(request)
            device = await run_in_threadpool(authenticated, state_of(request), signed)
        except RegistryError as exc:
            await error_response(exc.status, exc.code, exc.detail)(scope, receive, send)
            return
        except ClientDisconnect:
            log.info("a client hung up before its request was read")
            return
        scope.setdefault("state", {})[AUTHENTICATED] = device
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": signed.body, "more_body": False}
            return await receive()          # after the body: a disconnect, if any

        await self.app(scope, replay, send)


def _authenticates(dependant: Dependant) -> bool:
    return any(dependency.call is authenticate or _authenticates(dependency)
               for dependency in dependant.dependencies)
