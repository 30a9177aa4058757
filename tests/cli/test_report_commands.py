"""ld-admin report quality|monthly end to end through ``main([...])``: the data-quality
report is shown first; when it is not clean nothing is written unless the person types yes
(or passes --yes); bad months, folders and sites get a clear error and exit code 2."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from ld_desktop.cli.admin import main

ADMIN = ("admin1", "admin passphrase for report cli")
SENIOR = ("senior1", "senior passphrase for report cli")
SITES = ["Northgate Custody Suite", "Riverside Magistrates Court"]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    from ld_desktop.domain.roles import Role
    from ld_desktop.services.demo_data import seed_demo_cases
    from ld_desktop.services.workstation import Workstation

    folder = tmp_path / "store"
    Workstation(folder).initialise("Report CLI L&D", SITES, *ADMIN)
    admin = Workstation(folder).unlock(*ADMIN)
    admin.accounts.add_user(SENIOR[0], Role.SENIOR, SENIOR[1], site_ids=[s.id for s in admin.sites])
    admin.lock()
    senior = Workstation(folder).unlock(*SENIOR)
    seed_demo_cases(senior, 40)          # recent, fictional, with gaps the report will find
    senior.lock()
    return folder


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], store: Path,
         *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(SENIOR[1] + "\n" + stdin))
    capsys.readouterr()
    code = main(["report", *argv, "--as", SENIOR[0], "--passphrase-stdin",
                 "--data-dir", str(store)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def _month() -> str:
    from datetime import UTC, datetime
    return f"{datetime.now(UTC):%Y-%m}"


def test_monthly_shows_quality_first_and_writes_only_when_confirmed(
        store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "returns"
    out_dir.mkdir()
    month = _month()
    code, out, err = _run(monkeypatch, capsys, store, "monthly", "--month", month,
                          "--out", str(out_dir), stdin="no\n")
    assert code == 2
    assert out.startswith("Data quality for ")
    assert "problem(s)" in out
    assert "Write the return anyway?" in out
    assert "Nothing was written" in err
    assert list(out_dir.iterdir()) == []

    code, out, _ = _run(monkeypatch, capsys, store, "monthly", "--month", month,
                        "--out", str(out_dir), stdin="yes\n")
    assert code == 0, out
    folder = out_dir / f"mhsds-return-{month}"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["generated_by"]["username"] == SENIOR[0]
    assert sorted(manifest["sites"]) == SITES
    assert "MHS101Referral.csv" in out

    code, _, err = _run(monkeypatch, capsys, store, "monthly", "--month", month,
                        "--out", str(out_dir), "--yes")
    assert code == 2
    assert "already exists" in err


def test_script_with_yes_and_site_filter(store: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, store, "monthly", "--month", _month(),
                        "--out", str(tmp_path), "--yes", "--site", SITES[1])
    assert code == 0, out
    manifest = json.loads(next(tmp_path.glob("mhsds-return-*/manifest.json")).read_text())
    assert manifest["sites"] == [SITES[1]]


@pytest.mark.parametrize(("argv", "message"), [
    (("quality", "--month", "2026-13"), "write it like 2026-10"),
    (("quality", "--month", "2026-10", "--site", "Atlantis"), "is not one of your sites"),
    (("monthly", "--month", "2026-10", "--out", "/no/such/folder"), "is not a folder"),
])
def test_bad_input_gets_a_clear_error(store: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str],
                                      argv: tuple[str, ...], message: str) -> None:
    code, _, err = _run(monkeypatch, capsys, store, *argv)
    assert code == 2
    assert message in err


def test_quality_lists_each_finding_with_the_record_to_open(
        store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(monkeypatch, capsys, store, "quality", "--month", _month())
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Data quality for ")
    assert any(line.strip().startswith(("person ", "case ")) for line in lines[1:])
