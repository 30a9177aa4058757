"""ld-sync-server refuses bad arguments with exit 2 and one line, never a traceback (issue 13
item 8): an expiry out of range or negative, a blank site, an unreachable or unusable
database; and `devices` prints device names with control characters escaped."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync.server import registry
from sync.server.cli import main
from sync.server.database import make_engine, migrate
from sync.server.settings import ServerSettings
from sync.wire import EnrolRequest

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:   # argparse refusals exit from inside parse_args
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code == 2, (argv, out)
    assert "Traceback" not in out.err
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith("ld-sync-server")
    return lines[0]


@pytest.mark.parametrize(("argv", "words"), [
    (["enrol-code", "--site", "Northgate", "--expires", "999999999999"], "between 1 and"),
    (["enrol-code", "--site", "Northgate", "--expires", "-5"], "between 1 and"),
    (["enrol-code", "--site", "Northgate", "--expires", "0"], "between 1 and"),
    (["enrol-code", "--site", "Northgate", "--expires", "soon"], "whole number"),
    (["enrol-code", "--site", "   ", "--expires", "5"], "blank"),
    (["enrol-code", "--site", ""], "blank"),
    (["enrol-code"], "required"),
    (["revoke"], "required"),
    (["serve", "--threads", "0"], "at least 1"),
    (["serve", "--workers", "-2"], "at least 1"),
    (["serve", "--threads", "many"], "whole number"),
])
def test_bad_arguments_are_refused_on_one_line(tmp_path: Path, argv: list[str], words: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused([*argv, "--data-dir", str(tmp_path / "srv")], capsys)
    assert words in line
    assert not (tmp_path / "srv").exists() or argv[0] == "revoke"


@pytest.mark.parametrize("command", [["devices"], ["enrol-code", "--site", "Northgate"],
                                     ["revoke", "some-device"], ["serve"]])
@pytest.mark.parametrize("url", [UNREACHABLE, "not a database url"])
def test_an_unusable_database_is_refused_on_one_line(command: list[str], url: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused([*command, "--database-url", url], capsys)
    assert "database" in line


def test_devices_escape_control_characters(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(ServerSettings.for_data_dir(tmp_path / "srv").database_url)
    migrate(engine)
    code = registry.issue_enrol_code(engine, ["Northgate"], expires_minutes=5)
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    hostile = "desk\x1b[2J\x1b[31mRED\u202eevil\x07\x9b"
    registry.enrol_device(engine, EnrolRequest(
        code=code, public_key=base64.b64encode(key).decode(), device_name=hostile))
    capsys.readouterr()
    assert main(["devices", "--data-dir", str(tmp_path / "srv")]) == 0
    out = capsys.readouterr().out
    for raw in ("\x1b", "\u202e", "\x07", "\x9b"):
        assert raw not in out
    assert "desk\\x1b[2J" in out
    assert main(["devices", "--data-dir", str(tmp_path / "srv"), "--json"]) == 0
    listed = capsys.readouterr().out
    assert "\x1b" not in listed
    assert json.loads(listed)[0]["name"] == hostile   # exact in JSON, escaped on the wire
