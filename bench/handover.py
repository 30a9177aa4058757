"""End-of-shift benchmark: a busy shift (200 changed cases) synced and handed over.

A real workstation store (SQLCipher) enrolled with a real sync server (uvicorn over loopback
HTTP, embedded SQLite store; PostgreSQL too when LD_TEST_POSTGRES_URL is set). The shift's
work: 200 referrals (person and case), each with a consent decision, a risk assessment and a
note. Timed, as the senior's Sync and hand over does it: sync (push and pull), gather the
handover summary and record the handover, draw the PDF report, and carry the handover record
itself to the server. Goal: time to receipt <= 5 s.

Run: .venv/bin/python bench/handover.py [--cases 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                       # the repository's sync, not bench/sync.py
sys.path.insert(0, str(ROOT / "tests" / "sync"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LD_DESKTOP_KDF_PROFILE"] = "fast"       # unlock speed is bench/store.py's business

from live_server import running_server  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ld_desktop.domain.roles import Role  # noqa: E402
from ld_desktop.services.cases import ReferralDraft  # noqa: E402
from ld_desktop.services.clinical.consent import ConsentDraft  # noqa: E402
from ld_desktop.services.clinical.risk import RiskDraft  # noqa: E402
from ld_desktop.services.persons import PersonDraft  # noqa: E402
from ld_desktop.services.session import UserSession  # noqa: E402
from ld_desktop.services.sync_service import SyncService  # noqa: E402
from ld_desktop.services.workstation import Workstation  # noqa: E402
from ld_desktop.ui.pdf.handover_report import write_handover_report  # noqa: E402
from sync.server import ServerSettings  # noqa: E402
from sync.server.database import make_engine  # noqa: E402
from sync.server.registry import issue_enrol_code  # noqa: E402

SITE = "Benchmark Custody Suite (fictional)"


def busy_shift(senior: UserSession, cases: int) -> None:
    site = senior.site_ids[0]
    tomorrow = senior.now().date() + timedelta(days=1)
    for n in range(cases):
        person = senior.persons.register(
            PersonDraft("Benchy", f"Shiftcase{n:04d}", date(1950 + n % 40, 1 + n % 12, 1)),
            site)
        case = senior.cases.new_referral(ReferralDraft(
            person.id, site, "custody-sergeant", "arrested", custody_record_number=f"BEN/{n}"))
        senior.consent.record(case.id, ConsentDraft("assessment", "given", "has-capacity"))
        senior.risk.record(case.id, RiskDraft("low", "low", "low", "low",
                                              "high" if n % 10 == 0 else "low",
                                              "Fictional benchmark rationale", tomorrow))
        senior.notes.add(case.id, f"Fictional benchmark note {n}.")


def run(label: str, settings: ServerSettings, cases: int, folder: Path) -> list[str]:
    ws = Workstation(folder / "ws")
    ws.initialise("Benchmark L&D (fictional)", [SITE], "admin1", "bench admin passphrase")
    admin = ws.unlock("admin1", "bench admin passphrase")
    admin.accounts.add_user("senior1", Role.SENIOR, "bench senior passphrase")
    with running_server(settings) as (url, _app):
        engine = make_engine(settings.database_url)
        code = issue_enrol_code(engine, [SITE])
        engine.dispose()
        SyncService(admin).enrol(url, code, "bench workstation")
        admin.lock()
        senior = ws.unlock("senior1", "bench senior passphrase")
        busy_shift(senior, cases)
        pending = SyncService(senior).status().pending_ops
        end = datetime.now(UTC)
        start = end - timedelta(hours=12)
        t0 = time.perf_counter()
        report = SyncService(senior).sync()
        t1 = time.perf_counter()
        receipt = {"server_seq": report.server_seq, "pushed": report.pushed,
                   "pulled": report.pulled}
        record = senior.handover.complete(start, end, {"general": "Benchmark shift"}, receipt)
        t2 = time.perf_counter()
        pdf = write_handover_report(record, folder / "handover.pdf")
        t3 = time.perf_counter()
        SyncService(senior).sync()
        t4 = time.perf_counter()
        left = SyncService(senior).status().pending_ops
        senior.lock()
    timings = [
        (f"sync (push {report.pushed}, pull {report.pulled})", t1 - t0),
        ("summary and handover record", t2 - t1),
        (f"PDF report ({pdf.stat().st_size // 1024} KiB)", t3 - t2),
        ("handover record to the server", t4 - t3),
        ("time to receipt (all of the above; goal <= 5 s)", t4 - t0),
    ]
    return ([f"{label}: {cases} cases changed, {pending} changes to send"]
            + [f"  {what:50} {seconds:6.2f} s" for what, seconds in timings]
            + [f"  {'changes still local afterwards':50} {left:6d}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert app is not None
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        lines += run("embedded SQLite server", ServerSettings.for_data_dir(Path(folder) / "srv"),
                     args.cases, Path(folder))
    pg = os.environ.get("LD_TEST_POSTGRES_URL")
    if pg:
        import uuid

        import sqlalchemy as sa

        name = f"ld_handover_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.make_url(pg).set(database=name).render_as_string(hide_password=False)
        try:
            with tempfile.TemporaryDirectory() as folder:
                lines += run("PostgreSQL server", ServerSettings(database_url=url), args.cases,
                             Path(folder))
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
