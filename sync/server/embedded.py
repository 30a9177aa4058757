"""An embedded sync server in a background thread on loopback (the self-test, one-machine use).

The desktop app never imports uvicorn or FastAPI itself (an import contract); it asks for a
running server here and gets its base URL.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from sync.server.app import create_app
from sync.server.settings import ServerSettings


class EmbeddedServerFailed(RuntimeError):
    pass


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def embedded_server(settings: ServerSettings, *, start_timeout: float = 20.0) -> Iterator[str]:
    """Serve on a free loopback port until the block ends; yields the base URL."""
    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="error", lifespan="on", loop="asyncio"))
    thread = threading.Thread(target=server.run, name="embedded sync server", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise EmbeddedServerFailed("the embedded sync server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
