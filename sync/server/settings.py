"""Server settings: where the store lives and the request limits. No side effects at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

HOME_ENV = "LD_SYNC_SERVER_HOME"
DATABASE_URL_ENV = "LD_SYNC_SERVER_DATABASE_URL"
TRAINING_ENV = "LD_SYNC_SERVER_TRAINING"
SQLITE_FILE = "ld-sync-server.sqlite3"


@dataclass(frozen=True)
class ServerSettings:
    database_url: str
    max_body_bytes: int = 16 * 1024 * 1024
    auto_migrate: bool = True
    nonce_ttl_seconds: int = 900
    pool_size: int = 10
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
        if url:
            return cls(database_url=url, training=training)
        return cls.for_data_dir(default_data_dir(), training=training)


def default_data_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("ld-sync-server", appauthor=False))
