"""Reports benchmark: one command, prints a table.

    .venv/bin/python bench/reports.py [--cases 100000] [--runs 5] [--store DIR]

Seeds N fictional cases over 24 months, in referral order, into a real encrypted store with
bulk inserts (core INSERT ... executemany inside units of work: the reports read rows, not
the outbox, so the ChangeLog's per-record bookkeeping is skipped to keep seeding short).
About 70% as many people as cases (repeat attenders), and per case: screenings (60%, most
signed off), onward referrals (30%), escalations (10%), information shares (20%), consents
to share (25%), outcomes at closure (90% of closed cases); 5% of cases are left open. Then
measures, for the last full month, with a senior at both sites:

* the dashboard (every figure, this month and the previous one): first and p50 of the rest;
* the data-quality report: first and p50;
* the monthly return written to a temporary folder (CSV per table + manifest): up to 3 runs;
* a floor in the same runs: reading the two months' cases once, the least a dashboard does.

Per measure it prints the wall-clock p50, this process's CPU time (p50), the ratio to the
floor, the goal and PASS or FAIL (on the p50; the first run is flagged if over the goal), and
the load average from ``uptime`` before and after. Goals (issue 16), at 100k cases:
dashboard <= 300 ms, data quality <= 1 s, return <= 10 s. Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from ld_desktop.domain.pathway import ContactType, ReferralSource
from ld_desktop.domain.roles import Role
from ld_desktop.domain.vulnerabilities import VULNERABILITY_DOMAINS
from ld_desktop.services.demo_data import FAMILY, GIVEN
from ld_desktop.services.reports import period as periods
from ld_desktop.services.reports.service import ReportService
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.models import (
    Case,
    Consent,
    Escalation,
    InformationShare,
    OnwardReferral,
    Outcome,
    Person,
    Screening,
)

ADMIN = ("bench.admin", "benchmark admin passphrase")
SENIOR = ("bench.senior", "benchmark senior passphrase")
SITES = ["Bench Custody Suite", "Bench Magistrates Court"]
BATCH = 5000
PEOPLE: list[dict[str, Any]] = []        # everyone seeded so far: some come back
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
SERVICES = [("cmht", "Community mental health team"),
            ("substance-misuse", "Drug and alcohol service"),
            ("housing-options", "Local authority housing options"), ("gp", "GP practice")]


def _rows(n: int, first: int, total: int, rng: random.Random, site_ids: list[uuid.UUID]
          ) -> dict[type, list[dict[str, Any]]]:
    global PEOPLE
    people = PEOPLE
    out: dict[type, list[dict[str, Any]]] = {m: [] for m in (
        Person, Case, Screening, OnwardReferral, Escalation, InformationShare, Consent,
        Outcome)}
    for i in range(n):
        site = rng.choice(site_ids)
        if people and rng.random() < 0.3:
            person = people[rng.randrange(max(0, len(people) - 20_000), len(people))]
        else:
            age = rng.choice([rng.randint(10, 17)] + [rng.randint(18, 70)] * 6)
            person = {"id": uuid.uuid4(), "site_id": site, "given_name": rng.choice(GIVEN),
                      "family_name": rng.choice(FAMILY),
                      "date_of_birth": date(2026 - age, rng.randint(1, 12), rng.randint(1, 28)),
                      "gender": rng.choice(["female", "male", "not-stated"]),
                      "nhs_number": f"999{i:07d}" if rng.random() < 0.85 else None,
                      "nhs_number_status": rng.choice(["verified", "unverified"]),
                      "ethnic_category": rng.choice("ABCHJMNZ"),
                      "gp_practice": "Fictional Surgery" if rng.random() < 0.7 else None}
            people.append(person)
            out[Person].append(person)
        # referrals arrive over two years in order, as they do in a live store
        span = 730 * 24 * 60
        referred = NOW - timedelta(minutes=span - span * (first + i) // total
                                   + rng.randint(0, 30))
        seen = referred + timedelta(minutes=rng.randint(10, 300)) if rng.random() < 0.9 else None
        screened = seen + timedelta(minutes=rng.randint(20, 300)) if seen and rng.random() < 0.7 \
            else None
        closed = referred + timedelta(hours=rng.randint(1, 72)) if rng.random() < 0.95 else None
        cid = uuid.uuid4()
        out[Case].append({
            "id": cid, "person_id": person["id"], "site_id": site,
            "referral_source": rng.choice(list(ReferralSource)).value, "referral_time": referred,
            "contact_type": rng.choices(list(ContactType), weights=[7, 2, 2])[0].value,
            "stage": "closed" if closed else ("screened" if screened else "referred"),
            "holder": SENIOR[0], "seen_at": seen, "screened_at": screened,
            "assessed_at": screened, "closed_at": closed, "in_custody": False,
            "flags": rng.sample(sorted(VULNERABILITY_DOMAINS), k=rng.choice([0, 1, 2, 3]))})
        child = {"case_id": cid, "site_id": site, "recorded_by": SENIOR[0]}
        at = seen or referred
        if rng.random() < 0.6:
            signed = rng.random() < 0.9
            out[Screening].append({**child, "id": uuid.uuid4(), "instrument_id":
                                   rng.choice(["phq9", "gad7", "auditc"]),
                                   "instrument_version": "1.0", "started_at": at,
                                   "result": {"scores": {"total": {"value": rng.randint(0, 20),
                                                                   "complete": True}}},
                                   "state": "signed-off" if signed else "completed",
                                   "completed_at": at, "signed_off_at": at if signed else None,
                                   "signed_off_by": SENIOR[0] if signed else None})
        if rng.random() < 0.3:
            code, name = rng.choice(SERVICES)
            out[OnwardReferral].append({**child, "id": uuid.uuid4(), "service_code": code,
                                        "service_name": name, "made_on": at.date(),
                                        "status": rng.choice(["made", "accepted", "declined",
                                                              "attended", "did-not-attend"])})
        if rng.random() < 0.1:
            out[Escalation].append({**child, "id": uuid.uuid4(),
                                    "clinician_type": "mental-health-nurse", "urgency": "soon",
                                    "status": rng.choice(["requested", "completed", "declined"]),
                                    "reason": "Fictional", "requested_at": at})
        if rng.random() < 0.25:
            out[Consent].append({**child, "id": uuid.uuid4(), "scope": "police",
                                 "decision": rng.choice(["given", "given", "declined"]),
                                 "decided_at": at})
        if rng.random() < 0.2:
            out[InformationShare].append({**child, "id": uuid.uuid4(), "recipient": "police",
                                          "shared_at": at})
        if closed and rng.random() < 0.9:
            out[Outcome].append({**child, "id": uuid.uuid4(), "disposal":
                                 rng.choice(["nfa", "charge", "caution", "bail"])})
    return out


def seed(session: UserSession, n: int, rng: random.Random) -> None:
    sites = session.site_ids
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        rows = _rows(size, done, n, rng, sites)
        with session.store.unit_of_work(session.user.username) as uow:
            for model in (Person, Case, Screening, OnwardReferral, Escalation,
                          InformationShare, Consent, Outcome):
                if rows[model]:
                    uow.session.execute(insert(model), rows[model])
        done += size
        if done % 20_000 == 0 or done == n:
            print(f"  seeded {done:,} cases", file=sys.stderr, flush=True)


@dataclass
class Measured:
    """One measure's runs: wall-clock seconds and this process's CPU seconds."""

    name: str
    goal: float
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    result: Any = None

    def run(self, work: Any) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.result = work()
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)

    @property
    def first(self) -> float:
        return self.wall[0]

    @property
    def p50(self) -> float:
        """Median of the runs after the first (the first warms the page cache)."""
        return statistics.median(self.wall[1:] or self.wall)

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu[1:] or self.cpu)


def load_average() -> str:
    """What ``uptime`` says about the machine's load: 1, 5 and 15 minute averages."""
    try:
        said = subprocess.run(["uptime"], capture_output=True, text=True, check=True,
                              timeout=5).stdout
        return said.split("load average:")[1].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return ", ".join(f"{n:.2f}" for n in os.getloadavg())


