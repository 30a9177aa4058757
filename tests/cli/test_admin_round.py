"""ld-admin end to end: exit codes 0/2/3 and never a traceback for an expected failure."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from ld_desktop.cli.admin import main

ADMIN_PASS = "admin passphrase for tests"


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str,
        *argv: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main([*argv, "--passphrase-stdin"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err



@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")


def test_full_admin_round(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "ws")
    code, out, _ = run(monkeypatch, capsys, ADMIN_PASS + "\n", "init", "--data-dir", d,
                       "--site", "Northgate", "--site", "Riverside Court", "--admin", "admin1")
    assert code == 0
    recovery = out.strip().splitlines()[-1]
    assert len(recovery.replace("-", "")) == 25
    assert run(monkeypatch, capsys, ADMIN_PASS + "\n", "init", "--data-dir", d, "--site", "X",
               "--admin", "admin1")[0] == 2                       # already initialised
    assert run(monkeypatch, capsys, f"{ADMIN_PASS}\npractitioner pebble phrase\n", "add-user",
               "--data-dir", d, "--as", "admin1", "--username", "prac1",
               "--role", "practitioner")[0] == 0
    code, _, err = run(monkeypatch, capsys, "practitioner pebble phrase\nanother phrase here\n",
                       "add-user", "--data-dir", d, "--as", "prac1", "--username", "x2",
                       "--role", "practitioner")
    assert code == 3
    assert "may not manage users" in err
    code, _, err = run(monkeypatch, capsys, f"{ADMIN_PASS}\nshort\n", "add-user",
                       "--data-dir", d, "--as", "admin1", "--username", "weak1",
                       "--role", "practitioner")
    assert code == 2
    assert "at least 12" in err
    assert run(monkeypatch, capsys, ADMIN_PASS + "\n", "add-user", "--data-dir", d, "--as",
               "admin1", "--username", "x3", "--role", "wizard")[0] == 2
    code, out, _ = run(monkeypatch, capsys, ADMIN_PASS + "\n", "users", "--data-dir", d,
                       "--as", "admin1")
    assert code == 0
    assert "prac1" in out
    assert run(monkeypatch, capsys, ADMIN_PASS + "\n", "demo", "--data-dir", d, "--as",
               "admin1", "--cases", "12")[0] == 0
    code, out, _ = run(monkeypatch, capsys, ADMIN_PASS + "\n", "stats", "--data-dir", d,
                       "--as", "admin1", "--json")
    stats = json.loads(out)
    assert stats["cases"] == 12
    assert stats["pending_outbox_ops"] > 24
    code, out, _ = run(monkeypatch, capsys, ADMIN_PASS + "\n", "audit", "--data-dir", d,
                       "--as", "admin1", "--json")
    assert {"store-initialised", "user-added", "demo-data-added"} <= {
        e["action"] for e in json.loads(out)}
    assert run(monkeypatch, capsys, "wrong passphrase!!\n", "stats", "--data-dir", d,
               "--as", "admin1")[0] == 3
    assert run(monkeypatch, capsys, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA\nnew admin phrase\n",
               "recover", "--data-dir", d, "--username", "admin1")[0] == 3
    assert run(monkeypatch, capsys, f"{recovery}\nnew admin phrase\n", "recover",
               "--data-dir", d, "--username", "admin1")[0] == 0
    assert run(monkeypatch, capsys, "new admin phrase\n", "remove-user", "--data-dir", d,
               "--as", "admin1", "--username", "prac1")[0] == 0
    assert run(monkeypatch, capsys, "practitioner pebble phrase\n", "stats", "--data-dir", d,
               "--as", "prac1")[0] == 3


def test_missing_store_is_invalid_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(monkeypatch, capsys, "whatever phrase\n", "stats", "--data-dir",
                       str(tmp_path / "nothing"), "--as", "admin1")
    assert code == 2
    assert "No L&D Desktop store" in err
