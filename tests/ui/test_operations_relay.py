"""Thousands of background operations in a real process of their own, owners deleted while
some run, the caller keeping no reference: the process survives and every result arrives
(tests/ui/operations_stress_child.py).

Before ld_desktop/ui/immortal_singletons.py this process died every time within 9,600
operations, with the one relay as with the earlier relay per operation: PySide6 6.12.0 on
CPython 3.11 hands back None (from every method that returns nothing) and True (from every
Signal.emit) without a reference, so their counts drain to zero: "Fatal Python error:
none_dealloc" or "bool_dealloc", exit 134."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("operations_stress_child.py")

pytestmark = pytest.mark.slow


def _run(rounds: int, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), str(rounds)], capture_output=True, text=True,
        timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", **env})


def test_thousands_of_forgotten_operations_do_not_crash_the_process() -> None:
    rounds = 150                      # 9,600 operations
    result = _run(rounds)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["ok", str(rounds * 64), str(rounds * 64)]
    assert "Fatal Python error" not in result.stderr


def test_void_calls_and_emits_never_free_none_or_true() -> None:
    """The binding bug itself, in a process that imports the UI as the app does: 200,000
    calls that return nothing and 200,000 emits, far past the counts None and True start at."""
    code = (
        "import ld_desktop.ui\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class R(QObject):\n"
        "    s = Signal(int)\n"
        "r = R()\n"
        "r.s.connect(lambda v: None)\n"
        "for n in range(200_000):\n"
        "    r.setObjectName('x')\n"
        "    r.s.emit(n)\n"
        "print('alive')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, check=False,
                            env={**os.environ, "PYTHONPATH": str(ROOT),
                                 "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "alive"
