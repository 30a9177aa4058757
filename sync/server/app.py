"""`create_app(settings)`: the FastAPI application. No engine or app is created at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from sync.hlc import HybridLogicalClock
from sync.protocol import PROTOCOL_VERSION
from sync.server import collector
from sync.server.audit_routes import router as audit_router
from sync.server.database import make_engine, migrate
from sync.server.deps import ServerState
from sync.server.errors import install_error_handlers
from sync.server.limits import BodySizeLimit
from sync.server.op_checks import FieldSchema
from sync.server.routes import router
from sync.server.settings import ServerSettings
from sync.server.signed_first import AuthenticateBeforeParsing


def create_app(settings: ServerSettings) -> FastAPI:
    engine = make_engine(settings.database_url, pool_size=settings.pool_size)
    if settings.auto_migrate:
        migrate(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # as many threads run handlers as the pool holds connections: a request waits for a
        # thread (in order, with no time limit), never for a connection while holding one
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.pool_size
        yield
        engine.dispose()

    app = FastAPI(title="L&D Desktop sync server", version=str(PROTOCOL_VERSION),
                  lifespan=lifespan)
    schema = None if settings.op_schema is None else FieldSchema.load(settings.op_schema)
    app.state.sync = ServerState(settings, engine, HybridLogicalClock("server"), schema)
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(audit_router)
    # the last added runs first: the size limit, then authentication, then parsing
    app.add_middleware(AuthenticateBeforeParsing, routes=[*router.routes, *audit_router.routes])
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` with several workers (settings from the environment):
    the processes of `ld-sync-server serve`, whose garbage collection is settled once the
    app is built (`collector`)."""
    app = create_app(ServerSettings.from_env())
    collector.settle()
    return app
