"""Server settings: where the store lives and the request limits. No side effects at import."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

HOME_ENV = "LD_SYNC_SERVER_HOME"
DATABASE_URL_ENV = "LD_SYNC_SERVER_DATABASE_URL"
SCHEMA_ENV = "LD_SYNC_SERVER_SCHEMA"
TRAINING_ENV = "LD_SYNC_SERVER_TRAINING"
THREADS_ENV = "LD_SYNC_SERVER_THREADS"
SQLITE_FILE = "ld-sync-server.sqlite3"
SCHEMA_FILE = "sync-schema.json"


def default_schema_path() -> Path:
    """The fields schema the app publishes (`resources/sync-schema.json`): from the
    environment, a source checkout, or where an installed package keeps its resources."""
    override = os.environ.get(SCHEMA_ENV)
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[2] / "resources" / SCHEMA_FILE
    if checkout.exists():
        return checkout
    return Path(sys.prefix) / "share" / "ld-desktop" / "resources" / SCHEMA_FILE


@dataclass(frozen=True)
class ServerSettings:
    database_url: str
    max_body_bytes: int = 16 * 1024 * 1024
    auto_migrate: bool = True
    nonce_ttl_seconds: int = 900
    # worker threads of each server process, and its database connections: one each. Few:
    # a process runs one thread's Python at a time, and more threads (and backends) than
    # the cores can serve only contend (`docs/sync.md`, "Threads per server process")
    pool_size: int = 4
    # The app's published per-entity fields; every op is checked against it. None turns the
    # check off (only for tests of the merge rules with made-up records).
    op_schema: Path | None = field(default_factory=default_schema_path)
    training: bool = False   # a training server: enrols training workstations only

    @classmethod
    def for_data_dir(cls, data_dir: Path, **overrides: object) -> ServerSettings:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cls(database_url=f"sqlite:///{data_dir / SQLITE_FILE}", **overrides)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls) -> ServerSettings:
        """For `uvicorn --factory` workers: the database URL or data dir from the environment."""
        url = os.environ.get(DATABASE_URL_ENV)
        training = os.environ.get(TRAINING_ENV) == "1"
        pool_size = int(os.environ.get(THREADS_ENV) or cls.pool_size)
        if url:
            return cls(database_url=url, training=training, pool_size=pool_size)
        return cls.for_data_dir(default_data_dir(), training=training, pool_size=pool_size)


def default_data_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("ld-sync-server", appauthor=False))
