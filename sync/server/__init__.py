"""The central sync server (FastAPI). Only this package imports FastAPI, uvicorn, starlette.

``create_app`` is loaded on first use (PEP 562): importing any ``sync.server.*`` module used to
import FastAPI and every route first, ~0.5 s of each ``ld-sync-server`` admin command
(enrol-code, devices, revoke, ...) that never serves a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sync.server.settings import ServerSettings

if TYPE_CHECKING:
    from sync.server.app import create_app

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from sync.server.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
