"""Demo stores (issue 13 item 7) are removed when the demo ends, and stale ones (a demo that
crashed or was killed) at the next start; a demo still running keeps its store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ld_desktop.services.demo_setup import DEMO_PREFIX, OWNER_FILE, remove_stale_demo_stores

ROOT = Path(__file__).resolve().parents[2]


def _finished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_demo_stores_go_and_running_ones_stay(tmp_path: Path) -> None:
    stale = tmp_path / f"{DEMO_PREFIX}stale"
    stale.mkdir()
    (stale / OWNER_FILE).write_text(str(_finished_pid()))
    (stale / "ld-desktop.db").write_bytes(b"fictional")
    unowned = tmp_path / f"{DEMO_PREFIX}from-an-older-version"
    unowned.mkdir()
    running = tmp_path / f"{DEMO_PREFIX}running"
    running.mkdir()
    (running / OWNER_FILE).write_text(str(os.getpid()))
    other = tmp_path / "not-a-demo"
    other.mkdir()
    assert remove_stale_demo_stores(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{DEMO_PREFIX}running",
                                                          "not-a-demo"]


def test_the_demo_removes_its_store_when_it_ends(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT),
           "QT_QPA_PLATFORM": "offscreen"}
    stale = tmp_path / f"{DEMO_PREFIX}left-by-a-crash"
    stale.mkdir()
    (stale / OWNER_FILE).write_text(str(_finished_pid()))
    done = subprocess.run(
        [sys.executable, "-m", "ld_desktop.ui.app", "--demo", "--screenshot",
         str(tmp_path / "shot.png")], env=env, capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "shot.png").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(DEMO_PREFIX)] == []
