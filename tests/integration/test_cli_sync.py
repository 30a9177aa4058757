"""ld-admin enrol / sync against a real ld-sync-server (uvicorn on loopback), end to end."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ld_desktop.cli.admin import main as admin_main

PASS = "admin passphrase for tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_cli(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "sync.server.cli", *args], check=True,
                         capture_output=True, text=True, timeout=60)
    return out.stdout


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "server"
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync.server.cli", "serve", "--data-dir", str(data),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("sync server did not start")
    yield url, data
    proc.terminate()
    proc.wait(timeout=10)


def _admin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str,
           *argv: str) -> tuple[int, str, str]:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = admin_main([*argv, "--passphrase-stdin"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.expect_log   # it revokes the device: revocation and wipe are logged
def test_enrol_sync_and_unreachable(
    live_server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    url, server_data = live_server
    store = str(tmp_path / "ws")
    code = _server_cli("enrol-code", "--data-dir", str(server_data), "--site", "Northgate")
    one_time = code.strip().splitlines()[-1]
    assert _admin(monkeypatch, capsys, PASS + "\n", "init", "--data-dir", store, "--site",
                  "Northgate", "--admin", "admin1")[0] == 0
    assert _admin(monkeypatch, capsys, PASS + "\n", "demo", "--data-dir", store, "--as",
                  "admin1", "--cases", "5")[0] == 0

    status, out, err = _admin(monkeypatch, capsys, PASS + "\n", "enrol", "--data-dir", store,
                              "--as", "admin1", "--server", url, "--code", one_time)
    assert status == 0, err
    assert "Northgate" in out
    # a one-time code is one-time
    again = _admin(monkeypatch, capsys, PASS + "\n", "enrol", "--data-dir", store, "--as",
                   "admin1", "--server", url, "--code", one_time)
    assert again[0] == 3

    # the first administrator registers their personal key with the server's admin code
    admin_code = _server_cli("admin-code", "--data-dir", str(server_data)).strip().splitlines()
    status, out, err = _admin(monkeypatch, capsys, PASS + "\n", "authority", "--data-dir",
                              store, "--as", "admin1", "--code", admin_code[-1])
    assert status == 0, err
    assert "admin1 is the service's first administrator" in out
    refused = subprocess.run([sys.executable, "-m", "sync.server.cli", "admin-code",
                              "--data-dir", str(server_data)], capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 1
    assert "already registered" in refused.stderr

    status, out, err = _admin(monkeypatch, capsys, PASS + "\n", "sync", "--data-dir", store,
                              "--as", "admin1", "--json")
    assert status == 0, err
    import json

    summary = json.loads(out)
    assert summary["pushed"] > 10
    assert summary["conflicts"] == 0
    assert summary["rejected"] == 0     # staff and sites went up under admin1's signature
    status, out, _err = _admin(monkeypatch, capsys, PASS + "\n", "keys", "--data-dir", store,
                               "--as", "admin1")
    assert status == 0
    assert "Fingerprint" in out

    stats = _admin(monkeypatch, capsys, PASS + "\n", "stats", "--data-dir", store, "--as",
                   "admin1", "--json")
    assert json.loads(stats[1])["pending_outbox_ops"] == 0

    devices = _server_cli("devices", "--data-dir", str(server_data), "--json")
    device_id = json.loads(devices)[0]["device_id"]
    _server_cli("revoke", "--data-dir", str(server_data), device_id)
    status, _out, err = _admin(monkeypatch, capsys, PASS + "\n", "sync", "--data-dir", store,
                               "--as", "admin1")
    assert status == 3
    assert "Traceback" not in err


def test_sync_with_no_server_keeps_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    store = str(tmp_path / "ws")
    _admin(monkeypatch, capsys, PASS + "\n", "init", "--data-dir", store, "--site", "Northgate",
           "--admin", "admin1")
    status, _out, err = _admin(monkeypatch, capsys, PASS + "\n", "sync", "--data-dir", store,
                               "--as", "admin1")
    assert status == 3
    assert "not enrolled" in err