def floor_query(session: UserSession, month: periods.Period) -> Callable[[], Any]:
    """The least any dashboard must do, as a yardstick that slows with the machine: read
    the two months' cases once (no person, no grouping). Figures over it survive load."""
    before = month.previous()

    def work() -> Any:
        with session.store.reading() as db:
            return db.execute(select(func.count(), func.max(Case.contact_type)).where(
                Case.referral_time >= before.start, Case.referral_time < month.end)).one()
    return work


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def report(measures: list[Measured], floor: Measured, loads: tuple[str, str]) -> None:
    runs = len(measures[0].wall)
    print(f"load average (uptime) before: {loads[0]}; after: {loads[1]}  (2 cores: "
          "above 2, CPU-bound wall-clock times stretch with the load; CPU time does not)")
    print(f"{'measure':<44}{'first':>10}{f'p50 of {runs - 1}':>11}{'CPU p50':>10}"
          f"{'/floor':>8}{'goal':>9}  result")
    for m in [*measures, floor]:
        goal = f"{_ms(m.goal)}" if m.goal else "-"
        verdict = "-" if not m.goal else (
            "PASS" if m.p50 <= m.goal else "FAIL") + (
            "" if m.first <= m.goal else " (first over goal)")
        ratio = f"{m.p50 / floor.p50:>7.1f}x" if m is not floor else f"{'1.0x':>8}"
        print(f"{m.name:<44}{_ms(m.first):>10}{_ms(m.p50):>11}{_ms(m.cpu_p50):>10}"
              f"{ratio}{goal:>9}  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5,
                        help="runs of the dashboard and data-quality report (at least 2)")
    parser.add_argument("--store", type=Path,
                        help="keep the seeded store here and reuse it on the next run")
    args = parser.parse_args()
    runs = max(2, args.runs)
    os.environ.setdefault("LD_DESKTOP_KDF_PROFILE", "fast")   # unlock is not measured here
    rng = random.Random(16)
    with tempfile.TemporaryDirectory(prefix="ld-bench-reports-") as tmp:
        folder = args.store or Path(tmp) / "store"
        ws = Workstation(folder)
        seeded = 0.0
        if not ws.is_initialised:
            ws.initialise("Bench L&D (fictional)", SITES, *ADMIN)
            admin = ws.unlock(*ADMIN)
            admin.accounts.add_user(SENIOR[0], Role.SENIOR, SENIOR[1],
                                    site_ids=[s.id for s in admin.sites])
            admin.lock()
            senior = ws.unlock(*SENIOR)
            start = time.perf_counter()
            seed(senior, args.cases, rng)
            seeded = time.perf_counter() - start
        else:
            senior = ws.unlock(*SENIOR)
        PEOPLE.clear()          # the seeding's own objects: not the app's to collect
        gc.collect()
        loads = [load_average()]
        reports = ReportService(senior)
        month = periods.month(date(2026, 10, 1))
        board = Measured("dashboard (all figures, + previous month)", 0.300)
        quality = Measured("data-quality report", 1.0)
        floor = Measured("floor: read the two months' cases", 0.0)
        for _ in range(runs):       # interleaved, so a burst of load hits each alike
            board.run(lambda: reports.dashboard(month))
            quality.run(lambda: reports.data_quality(month))
            floor.run(floor_query(senior, month))
        returned = Measured("monthly return written (CSV + manifest)", 10.0)
        for run in range(max(2, min(runs, 3))):
            out = Path(tmp) / f"out{run}"
            out.mkdir()
            returned.run(lambda out=out: reports.monthly_return(
                month, out, confirm_problems=True, quality=quality.result))
        loads.append(load_average())
        senior.lock()
        size = (folder / "ld-desktop.db").stat().st_size
    written = returned.result
    referrals = board.result.figure("referrals-by-source").total
    print(f"\nReports benchmark: {args.cases:,} cases, {platform.python_version()} on "
          f"{platform.machine()}, {os.cpu_count()} CPUs; seeded in {seeded:.0f} s; "
          f"database {size / 1e6:.0f} MB; {runs} runs; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Month: {month.label}: {referrals:.0f} referrals, "
          f"{written.rows('MHS101Referral'):,} active referrals in the return, "
          f"{quality.result.problem_count:,} data-quality problems\n")
    report([board, quality, returned], floor, (loads[0], loads[1]))
    print("rows: " + ", ".join(f"{f.table} {f.rows:,}" for f in written.files))
    met = all(m.p50 <= m.goal for m in (board, quality, returned))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
