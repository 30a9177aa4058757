"""Real uvicorn over loopback with TLS from a private CA, on SQLite and PostgreSQL; the CLI."""

from __future__ import annotations

import dataclasses
import json
import ssl
import uuid
from pathlib import Path

import pytest
from live_server import make_ca_and_cert, running_server
from sync_harness import FAST_RETRY

from sync.client import ServerUnreachable, SyncClient, enrol
from sync.memory_replica import MemoryReplica
from sync.protocol import site_id_for
from sync.server import ServerSettings
from sync.server.cli import main as cli_main
from sync.server.registry import issue_enrol_code

SITE = str(site_id_for("Leeds Custody"))


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_ca_and_cert(tmp_path_factory.mktemp("tls"))


def test_sync_over_real_tls(server_settings: ServerSettings,
                            tls_files: tuple[Path, Path, Path]) -> None:
    ca, cert, key = tls_files
    context = ssl.create_default_context(cafile=str(ca))
    settings = dataclasses.replace(server_settings, op_schema=None)   # made-up records
    with running_server(settings, cert=cert, key=key) as (url, app):
        engine = app.state.sync.engine  # type: ignore[attr-defined]
        creds_a = enrol(url, issue_enrol_code(engine, ["Leeds Custody"]), "a", verify=context)
        creds_b = enrol(url, issue_enrol_code(engine, ["leeds  custody"]), "b", verify=context)
        a, b = MemoryReplica(creds_a.device_id), MemoryReplica(creds_b.device_id)
        rid = uuid.uuid4()
        a.upsert("case", rid, {"status": "open"}, sites=[SITE])
        with SyncClient(url, a, creds_a, verify=context) as client:
            assert client.sync().pushed == 1
        with SyncClient(url, b, creds_b, verify=context) as client:
            assert client.sync().pulled == 1
        assert b.record("case", rid) == {"status": "open"}
        # Without the private CA the certificate is not trusted: no data goes anywhere.
        with pytest.raises(ServerUnreachable, match=r"CERTIFICATE_VERIFY_FAILED|certificate"), \
                SyncClient(url, b, creds_b, retry=FAST_RETRY) as client:
            client.sync()


def test_cli_enrol_code_devices_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    data = ["--data-dir", str(tmp_path / "srv")]
    assert cli_main(["enrol-code", *data, "--site", "Leeds Custody", "--expires", "5"]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(code) == 19
    settings = ServerSettings.for_data_dir(tmp_path / "srv", op_schema=None)
    with running_server(settings) as (url, _app):
        creds = enrol(url, code, "desk one")
    assert cli_main(["devices", *data, "--json"]) == 0
    (device,) = json.loads(capsys.readouterr().out)
    assert device["device_id"] == creds.device_id
    assert device["sites"][0]["name"] == "Leeds Custody"
    assert cli_main(["devices", *data]) == 0
    assert "desk one" in capsys.readouterr().out
    assert cli_main(["revoke", *data, creds.device_id]) == 0
    assert cli_main(["revoke", *data, creds.device_id]) == 1


def test_cli_uses_the_home_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LD_SYNC_SERVER_HOME", str(tmp_path / "home"))
    assert cli_main(["enrol-code", "--site", "X"]) == 0
    assert (tmp_path / "home" / "ld-sync-server.sqlite3").exists()
    capsys.readouterr()
