"""Fixtures: a server per test on SQLite or PostgreSQL, in process or over real sockets."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from asgi_bridge import ASGIBridge
from sync_harness import Harness, sqlite_server

from sync.server import ServerSettings, create_app
from sync.server import schema as t

PG_URL = os.environ.get("LD_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_reachable() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL not reachable at LD_TEST_POSTGRES_URL: {type(exc).__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway database for the whole session, dropped afterwards."""
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)
    name = f"ld_sync_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate_all(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(table.name for table in t.metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {names}"))
        conn.execute(sa.insert(t.counter).values(id=1, value=0))
    engine.dispose()


@pytest.fixture
def fresh_postgres(postgres_url: str) -> str:
    """The session's PostgreSQL database, migrated and emptied."""
    create_app(ServerSettings(database_url=postgres_url)).state.sync.engine.dispose()
    truncate_all(postgres_url)
    return postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server_settings(request: pytest.FixtureRequest, tmp_path: Path) -> ServerSettings:
    if request.param == "sqlite":
        return sqlite_server(tmp_path / "server")
    url = request.getfixturevalue("postgres_url")
    create_app(ServerSettings(database_url=url)).state.sync.engine.dispose()  # migrate
    truncate_all(url)
    return ServerSettings(database_url=url)


@pytest.fixture
def harness(server_settings: ServerSettings) -> Iterator[Harness]:
    """A server for the merge rules' tests, which push made-up records (no field schema)."""
    app = create_app(dataclasses.replace(server_settings, op_schema=None))
    bridge = ASGIBridge(app)
    yield Harness(app, bridge)
    bridge.shutdown()
    app.state.sync.engine.dispose()


@pytest.fixture
def sqlite_harness(tmp_path: Path) -> Iterator[Harness]:
    app = create_app(sqlite_server(tmp_path / "server", op_schema=None))
    bridge = ASGIBridge(app)
    yield Harness(app, bridge)
    bridge.shutdown()
    app.state.sync.engine.dispose()


@pytest.fixture
def strict_harness(server_settings: ServerSettings) -> Iterator[Harness]:
    """A server as deployed: validating ops against the app's published schema."""
    app = create_app(server_settings)
    bridge = ASGIBridge(app)
    yield Harness(app, bridge)
    bridge.shutdown()
    app.state.sync.engine.dispose()
