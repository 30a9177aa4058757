"""The benchmarks' own commands run to the end at a small size.

A benchmark that hangs or stops on its second run gives no figure at all, and nothing
else runs them: ``bench/handover.py`` once pressed Sync and hand over before the page had
read the shift's summary (the press did nothing; the bench waited five minutes), and
``bench/store.py --keep DIR`` stopped on its second run over DIR.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# bench/store.py derives keys with the real Argon2id profile (about 20 times a run: 0.2 s
# each on a quiet machine, 1.5 s at load 12), and the handover bench stops itself after
# 60 + 240 s: the limit is above both, so a failing bench says why
pytestmark = pytest.mark.slow
TIMEOUT = 400


def run_bench(tmp_path: Path, *args: str) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path)}
    env.pop("LD_TEST_POSTGRES_URL", None)           # the embedded server only: quick
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


def test_handover_bench_hands_over_through_the_page(tmp_path: Path) -> None:
    out = run_bench(tmp_path, "bench/handover.py", "--cases", "3")
    assert "embedded SQLite server, services in turn: 3 cases changed" in out
    assert "embedded SQLite server, through the Handover page: 3 cases changed" in out
    assert "time to receipt, as the senior sees it" in out
    left = [line.split()[-1] for line in out.splitlines()
            if "changes still local afterwards" in line]
    assert left == ["0", "0"], out


def test_store_bench_runs_again_on_the_store_it_kept(tmp_path: Path) -> None:
    args = ("bench/store.py", "--cases", "200", "--saves", "10", "--searches", "8",
            "--rounds", "2", "--keep", str(tmp_path / "kept"))
    first = run_bench(tmp_path, *args)
    assert "seeding" in first
    assert "rotate keys" in first
    second = run_bench(tmp_path, *args)
    assert "seeded earlier (--keep)" in second
    assert "SQLCipher / plain SQLite" in second
    # the fresh plain and encrypted stores of each run are gone; the kept one stays
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["bench-seeded.json",
                                                                     "store"]
