"""The central sync server (FastAPI). Only this package imports FastAPI, uvicorn, starlette."""

from sync.server.app import create_app
from sync.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
