"""End-of-shift benchmark: a busy shift (200 changed cases) synced and handed over.

A real workstation store (SQLCipher) enrolled with a real sync server (uvicorn over loopback
HTTP, embedded SQLite store; PostgreSQL too when LD_TEST_POSTGRES_URL is set). The shift's
work: 200 referrals (person and case), each with a consent decision, a risk assessment and a
note. Timed, as the senior's Sync and hand over does it: sync (push and pull), gather the
handover summary and record the handover, draw the PDF report, and carry the handover record
itself to the server. Goal: time to receipt <= 5 s.

Measured twice, each on a fresh workstation and server: calling the services in turn, and
through the Handover page itself (opening it, then pressing Sync and hand over: the sync off
the GUI thread, the report saved, the handover carried up), with the Qt event loop running.
Each prints the CPU time of this process over the same span (the workstation and the
in-process server; PostgreSQL's is not counted), which moves far less with the load than the
wall time, and the load average at the start and the end.

Run: .venv/bin/python bench/handover.py [--cases 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                       # the repository's sync, not bench/sync.py
sys.path.insert(0, str(ROOT / "tests" / "sync"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LD_DESKTOP_KDF_PROFILE"] = "fast"       # unlock speed is bench/store.py's business

from live_server import running_server  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ld_desktop.domain.roles import Role  # noqa: E402
from ld_desktop.services.cases import ReferralDraft  # noqa: E402
from ld_desktop.services.clinical.consent import ConsentDraft  # noqa: E402
from ld_desktop.services.clinical.risk import RiskDraft  # noqa: E402
from ld_desktop.services.persons import PersonDraft  # noqa: E402
from ld_desktop.services.session import UserSession  # noqa: E402
from ld_desktop.services.sync_service import SyncService  # noqa: E402
from ld_desktop.services.workstation import Workstation  # noqa: E402
from ld_desktop.ui.operations import in_flight  # noqa: E402
from ld_desktop.ui.pdf.handover_report import write_handover_report  # noqa: E402
from sync.server import ServerSettings  # noqa: E402
from sync.server.authority import issue_admin_code  # noqa: E402
from sync.server.database import make_engine  # noqa: E402
from sync.server.registry import issue_enrol_code  # noqa: E402

SITE = "Benchmark Custody Suite (fictional)"
# the workstation and the in-process server's threads; PostgreSQL's own CPU is not in it
CPU_LABEL = "  of which CPU time of this process (workstation and server threads)"


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


def run_events_until(app: QCoreApplication, done: Callable[[], bool], seconds: float,
                     why_not: Callable[[], str]) -> None:
    """Run the Qt event loop until ``done()``; stop the bench after ``seconds``."""
    start = time.perf_counter()
    while not done():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() - start > seconds:
            raise SystemExit(f"{why_not()} (after {seconds:.0f} s)")


def through_the_page(senior: UserSession, folder: Path) -> tuple[list[tuple[str, float]], int]:
    """Open the Handover page and press Sync and hand over; returns the timings and the
    changes still local afterwards."""
    from ld_desktop.ui.handover.handover_page import HandoverPage

    app = QApplication.instance()
    assert app is not None
    t0 = time.perf_counter()
    page = HandoverPage(senior, choose_path=lambda _parent, _name: folder / "page.pdf")
    panel = page.panel
    assert panel is not None
    # the page reads the summary, the rota and the history off the GUI thread; the button
    # stays off until the summary is shown
    run_events_until(app, lambda: panel.go_button.isEnabled() and in_flight() == 0, 60,
                     lambda: f"the Handover page did not finish opening: "
                             f"{panel.message.text()!r}")
    t1 = time.perf_counter()
    marks: dict[str, float] = {}
    panel.handed_over.connect(lambda _r: marks.setdefault("receipt", time.perf_counter()))
    t2 = time.perf_counter()
    cpu = time.process_time()
    panel.go_button.click()             # as the senior does: the button is on by now
    if panel.phase == "idle":
        raise SystemExit("Sync and hand over did not start")
    # each step's callback starts the next before it returns, so the event loop sees the
    # panel idle only once the handover has been carried up, refused or stopped
    run_events_until(app, lambda: panel.phase == "idle", 240,
                     lambda: f"the handover did not finish: phase {panel.phase!r}, "
                             f"{panel.message.text()!r}")
    t3 = time.perf_counter()
    cpu = time.process_time() - cpu
    record = panel.record
    if record is None or not record.complete:
        raise SystemExit(f"not handed over: {panel.message.text()}")
    receipt = record.sync_receipt
    # the summary and history the page reads again afterwards (untimed), before the lock
    run_events_until(app, lambda: in_flight() == 0, 60,
                     lambda: "the Handover page's reads after the handover did not finish")
    page.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return ([("open the Handover page (the shift's summary)", t1 - t0),
             (f"Sync and hand over pressed -> handover and PDF (push {receipt['pushed']}, "
              f"pull {receipt['pulled']})", marks["receipt"] - t2),
             ("time to receipt, as the senior sees it (goal <= 5 s)", t3 - t2),
             (CPU_LABEL, cpu)],
            SyncService(senior).status().pending_ops)


def run(label: str, settings: ServerSettings, cases: int, folder: Path,
        via_page: bool = False) -> list[str]:
    ws = Workstation(folder / "ws")
    ws.initialise("Benchmark L&D (fictional)", [SITE], "admin1", "bench admin passphrase")
    admin = ws.unlock("admin1", "bench admin passphrase")
    admin.accounts.add_user("senior1", Role.SENIOR, "bench senior passphrase")
    with running_server(settings) as (url, _app):
        engine = make_engine(settings.database_url)
        code = issue_enrol_code(engine, [SITE])
        admin_code = issue_admin_code(engine)
        engine.dispose()
        SyncService(admin).enrol(url, code, "bench workstation")
        # the service's first administrator, as a real first workstation: without it the
        # server refuses the site and staff records, and the handover stops on them
        SyncService(admin).register_first_admin(admin_code)
        admin.lock()
        senior = ws.unlock("senior1", "bench senior passphrase")
        busy_shift(senior, cases)
        pending = SyncService(senior).status().pending_ops
        if via_page:
            timings, left = through_the_page(senior, folder)
            senior.lock()
            return ([f"{label}, through the Handover page: {cases} cases changed, {pending} "
                     "changes to send"]
                    + [f"  {what:72} {seconds:6.2f} s" for what, seconds in timings]
                    + [f"  {'changes still local afterwards':72} {left:6d}"])
        end = datetime.now(UTC)
        start = end - timedelta(hours=12)
        t0 = time.perf_counter()
        cpu = time.process_time()
        report = SyncService(senior).sync()
        t1 = time.perf_counter()
        if report.rejected:
            raise SystemExit(f"the server refused {report.rejected} change(s): "
                             f"{'; '.join(report.rejections)}")
        receipt = {"server_seq": report.server_seq, "pushed": report.pushed,
                   "pulled": report.pulled}
        record = senior.handover.complete(start, end, {"general": "Benchmark shift"}, receipt)
        t2 = time.perf_counter()
        pdf = write_handover_report(record, folder / "handover.pdf")
        t3 = time.perf_counter()
        SyncService(senior).sync()
        t4 = time.perf_counter()
        cpu = time.process_time() - cpu
        left = SyncService(senior).status().pending_ops
        senior.lock()
    timings = [
        (f"sync (push {report.pushed}, pull {report.pulled})", t1 - t0),
        ("summary and handover record", t2 - t1),
        (f"PDF report ({pdf.stat().st_size // 1024} KiB)", t3 - t2),
        ("handover record to the server", t4 - t3),
        ("time to receipt (all of the above; goal <= 5 s)", t4 - t0),
        (CPU_LABEL, cpu),
    ]
    return ([f"{label}, services in turn: {cases} cases changed, {pending} changes to send"]
            + [f"  {what:72} {seconds:6.2f} s" for what, seconds in timings]
            + [f"  {'changes still local afterwards':72} {left:6d}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"bench/handover.py: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}", flush=True)
    app = QApplication.instance() or QApplication([])
    assert app is not None
    lines: list[str] = []
    for via_page in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            lines += run("embedded SQLite server",
                         ServerSettings.for_data_dir(Path(folder) / "srv"), args.cases,
                         Path(folder), via_page)
    pg = os.environ.get("LD_TEST_POSTGRES_URL")
    if pg:
        import uuid

        import sqlalchemy as sa

        name = f"ld_handover_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        url = sa.make_url(pg).set(database=name).render_as_string(hide_password=False)
        try:
            for via_page in (False, True):
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                with tempfile.TemporaryDirectory() as folder:
                    lines += run("PostgreSQL server", ServerSettings(database_url=url),
                                 args.cases, Path(folder), via_page)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    load = os.getloadavg()
    lines.append(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
