"""The outbox is pruned once the server has acknowledged an op, never before (issue 17).

A workstation process is killed (SIGKILL, no clean-up) between the server's answer and the
store's pruning, and again right after the pruning: an op missing from the outbox must be
on the server, an op the server refused stays queued, and the next sync neither loses nor
applies anything twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import select

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from ld_desktop.store.models import OutboxOp
from sync.server import schema as t
from sync.server.database import make_engine
from tests.integration.conftest import SENIOR, SERVER_URL

if TYPE_CHECKING:
    from tests.integration.conftest import Station

CHILD = Path(__file__).resolve().parent / "prune_crash_child.py"


def _referral(session: UserSession, family: str, site_index: int) -> None:
    site = session.site_ids[site_index]
    person = session.persons.register(PersonDraft("Prunella", family, date(1985, 5, 5)), site)
    session.cases.new_referral(ReferralDraft(person.id, site, "custody-sergeant", "arrested",
                                             custody_record_number=f"PR/{family}"))


def _outbox(session: UserSession) -> dict[uuid.UUID, str]:
    with session.store.reading() as db:
        return {op_id: status for op_id, status in db.execute(
            select(OutboxOp.op_id, OutboxOp.status))}


def _on_server(station: Station, op_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    engine = make_engine(station.server.settings.database_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.select(t.ops.c.op_id).where(
                t.ops.c.op_id.in_([str(i) for i in op_ids]))).scalars()
            return {uuid.UUID(str(i)) for i in found}
    finally:
        engine.dispose()


def _server_op_count(station: Station) -> int:
    engine = make_engine(station.server.settings.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.ops)).scalar_one())
    finally:
        engine.dispose()


def _killed_sync(station: Station, when: str) -> str:
    done = subprocess.run(
        [sys.executable, str(CHILD), str(station.workstation.data_dir),
         station.server.settings.database_url, *SENIOR, when],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(), check=False)
    assert done.returncode == -9, done.stdout + done.stderr   # killed, not finished
    return done.stdout


def test_a_kill_between_acknowledgement_and_pruning_loses_nothing(make_station) -> None:  # type: ignore[no-untyped-def]
    station = make_station("pruned", enrol=False)
    # enrolled for the custody suite only: the court's ops are refused and must stay queued
    SyncService(station.admin, transport=station.server.transport).enrol(
        SERVER_URL, station.server.code(["Northgate Custody Suite"]), "pruned")
    for n in range(4):
        _referral(station.senior, f"Custodyside{n}", 0)
    _referral(station.senior, "Courtside", 1)
    queued = _outbox(station.senior)
    assert len(queued) >= 10

    # 1. killed as the acknowledgement arrives: the server has the ops, the outbox keeps all
    out = _killed_sync(station, "before-prune")
    assert out.startswith("acknowledged"), out
    assert _outbox(station.senior) == queued
    applied = _on_server(station, set(queued))
    assert applied, "the kill came after the server committed the push"
    server_ops = _server_op_count(station)

    # 2. the same ops again, killed right after pruning: the server calls them duplicates
    out = _killed_sync(station, "after-prune")
    assert "pruned" in out, out
    assert ":duplicate" in out
    left = _outbox(station.senior)
    gone = set(queued) - set(left)
    assert gone == applied                      # pruned exactly what the server holds
    assert _on_server(station, gone) == gone
    assert left
    assert set(left.values()) == {"rejected"}            # refused ops stay queued
    assert _server_op_count(station) == server_ops       # nothing applied twice

    # 3. a clean sync afterwards: the refused ops are still queued, nothing else changes
    station.sync()
    assert set(_outbox(station.senior)) == set(left)
    assert _server_op_count(station) == server_ops
