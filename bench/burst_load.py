"""The end-of-shift burst's load generator, in a process of its own.

    python bench/burst_load.py PLAN.json URL [SPREAD [separate|sync [coordinated]]]

Prints one JSON line, its result. With ``coordinated`` it first prints a line once its
connections are open and another once the timed burst has ended, and waits after each for
a line on stdin (the bench reads the server's and PostgreSQL's CPU there).

Each simulated workstation speaks the real protocol with its own enrolled key, as the client
engine does: one signed `/v1/sync` with its changes (built beforehand from a real
`MemoryReplica` outbox) and its cursor (where its last sync left it), which answers the
push and the first pull page, then signed pull pages until the server says there is no
more. With ``separate``, as clients before 30/11/2026 did: a `/v1/push`, then the pulls.
All start together (one asyncio event loop, a connection each), or at random moments over
SPREAD seconds. What a workstation does with the records it pulls is its own CPU, not the
server's: this process decodes each page only to note which cases arrived, so that 200
simulated workstations sharing one core measure the server rather than themselves. After
the burst every workstation syncs once more (untimed) and must then hold every case pushed
to its site: nothing lost. (A workstation's own cases may arrive only with that next sync,
when another push's numbers below them were still being written during its own.) Applying
pulled pages in the real client is measured by the first-sync rows of `bench/sync.py`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import random
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from sync.protocol import PROTOCOL_VERSION
from sync.signing import sign_request

PAGE = 1000
TIMEOUT_S = 120


class Connection:
    """One workstation's keep-alive HTTP/1.1 connection, spoken directly over an asyncio
    stream: a request is one write, an answer its status line, headers and
    Content-Length bytes. httpx spent 2.0-2.5 ms of this process's CPU a sync (1/12/2026),
    a sixth of all the burst's CPU; the workstations it stands for spend
    theirs on their own machines, not on the server's two cores."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None or parts.path not in ("", "/"):
            raise ValueError(f"plain http://host:port only, not {url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        return self._streams

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """(status, body) of one request; a broken connection is closed and its error
        raised (`_post` sends again on a new one)."""
        reader, writer = await self._open()
        head = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                     f"{head}\r\n".encode() + body)
        try:
            async with asyncio.timeout(TIMEOUT_S):
                status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
                length = _content_length(path, lines)
                return _status(path, status_line), await reader.readexactly(length)
        except BaseException:
            await self.close()
            raise

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return await self.request("POST", path, body, headers)

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class AnswerError(Exception):
    """An answer this client cannot read (no status, no Content-Length, a malformed
    header): never
    sent again, unlike a broken connection."""


def _status(path: str, status_line: bytes) -> int:
    version, _, rest = status_line.partition(b" ")
    code = rest[:3]
    if not version.startswith(b"HTTP/1.") or not code.isdigit():
        raise AnswerError(f"{path}: not an HTTP/1.1 status line {status_line[:80]!r}")
    return int(code)


def _content_length(path: str, lines: list[bytes]) -> int:
    for line in lines:
        name, colon, value = line.partition(b":")
        if line and not colon:
            raise AnswerError(f"{path}: a malformed header line {line[:80]!r}")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    raise AnswerError(f"{path}: an answer without Content-Length (chunked?)")


