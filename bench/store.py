"""Store benchmark: one command, prints a table.

    .venv/bin/python bench/store.py [--cases 100000]

Seeds N cases (with people and a screening each) into a real encrypted store, then measures
unlock (real Argon2id parameters), saving a referral through the services (person + case rows,
outbox ops, audit events, search index), people search at N, and the cost of encryption
(the same write workload on plain SQLite and on SQLCipher). Goals (issue 2): save p95 <= 15 ms,
search p95 <= 50 ms at 100k, unlock <= 600 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlcipher3
from sqlalchemy import insert, text

from ld_desktop.domain.ids import new_id
from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.demo_data import FAMILY, GIVEN, demo_nhs_number
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.models import Case, Person, Screening

ADMIN = ("bench.admin", "benchmark admin passphrase")
PRACT = ("bench.prac", "benchmark practitioner phrase")
BATCH = 5000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def seed(session, n: int, rng: random.Random) -> tuple[list[str], list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Bulk insert N people + N cases + N screenings (as if already synced: no outbox)."""
    site = session.site_ids[0]
    now = datetime.now(UTC)
    names, numbers, crns = [], [], []
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        people, cases, screenings, fts = [], [], [], []
        for i in range(done, done + size):
            pid, cid = new_id(), new_id()
            family = f"{rng.choice(FAMILY)}{i}"
            nhs = demo_nhs_number(rng)
            crn = f"BN/{i:07d}"
            dob = date(1950 + rng.randint(0, 55), rng.randint(1, 12), rng.randint(1, 28))
            people.append({"id": pid, "site_id": site, "given_name": rng.choice(GIVEN),
                           "family_name": family, "date_of_birth": dob, "nhs_number": nhs,
                           "nhs_number_status": "unverified", "field_versions": {},
                           "aliases": []})
            cases.append({"id": cid, "person_id": pid, "site_id": site,
                          "referral_source": "custody-sergeant",
                          "referral_time": now - timedelta(minutes=rng.randint(1, 500_000)),
                          "custody_record_number": crn, "contact_type": "arrested",
                          "stage": rng.choice(["referred", "seen", "screened", "closed"]),
                          "field_versions": {}, "offences": [], "flags": []})
            screenings.append({"id": new_id(), "case_id": cid, "site_id": site,
                               "recorded_by": "bench", "instrument_id": "phq9",
                               "instrument_version": "1.0", "answers": {"phq9.1": 1},
                               "result": {"total": 1}, "state": "signed-off",
                               "started_at": now, "field_versions": {}})
            fts.append({"id": str(pid), "n": f"{people[-1]['given_name']} {family}",
                        "i": f"{nhs} {dob:%Y%m%d} {crn.replace('/', '').lower()}"})
            names.append(family)
            numbers.append(nhs)
            crns.append(crn)
        with session.store.unit_of_work("bench") as uow:
            uow.session.execute(insert(Person), people)
            uow.session.execute(insert(Case), cases)
            uow.session.execute(insert(Screening), screenings)
            uow.session.execute(text("INSERT INTO person_search (person_id, names, identifiers)"
                                     " VALUES (:id, :n, :i)"), fts)
        done += size
    return names, numbers, crns


def encryption_ratio(folder: Path, rows: int = 3000) -> tuple[float, float]:
    """The same write workload (one small transaction per row, WAL, synchronous=FULL)."""
    def workload(conn) -> float:  # type: ignore[no-untyped-def]
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT, body TEXT)")
        start = time.perf_counter()
        for i in range(rows):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t VALUES (?, ?, ?)", (str(uuid.uuid4()), f"n{i}", "x" * 300))
            conn.execute("COMMIT")
        return time.perf_counter() - start

    plain = sqlite3.connect(folder / "plain.db", isolation_level=None)
    t_plain = workload(plain)
    plain.close()
    enc = sqlcipher3.connect(str(folder / "enc.db"), isolation_level=None)
    enc.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    t_enc = workload(enc)
    enc.close()
    return t_plain, t_enc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="ld-bench-"))
    ws = Workstation(folder / "store")
    ws.initialise("Bench L&D (fictional)", ["Bench Custody Suite"], *ADMIN)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user(PRACT[0], Role.PRACTITIONER, PRACT[1])
    admin.lock()

    unlocks = []
    for _ in range(5):
        start = time.perf_counter()
        s = ws.unlock(*PRACT)
        unlocks.append(time.perf_counter() - start)
        s.lock()
    session = ws.unlock(*PRACT)

    start = time.perf_counter()
    names, numbers, crns = seed(session, args.cases, rng)
    seed_s = time.perf_counter() - start

    site = session.site_ids[0]
    saves, case_saves, person_saves = [], [], []
    for i in range(args.saves):
        start = time.perf_counter()
        person = session.persons.register(
            PersonDraft("Benchy", f"Savedperson{i}", date(1990, 1, 1)), site)
        middle = time.perf_counter()
        session.cases.new_referral(ReferralDraft(person.id, site, "custody-sergeant",
                                                 "arrested", custody_record_number=f"SV/{i}"))
        end = time.perf_counter()
        person_saves.append(middle - start)
        case_saves.append(end - middle)
        saves.append(end - start)

    searches: dict[str, list[float]] = {"name": [], "NHS number": [], "custody number": []}
    for _ in range(args.searches):
        for kind, pool, transform in (
            ("name", names, lambda v: v[:-2] if len(v) > 6 else v),
            ("NHS number", numbers, lambda v: f"{v[:3]} {v[3:6]} {v[6:]}"),
            ("custody number", crns, lambda v: v),
        ):
            query = transform(rng.choice(pool))
            start = time.perf_counter()
            found = session.persons.search(query, limit=50)
            searches[kind].append(time.perf_counter() - start)
            assert found, f"no result for a {kind} search"
    session.lock()
    t_plain, t_enc = encryption_ratio(folder)
    size_mb = sum(p.stat().st_size for p in (folder / "store").glob("ld-desktop.db*")) / 1e6

    ms = 1000.0
    rows = [
        ("cases seeded (bulk, with people and screenings)", f"{args.cases:,}",
         f"{args.cases / seed_s:,.0f} cases/s"),
        ("unlock (Argon2id 128 MiB, t=3, p=4) p50", f"{statistics.median(unlocks) * ms:.0f} ms",
         "goal <= 600 ms"),
        ("save case (case row + outbox op + audit event + index) p50 / p95",
         f"{pct(case_saves, 50) * ms:.1f} / {pct(case_saves, 95) * ms:.1f} ms",
         "goal p95 <= 15 ms"),
        ("register person (row + outbox + audit + index) p50 / p95",
         f"{pct(person_saves, 50) * ms:.1f} / {pct(person_saves, 95) * ms:.1f} ms", ""),
        ("new person and case together (2 transactions) p50 / p95",
         f"{pct(saves, 50) * ms:.1f} / {pct(saves, 95) * ms:.1f} ms", ""),
    ]
    for kind, values in searches.items():
        rows.append((f"search people by {kind} p50 / p95",
                     f"{pct(values, 50) * ms:.1f} / {pct(values, 95) * ms:.1f} ms",
                     "goal p95 <= 50 ms"))
    rows += [
        ("SQLCipher / plain SQLite, same write workload", f"{t_enc / t_plain:.2f}x",
         f"{t_plain * ms:.0f} ms vs {t_enc * ms:.0f} ms"),
        ("database size", f"{size_mb:.0f} MB", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\nStore benchmark, {args.cases:,} cases, {os.cpu_count()} cores, "
          f"{datetime.now():%Y-%m-%d}")
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>16}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
