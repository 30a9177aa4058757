"""A saved record survives the process being killed at any moment (SIGKILL, no clean-up),
at least 50 times over; integrity and the audit chain hold afterwards."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import CaseFilter
from ld_desktop.services.workstation import Workstation

ADMIN = ("admin1", "admin passphrase for tests")
PRACT = ("prac1", "practitioner passphrase")
WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 50


@pytest.mark.slow
def test_committed_records_survive_sigkill(store_dir: Path) -> None:
    admin = Workstation(store_dir).unlock(*ADMIN)
    admin.accounts.add_user(*PRACT[:1], Role.PRACTITIONER, PRACT[1])
    admin.lock()
    rng = random.Random(1234)
    acknowledged: set[uuid.UUID] = set()
    env = {**os.environ, "LD_DESKTOP_KDF_PROFILE": "fast"}
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(WRITER), str(store_dir), *PRACT],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        assert child.stdout is not None
        first = child.stdout.readline()       # wait until it is writing, then kill at random
        time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        for line in [first, *out.splitlines()]:
            if len(line.strip()) == 36:   # a line cut short by the kill acknowledges nothing
                acknowledged.add(uuid.UUID(line.strip()))
    assert len(acknowledged) > KILLS  # the children really wrote between kills

    session = Workstation(store_dir).unlock(*PRACT)
    stored = {row.id for row in session.cases.page(CaseFilter(), 0, 100_000)}
    missing = acknowledged - stored
    assert not missing, f"{len(missing)} committed cases lost"
    session.lock()
    admin = Workstation(store_dir).unlock(*ADMIN)
    report = admin.maintenance.verify()
    stats = admin.maintenance.stats()
    admin.lock()
    assert report.healthy, report
    assert stats["cases"] >= len(acknowledged)
    # every committed case has its outbox op: nothing saved is invisible to sync
    assert stats["pending_outbox_ops"] >= 2 * stats["cases"]
