"""A synchronous httpx transport that runs `httpx.ASGITransport` on a background event loop.

The sync client is synchronous (the app runs it off the GUI thread); ASGITransport is async
only. This bridge lets in-process tests use the real client against the real app.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx


class ASGIBridge(httpx.BaseTransport):
    def __init__(self, app: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._transport = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def forward() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers,
                                  content=body)
            response = await self._transport.handle_async_request(inner)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        status, headers, content = asyncio.run_coroutine_threadsafe(forward(), self._loop).result()
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        """Shared by many clients: closing one client must not stop the loop (see shutdown)."""

    def shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
