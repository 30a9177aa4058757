"""`ld-desktop --self-test`: every step runs for real, and a failing step is named (issue 19)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ld_desktop.ui import self_test


def test_self_test_runs_every_step_for_real_and_leaves_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-m", "ld_desktop.ui.app", "--self-test"],
                         capture_output=True, text=True, timeout=300, env=env, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    for step in ("store", "instrument", "pdf", "sync"):
        assert f"self-test {step}" in run.stdout
    assert "changes pushed, 0 waiting" in run.stdout
    assert "self-test passed" in run.stdout
    assert list(tmp_path.iterdir()) == []      # the temporary store and server are removed


def test_a_failing_step_is_named_and_exits_1(qapp: object,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_pdf(_: Path) -> str:
        raise OSError("disk full (simulated)")

    steps = [(name, broken_pdf if name == "pdf" else step) for name, step in self_test.STEPS]
    monkeypatch.setattr(self_test, "STEPS", steps[:3])   # store, instrument, a broken pdf
    out = io.StringIO()
    assert self_test.run_self_test(out) == 1
    assert "self-test FAILED at pdf: disk full (simulated)" in out.getvalue()
    assert "self-test instrument ok" in out.getvalue()
    assert "self-test passed" not in out.getvalue()
