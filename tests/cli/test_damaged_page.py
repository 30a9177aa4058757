"""One zeroed 4 KiB page anywhere in the middle of the database (issue 13 item 8): verify,
stats and every other ld-admin command that opens the store exit 4 with a clear message,
never 0, never 1 'read-only', never a traceback."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import test_admin_verify as shared  # type: ignore[import-not-found]

from ld_desktop.cli.admin import main

_fast_kdf = shared._fast_kdf
verify_template = shared.verify_template
store_dir = shared.store_dir
ADMIN = shared.ADMIN
PAGE = 4096
COMMANDS = [["verify"], ["stats"], ["stats", "--json"], ["users"], ["audit", "--limit", "5"]]


def _zero_page(store_dir: Path, where: float) -> None:
    path = store_dir / "ld-desktop.db"
    data = bytearray(path.read_bytes())
    pages = len(data) // PAGE
    page = max(2, int(pages * where))
    data[page * PAGE:(page + 1) * PAGE] = bytes(PAGE)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", [0.15, 0.35, 0.5, 0.65, 0.85])
def test_every_command_reports_a_zeroed_page_as_damage(
        store_dir: Path, where: float, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _zero_page(store_dir, where)
    for command in COMMANDS:
        monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN[1] + "\n"))
        capsys.readouterr()
        code = main([*command, "--data-dir", str(store_dir), "--as", ADMIN[0],
                     "--passphrase-stdin"])
        out = capsys.readouterr()
        assert "Traceback" not in out.out + out.err
        assert code == 4, (command, out.out, out.err)
        assert "damaged" in (out.out + out.err), (command, out.err)

