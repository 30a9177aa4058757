"""Engine creation and migrations. Called from `create_app` and the CLI, never at import."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from sync.server import schema

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_ADVISORY_LOCK_KEY = 0x1D5E_5A1C   # serialises migrations started by several processes at once
READ_ONLY = "ld_read_only"           # execution option: a plain BEGIN instead of BEGIN IMMEDIATE
APPLICATION_NAME = "ld-sync-server"  # and the process id: pg_stat_activity shows whose it is
POOL_TIMEOUT_S = 60
#: a failed statement's bound values never go into PostgreSQL's log (a user-level setting)
NO_PARAMETERS_IN_LOG = "-c log_parameter_max_length_on_error=0"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """SQLite, or PostgreSQL with a pool of exactly ``pool_size`` connections.

    On PostgreSQL no connection is ever opened beyond ``pool_size``: an overflow connection
    is closed when it goes back, so under a burst every checkout past the pool forked and
    authenticated a new backend (118 in one burst of 200 syncs, issue 17). The server runs
    as many worker threads as the pool holds (`app.create_app`), so no request waits for a
    connection while holding a thread; other callers wait up to `POOL_TIMEOUT_S`."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, hide_parameters=True,
                                  connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    # No ping before every checkout (a round trip per request): a connection PostgreSQL
    # dropped fails one request, which the client retries, and SQLAlchemy then replaces
    # the pool's older connections; idle ones are renewed every half hour anyway.
    engine = sa.create_engine(url, hide_parameters=True, pool_size=pool_size, max_overflow=0,
                              pool_timeout=POOL_TIMEOUT_S, pool_recycle=1800,
                              connect_args=_postgres_connect_args(url))
    _configure_postgres(engine)
    return engine


def _postgres_connect_args(url: str) -> dict[str, str]:
    """Each connection is named for ``pg_stat_activity``, and never has PostgreSQL's own log
    quote a failed statement's parameters (a record's fields): that setting is the one of
    PostgreSQL's logging settings any role may set for its own sessions; the others need a
    superuser (docs/sync.md, "PostgreSQL's own log"). Sent at connect (``options``), after
    any options the URL gives, so no round trip and no transaction can undo it."""
    given = sa.make_url(url).query.get("options", "")
    options = " ".join(given) if isinstance(given, tuple) else given
    return {"application_name": f"{APPLICATION_NAME} {os.getpid()}",
            "options": f"{options} {NO_PARAMETERS_IN_LOG}".strip()}


def _configure_postgres(engine: Engine) -> None:
    """Lists (the array parameters of `batch_sql`, advisory lock keys, ``= ANY`` lists) go
    to PostgreSQL in binary: psycopg's default text dumper builds each array literal in
    Python, quoting every element through a regular expression, which was 27 % of a push's
    time in the server process; the binary one packs each element as it is dumped."""
    from psycopg.types.array import ListBinaryDumper  # PostgreSQL only: not on SQLite's path

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, and writers take the lock at BEGIN so concurrent pushes queue instead of failing."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a push is acknowledged only once it is on disk (NORMAL in WAL mode can lose
        # the last commits in a power cut); measured cost in docs/sync.md
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to head; safe when several processes start together on PostgreSQL.
    A migration may have rewritten whole tables: then their statistics are gathered again
    before any request is served (see `analyze`)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        if MigrationContext.configure(conn).get_current_revision() != before:
            _analyze(conn)


def analyze(engine: Engine) -> list[str]:
    """Gather the planner's statistics for every server table now (`ld-sync-server
    analyze`); returns the tables' names. Run it after a bulk load (a restore, an import, a
    migration: `migrate` does). PostgreSQL's autovacuum does it in time, but until then a
    table bulk-loaded after its last ANALYZE is planned as if nearly empty: measured, one
    push of 50 cases on 10,000 stored cost PostgreSQL 19.6 ms of CPU instead of 3.8 ms
    (issue 17; deployments keep autovacuum on, docs/sync.md)."""
    with engine.begin() as conn:
        return _analyze(conn)


def _analyze(conn: sa.Connection) -> list[str]:
    names = [table.name for table in schema.metadata.sorted_tables]
    for name in names:
        conn.execute(sa.text(f'ANALYZE "{name}"'))
    return names
