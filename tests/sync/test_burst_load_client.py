"""The end-of-shift bench's load generator speaks HTTP/1.1 itself (`bench/burst_load.py`,
`Connection`): its figures are only as true as its requests and its reading of answers.
Against a real server on loopback: whole answers read, a connection kept alive, a broken
connection sent again on a new one (newly signed), a refusal raised with its status."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from live_server import running_server
from sync_harness import sqlite_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.burst_load import AnswerError, Connection, Workstation
from sync.client.enrolment import enrol
from sync.protocol import PROTOCOL_VERSION
from sync.server.registry import issue_enrol_code


def _workstation(url: str, engine: sa.Engine) -> Workstation:
    creds = enrol(url, issue_enrol_code(engine, ["Bench Site"]), "bench")
    return Workstation.from_plan({
        "device_id": creds.device_id, "key": base64.b64encode(creds.private_key).decode(),
        "push_body": '{"protocol":1,"ops":[]}', "own_ids": [], "site": "Bench Site",
        "cursor": 0})


def _pull_body(cursor: int = 0) -> bytes:
    return json.dumps({"protocol": PROTOCOL_VERSION, "cursor": cursor,
                       "limit": 1000}).encode()


def test_answers_are_read_whole_on_one_kept_alive_connection(tmp_path: Path) -> None:
    with running_server(sqlite_server(tmp_path / "server")) as (url, app):
        engine: sa.Engine = app.state.sync.engine  # type: ignore[attr-defined]
        station = _workstation(url, engine)

        async def run() -> list[Any]:
            connection = Connection(url)
            try:
                status, health = await connection.request("GET", "/v1/health")
                first = connection._streams
                page = json.loads(await station._post(connection, "/v1/pull", _pull_body()))
                kept = connection._streams is first
                return [status, json.loads(health), page, kept]
            finally:
                await connection.close()

        status, health, page, kept = asyncio.run(run())
    assert status == 200
    assert health["status"] == "ok"
    assert page["has_more"] is False
    assert isinstance(page["next_cursor"], int)
    assert kept


def test_a_broken_connection_is_sent_again_on_a_new_one(tmp_path: Path) -> None:
    with running_server(sqlite_server(tmp_path / "server")) as (url, app):
        engine: sa.Engine = app.state.sync.engine  # type: ignore[attr-defined]
        station = _workstation(url, engine)

        async def run() -> tuple[dict[str, Any], bool]:
            connection = Connection(url)
            try:
                await connection.request("GET", "/v1/health")
                assert connection._streams is not None
                broken = connection._streams
                broken[1].transport.abort()        # as a server closing an idle connection
                page = json.loads(await station._post(connection, "/v1/pull", _pull_body()))
                return page, connection._streams is not broken
            finally:
                await connection.close()

        page, reopened = asyncio.run(run())
    assert "records" in page
    assert reopened


def test_a_refusal_is_raised_with_its_status(tmp_path: Path) -> None:
    with running_server(sqlite_server(tmp_path / "server")) as (url, app):
        engine: sa.Engine = app.state.sync.engine  # type: ignore[attr-defined]
        station = _workstation(url, engine)
        station.device_id = "not-enrolled"

        async def run() -> None:
            connection = Connection(url)
            try:
                await station._post(connection, "/v1/pull", _pull_body())
            finally:
                await connection.close()

        with pytest.raises(RuntimeError, match="HTTP 401"):
            asyncio.run(run())


@pytest.mark.parametrize(("answer_head", "error"), [
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "without Content-Length"),
    (b"SSH-2.0-OpenSSH\r\nContent-Length: 2\r\n\r\n", "not an HTTP/1.1 status line"),
    (b"HTTP/1.1 2xx OK\r\nContent-Length: 2\r\n\r\n", "not an HTTP/1.1 status line"),
])
def test_an_answer_it_cannot_read_is_refused_not_sent_again(answer_head: bytes,
                                                            error: str) -> None:
    """A chunked answer (no Content-Length) or one without a status line is an error of the
    answer, not of the connection: raised at once, the request sent once."""
    requests: list[bytes] = []

    async def run() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while head := await reader.readuntil(b"\r\n\r\n"):
                    requests.append(head.split(b"\r\n", 1)[0])
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    await reader.readexactly(length)
                    writer.write(answer_head + b"{}")
            except asyncio.IncompleteReadError:      # the client closed its connection
                writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connection = Connection(f"http://127.0.0.1:{port}")
        station = Workstation("dev-1", Ed25519PrivateKey.generate(), b"{}", frozenset(),
                              "Bench Site", 0)
        try:
            with pytest.raises(AnswerError, match=error):
                await station._post(connection, "/v1/pull", _pull_body())
        finally:
            await connection.close()
            server.close()
            await server.wait_closed()

    asyncio.run(run())
    assert requests == [b"POST /v1/pull HTTP/1.1"]


@pytest.mark.parametrize("url", ["https://127.0.0.1:1", "http://127.0.0.1:1/base", "h:1"])
def test_only_plain_http_urls_are_taken(url: str) -> None:
    with pytest.raises(ValueError, match="plain http"):
        Connection(url)
