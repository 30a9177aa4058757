"""Engine creation and migrations. Called from `create_app` and the CLI, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_ADVISORY_LOCK_KEY = 0x1D5E_5A1C   # serialises migrations started by several processes at once
READ_ONLY = "ld_read_only"           # execution option: a plain BEGIN instead of BEGIN IMMEDIATE


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, hide_parameters=True,
                                  connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    # No ping before every checkout (a round trip per request): a connection PostgreSQL
    # dropped fails one request, which the client retries, and SQLAlchemy then replaces
    # the pool's older connections; idle ones are renewed every half hour anyway.
    return sa.create_engine(url, hide_parameters=True, pool_size=pool_size, max_overflow=pool_size,
                            pool_recycle=1800)


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
    """Upgrade the schema to head; safe when several processes start together on PostgreSQL."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
