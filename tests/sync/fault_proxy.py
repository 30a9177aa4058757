"""A loopback TCP proxy that resets connections, cuts responses mid-body and adds latency."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from dataclasses import dataclass


@dataclass
class Faults:
    reset_request: float = 0.08     # abort the connection instead of forwarding client bytes
    cut_response: float = 0.08      # forward half a response chunk, then abort
    max_latency: float = 0.005      # seconds added before each forwarded chunk


class FaultProxy:
    def __init__(self, upstream_port: int, faults: Faults, seed: int = 0) -> None:
        self.upstream_port = upstream_port
        self.faults = faults
        self.random = random.Random(seed)
        self.injected = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        # every connection's writer, from the moment it is accepted or opened: stopping
        # aborts them all, so none is left for the garbage collector to find unclosed (a
        # ResourceWarning then, in whichever test happened to be running)
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=5)
        return self

    def __exit__(self, *_exc: object) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for writer in self._writers:   # a handler cancelled before it ran, or mid-way
                _abort(writer)
            await asyncio.sleep(0)         # the aborted transports finish closing

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        """Called as the connection is accepted: the writer is known before any await."""
        self._writers.add(client_w)
        task = asyncio.get_running_loop().create_task(self._handle(client_r, client_w))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _roll(self, chance: float) -> bool:
        hit = self.random.random() < chance
        self.injected += hit
        return hit

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
                      ) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            _abort(client_w)
            return
        self._writers.add(up_w)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter,
                       cut_chance: float, reset_chance: float) -> None:
            try:
                while data := await src.read(65536):
                    await asyncio.sleep(self.random.uniform(0, self.faults.max_latency))
                    if self._roll(reset_chance):
                        break
                    if self._roll(cut_chance):
                        dst.write(data[: max(1, len(data) // 2)])
                        await dst.drain()
                        break
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                _abort(client_w)
                _abort(up_w)
                self._writers.difference_update((client_w, up_w))

        await asyncio.gather(pump(client_r, up_w, 0.0, self.faults.reset_request),
                             pump(up_r, client_w, self.faults.cut_response, 0.0))


def _abort(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