@dataclass
class Workstation:
    device_id: str
    key: Ed25519PrivateKey
    push_body: bytes
    own_ids: frozenset[str]
    site: str
    cursor: int
    seen: set[str] = field(default_factory=set)

    @classmethod
    def from_plan(cls, item: dict[str, Any]) -> Workstation:
        key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(item["key"]))
        return cls(item["device_id"], key, item["push_body"].encode(), frozenset(item["own_ids"]),
                   item["site"], item["cursor"])

    async def _post(self, client: Connection, path: str, body: bytes) -> bytes:
        """Signed POST; like the real client, sent again (newly signed) if the connection
        broke, e.g. the server closed it after its keep-alive timeout: pushes and pulls are
        safe to repeat."""
        for attempt in range(3):
            headers = sign_request(self.key, self.device_id, "POST", path, body)
            try:
                status, answer = await client.post(path, body, headers)
                break
            except (OSError, asyncio.IncompleteReadError):
                if attempt == 2:
                    raise
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status} {answer[:200]!r}")
        return answer

    async def sync(self, client: Connection, delay: float, separate: bool) -> float:
        """One push-then-pull sync; its seconds."""
        await asyncio.sleep(delay)
        start = time.perf_counter()
        if separate:
            answer, more = json.loads(await self._post(client, "/v1/push", self.push_body)), True
        else:      # the push body with the cursor and page size: a `SyncRequest`
            body = self.push_body[:-1] + f',"cursor":{self.cursor},"limit":{PAGE}}}'.encode()
            both = json.loads(await self._post(client, "/v1/sync", body))
            answer, more = both["push"], self._take(both["pull"])
        refused = [r for r in answer["results"] if r["status"] == "rejected"]
        if refused:
            raise RuntimeError(f"push refused: {refused[0]}")
        if more:
            await self.pull(client)
        return time.perf_counter() - start

    def _take(self, page: dict[str, Any]) -> bool:
        """Note a page's cases and move the cursor; whether there is more."""
        self.seen.update(record["entity_id"] for record in page["records"])
        self.cursor = page["next_cursor"]
        return bool(page["has_more"])

    async def pull(self, client: Connection) -> None:
        while True:
            body = json.dumps({"protocol": PROTOCOL_VERSION, "cursor": self.cursor,
                               "limit": PAGE}).encode()
            if not self._take(json.loads(await self._post(client, "/v1/pull", body))):
                return


async def _pause(coordinated: bool, phase: str) -> None:
    """With ``coordinated``, say where the burst is (a line on stdout) and wait for the
    bench's word on stdin: it reads the server's and PostgreSQL's CPU at exactly that point,
    so the burst's own CPU excludes the connections' warm-up and the verification sync."""
    if coordinated:
        print(json.dumps({"phase": phase}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def burst(url: str, plan: list[dict[str, Any]], spread: float,
                separate: bool = False, coordinated: bool = False) -> dict[str, Any]:
    stations = [Workstation.from_plan(item) for item in plan]
    delays = [random.Random(n).uniform(0, spread) for n in range(len(stations))]
    # a client (so a connection) of its own per workstation, as on real workstations; one
    # shared pool of 200 connections costs the generator more CPU than the server spends
    clients = [Connection(url) for _ in stations]
    try:
        # connect first, so the burst measures syncs, not TCP handshakes
        await asyncio.gather(*(client.request("GET", "/v1/health") for client in clients))
        await _pause(coordinated, "ready")
        start, cpu = time.perf_counter(), time.process_time()
        outcomes = await asyncio.gather(
            *(s.sync(c, d, separate) for s, c, d in zip(stations, clients, delays, strict=True)),
            return_exceptions=True)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        await _pause(coordinated, "burst done")
        pulled = sum(len(s.seen) for s in stations)
        deferred = sum(len(s.own_ids - s.seen) for s in stations)
        # each workstation's next sync, untimed: by then it must hold every case its site
        # was given in the burst (nothing lost, whatever the order the pushes committed in)
        await asyncio.gather(*(s.pull(c) for s, c in zip(stations, clients, strict=True)))
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    by_site: dict[str, set[str]] = {}
    for station in stations:
        by_site.setdefault(station.site, set()).update(station.own_ids)
    return {
        "wall": wall,
        "cpu": cpu,
        "latencies": sorted(o for o in outcomes if isinstance(o, float)),
        "pulled": pulled,
        "own_deferred": deferred,
        "missing_after_next_sync": sum(len(by_site[s.site] - s.seen) for s in stations),
        "errors": [f"{type(o).__name__}: {o}" for o in outcomes if isinstance(o, BaseException)],
    }


def main() -> None:
    plan_path, url = sys.argv[1], sys.argv[2]
    spread = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    separate = len(sys.argv) > 4 and sys.argv[4] == "separate"
    coordinated = "coordinated" in sys.argv[5:]
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    print(json.dumps(asyncio.run(burst(url, plan, spread, separate, coordinated))))


if __name__ == "__main__":
    main()
