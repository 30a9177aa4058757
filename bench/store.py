"""Store benchmark: one command, prints a table.

    .venv/bin/python bench/store.py [--cases 100000] [--saves 200] [--searches 200]
    .venv/bin/python bench/store.py --cases 100000 --floors     # issue 17: save, search
    .venv/bin/python bench/store.py --cases 100000 --size-only  # issue 17: storage

``--keep DIR`` seeds into DIR and keeps the store; a later run with the same ``--keep DIR``
(or ``bench/ui.py --keep DIR``) uses it instead of seeding again.

Seeds N cases into a real encrypted store, each with its person and a signed-off screening,
written like ``services/demo_data.py`` does: ORM records through units of work and the
ChangeLog (so every record has its outbox op and field versions) and the search index, in
batches. Then measures, at N:

* unlock with the real (default) Argon2id profile, p50;
* saving a referral for a new person the way the app does it, ``persons.register`` +
  ``cases.new_referral`` (rows, outbox ops, audit events, search index; two transactions,
  ``synchronous=FULL``), p50/p95 over the saves, and each half on its own;
* issue 17's floors (``bench/floors.py``): ``cases.new_referral`` against the same
  statements on the raw connection, alternately (wall and CPU p50, and the ratio); people
  search through ``PersonService.search`` (and the statement alone) by full name, by
  family-name prefix, by NHS number (typed with spaces) and by custody record number,
  against the raw ranked FTS5 statement with the same LIMIT, in rounds (CPU p50 per round,
  the median of the rounds' ratios);
* the cost of encryption: the same save workload through the same services and the same
  migrated schema on a plain SQLite file and on SQLCipher (both fresh stores);
* the database size (issue 17): ``VACUUM``'d, once with the seeding's outbox still pending
  (every op kept: nothing has reached a server) and once after the server acknowledged
  every op (``StoreReplica.acknowledge``, the sync client's own path, prunes them), with the
  bytes per table (SQLite's ``dbstat``) so a regression shows where it is;
* key rotation at N (issue 13): an administrator's "Rotate keys" (re-seal every slot,
  ``PRAGMA rekey`` of the whole database, commit) and removing a user (deactivate + the same
  rotation without their slot), with the number of progress reports the UI would get.

Goals (issue 2): save p95 <= 15 ms, search p95 <= 50 ms at 100k, unlock <= 600 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ld_desktop.store.engine as engine_module
from bench.floors import (
    SearchKind,
    save_against_floor,
    save_rows,
    search_against_floor,
    search_rows,
)
from ld_desktop.domain.person_search import person_search_text
from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.demo_data import FAMILY, GIVEN, demo_nhs_number
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.kdf import DEFAULT_PROFILE
from ld_desktop.store.models import Case, Person, Screening
from ld_desktop.store.search_index import index_person

ADMIN = ("bench.admin", "benchmark admin passphrase")
PRACT = ("bench.prac", "benchmark practitioner phrase")
LEAVER = ("bench.leaver", "benchmark leaver passphrase")
BATCH = 1000
SUFFIXES = ["", "son", "ley", "ton", "by", "wood", "field", "ham", "well", "ford", "hurst",
            "stone", "more", "dale", "worth", "croft", "land", "bridge", "shaw", "man"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def p50_p95(values: list[float]) -> str:
    return f"{pct(values, 50) * 1000:.1f} / {pct(values, 95) * 1000:.1f} ms"


def make_store(folder: Path) -> Workstation:
    ws = Workstation(folder)
    ws.initialise("Bench L&D (fictional)", ["Bench Custody Suite"], *ADMIN)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user(PRACT[0], Role.PRACTITIONER, PRACT[1])
    admin.lock()
    return ws


def seed(session: UserSession, n: int, rng: random.Random, *, signed_off: bool = True
         ) -> tuple[list[str], list[str], list[str]]:
    """N people + N cases + N signed-off screenings, through units of work and the
    ChangeLog, BATCH cases per transaction. Returns (full names, NHS numbers, custody nos).
    ``signed_off=False``: completed screenings, awaiting sign-off (unsigned, so a sync
    server takes them without the users' keys)."""
    site = session.site_ids[0]
    now = datetime.now(UTC)
    names, numbers, crns = [], [], []
    done = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while done < n:
        size = min(BATCH, n - done)
        with session.store.unit_of_work(session.user.username) as uow:
            for i in range(done, done + size):
                given = rng.choice(GIVEN)
                family = rng.choice(FAMILY) + rng.choice(SUFFIXES)
                nhs = demo_nhs_number(rng)
                crn = f"BN/{i % 97:02d}/{i:07d}"
                dob = date(1950 + rng.randint(0, 55), rng.randint(1, 12), rng.randint(1, 28))
                person = Person(site_id=site, given_name=given, family_name=family,
                                date_of_birth=dob, nhs_number=nhs,
                                nhs_number_status="unverified")
                uow.changes.create(person)
                referred = now - timedelta(minutes=rng.randint(60, 500_000))
                case = Case(person_id=person.id, site_id=site,
                            referral_source="custody-sergeant", referral_time=referred,
                            custody_record_number=crn, contact_type="arrested",
                            stage=rng.choice(["seen", "screened", "closed"]),
                            holder=uow.user, in_custody=False)
                uow.changes.create(case)
                uow.changes.create(Screening(
                    case_id=case.id, site_id=site, recorded_by=uow.user,
                    instrument_id="bench-screen", instrument_version="1.0",
                    answers={"q1": 1, "q2": 0}, result={"total": 1},
                    state="signed-off" if signed_off else "completed",
                    started_at=referred, completed_at=referred,
                    signed_off_at=referred if signed_off else None,
                    signed_off_by=uow.user if signed_off else None))
                index_person(uow.session, person.id, person_search_text(person, [crn]))
                names.append(f"{given} {family}")
                numbers.append(nhs)
                crns.append(crn)
            uow.audit("bench-data-added", detail={"cases": size})
        done += size
        if done % 20_000 == 0 or done == n:
            print(f"  seeded {done:,} cases", file=sys.stderr, flush=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = os.getloadavg()
    print(f"  seeding: {n / wall:,.0f} cases/s, {n / cpu:,.0f} cases per CPU second "
          f"(load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})",
          file=sys.stderr, flush=True)
    return names, numbers, crns


def save_referrals(session: UserSession, count: int, tag: str
                   ) -> tuple[list[float], list[float], list[float]]:
    """persons.register + cases.new_referral, timed together and apart."""
    site = session.site_ids[0]
    both, person_t, case_t = [], [], []
    for i in range(count):
        start = time.perf_counter()
        person = session.persons.register(
            PersonDraft("Benchy", f"Saved{tag}person{i}", date(1990, 1, 1),
                        nhs_number=None), site)
        middle = time.perf_counter()
        session.cases.new_referral(ReferralDraft(person.id, site, "custody-sergeant",
                                                 "arrested", custody_record_number=f"SV/{i}"))
        end = time.perf_counter()
        both.append(end - start)
        person_t.append(middle - start)
        case_t.append(end - middle)
    return both, person_t, case_t


def _plain_connection(path: Path, key: bytearray) -> Any:
    """The engine's connection with the same pragmas, on plain SQLite: no key, no cipher."""
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA secure_delete = ON")
    return conn


@contextmanager
def plain_sqlite() -> Iterator[None]:
    """Swap the store's connection factory for plain SQLite: same services, same migrated
    schema (Alembic runs as usual), same transactions; only the encryption differs."""
    original: Callable[..., Any] = engine_module._open_connection
    engine_module._open_connection = _plain_connection
    try:
        yield
    finally:
        engine_module._open_connection = original


def encryption_cost(folder: Path, saves: int) -> tuple[list[float], list[float], bytes]:
    """The same saves on a fresh plain store and a fresh SQLCipher store, made in a new
    folder each run (a ``--keep`` folder is used again)."""
    with tempfile.TemporaryDirectory(prefix="fresh-", dir=folder) as fresh_dir:
        fresh = Path(fresh_dir)
        with plain_sqlite():
            plain_ws = make_store(fresh / "plain")
            plain = plain_ws.unlock(*PRACT)
            plain_times = save_referrals(plain, saves, "p")[0]
            plain.lock()
        header = (fresh / "plain" / "ld-desktop.db").read_bytes()[:16]
        enc_ws = make_store(fresh / "encrypted")
        enc = enc_ws.unlock(*PRACT)
        enc_times = save_referrals(enc, saves, "e")[0]
        enc.lock()
    return plain_times, enc_times, header


def key_rotation(ws: Workstation) -> tuple[float, float, int]:
    """Seconds for "Rotate keys" and for removing a user, on the seeded store; the number
    of progress reports during the rotation. Everyone else still unlocks afterwards."""
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user(LEAVER[0], Role.PRACTITIONER, LEAVER[1])
    reports: list[str] = []
    start = time.perf_counter()
    admin.accounts.rotate_keys(progress=lambda done, total, what: reports.append(what))
    rotate_s = time.perf_counter() - start
    start = time.perf_counter()
    admin.accounts.remove_user(LEAVER[0])
    remove_s = time.perf_counter() - start
    admin.lock()
    ws.unlock(*PRACT).lock()
    return rotate_s, remove_s, len(reports)


def _vacuumed_size(session: UserSession) -> tuple[float, dict[str, float]]:
    """MB of the database file after VACUUM and a checkpoint (no WAL left), and MB of the
    outbox's JSON and of the people's, cases' and screenings' field versions."""
    raw = session.store.engine.raw_connection()   # no BEGIN: VACUUM needs autocommit
    try:
        cur = raw.cursor()
        cur.execute("VACUUM")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = cur.execute("PRAGMA page_size").fetchone()[0]
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        outbox_bytes = cur.execute(
            "SELECT coalesce(sum(length(fields) + length(base_versions) + length(sites)"
            " + length(links)), 0) FROM outbox").fetchone()[0]
        version_bytes = sum(cur.execute(
            f"SELECT coalesce(sum(length(field_versions)), 0) FROM {table}").fetchone()[0]
            for table in ("person", "\"case\"", "screening"))
    finally:
        raw.close()
    return int(page_size) * int(pages) / 1e6, {"outbox JSON": outbox_bytes / 1e6,
                                               "field_versions JSON": version_bytes / 1e6}


def storage_sizes(session: UserSession) -> dict[str, Any]:
    """Database size with the outbox pending, then after every op is acknowledged."""
    from sqlalchemy import func, select

    from ld_desktop.store.models import OutboxOp
    from ld_desktop.store.replica import StoreReplica
    from sync.protocol import OpResult, OpStatus

    pending_mb, pending_tables = _vacuumed_size(session)
    replica = StoreReplica(session.store, "bench-device")
    with session.store.reading() as db:
        seqs = list(db.execute(select(OutboxOp.device_seq, OutboxOp.op_id)))
    for start in range(0, len(seqs), 5000):
        replica.acknowledge([OpResult(device_seq=seq, op_id=op_id, status=OpStatus.APPLIED)
                             for seq, op_id in seqs[start:start + 5000]])
    with session.store.reading() as db:
        left = int(db.scalar(select(func.count()).select_from(OutboxOp)) or 0)
    synced_mb, synced_tables = _vacuumed_size(session)
    return {"ops": len(seqs), "left": left, "pending_mb": pending_mb,
            "synced_mb": synced_mb, "pending_tables": pending_tables,
            "synced_tables": synced_tables}


def seeding(cases: int, seconds: float) -> str:
    return f"seeding {cases / seconds:,.0f} cases/s" if seconds else "seeded earlier (--keep)"


def print_sizes(folder: Path, cases: int, seed_s: float, sizes: dict[str, Any]) -> int:
    load = os.getloadavg()
    print(f"\nStore size, {cases:,} cases, {datetime.now():%Y-%m-%d %H:%M}, load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, {seeding(cases, seed_s)}")
    print(f"  VACUUM'd, outbox pending ({sizes['ops']:,} ops kept)  {sizes['pending_mb']:8.1f} MB")
    print(f"  VACUUM'd, after the server acknowledged them ({sizes['left']:,} left)"
          f"  {sizes['synced_mb']:8.1f} MB   goal <= 250 MB at 100,000 cases")
    for label in ("pending_tables", "synced_tables"):
        print(f"  of which ({label.split('_')[0]}): "
              + ", ".join(f"{name} {mb:.1f} MB" for name, mb in sizes[label].items()))
    return 0


SEEDED = "bench-seeded.json"   # in a --keep folder: names, NHS and custody numbers seeded


def kept_store(folder: Path) -> tuple[Workstation, list[list[str]] | None]:
    """The store in ``folder``, made if there is none; and what was seeded into it, if it
    was (by an earlier run with ``--keep``)."""
    if (folder / SEEDED).exists():
        return Workstation(folder / "store"), json.loads((folder / SEEDED).read_text())
    return make_store(folder / "store"), None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8,
                        help="search rounds (the median of their ratios is reported)")
    parser.add_argument("--size-only", action="store_true",
                        help="seed, then measure only the database size (issue 17)")
    parser.add_argument("--floors", action="store_true",
                        help="seed, then only save and search against their floors (issue 17)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="seed into DIR and keep it; if DIR holds a store seeded by an "
                             "earlier --keep run, use it instead of seeding again")
    args = parser.parse_args()
    os.environ.pop("LD_DESKTOP_KDF_PROFILE", None)     # the real Argon2id cost
    if args.keep is not None:
        return measure(args, args.keep)
    with tempfile.TemporaryDirectory(prefix="ld-bench-") as folder:   # ~650 MB at 100k
        return measure(args, Path(folder))


def measure(args: argparse.Namespace, folder: Path) -> int:
    rng = random.Random(7)
    ws, seeded = kept_store(folder)

    unlocks = []
    for _ in range(5):
        start = time.perf_counter()
        s = ws.unlock(*PRACT)
        unlocks.append(time.perf_counter() - start)
        s.lock()

    session = ws.unlock(*PRACT)
    start = time.perf_counter()
    if seeded is None:
        names, numbers, crns = seed(session, args.cases, rng)
        (folder / SEEDED).write_text(json.dumps([names, numbers, crns]))
    else:
        names, numbers, crns = seeded
        args.cases = len(names)
    seed_s = time.perf_counter() - start if seeded is None else 0.0
    if args.size_only:
        return print_sizes(folder, args.cases, seed_s, storage_sizes(session))
    session.lock()                      # a fresh unlock, as a practitioner would start work
    session = ws.unlock(*PRACT)

    saves, person_saves, case_saves = save_referrals(session, args.saves, "n")

    kinds: list[SearchKind] = [
        ("full name", names, lambda v: v),
        ("family-name prefix (6 letters)", names, lambda v: v.split()[1][:6]),
        ("NHS number typed with spaces", numbers, lambda v: f"{v[:3]} {v[3:6]} {v[6:]}"),
        ("custody record number", crns, lambda v: v),
    ]
    per_round = max(1, args.searches // args.rounds)
    searched = search_against_floor(session, kinds, args.rounds, per_round, rng)
    saved = save_against_floor(session, args.saves)
    if args.floors:
        session.lock()
        return print_rows(args.cases, [
            (f"cases seeded (person + case + screening, ChangeLog, {BATCH}/txn)",
             f"{args.cases:,}", seeding(args.cases, seed_s)),
            *save_rows(saved), *search_rows(searched, per_round)])
    session.lock()
    db_files = list((folder / "store").glob("ld-desktop.db*"))
    size_mb = sum(p.stat().st_size for p in db_files) / 1e6
    rotate_s, remove_s, reports = key_rotation(ws)

    plain_t, enc_t, plain_header = encryption_cost(folder, args.saves)
    assert plain_header.startswith(b"SQLite format 3"), "the plain run was not plain SQLite"

    memory, iterations, lanes = DEFAULT_PROFILE
    rows = [
        (f"cases seeded (person + case + screening, ChangeLog, {BATCH}/txn)",
         f"{args.cases:,}", seeding(args.cases, seed_s)),
        (f"unlock (Argon2id {memory // 1024} MiB, t={iterations}, p={lanes}) p50 of 5",
         f"{statistics.median(unlocks) * 1000:.0f} ms", "goal <= 600 ms"),
        (f"save referral: persons.register + cases.new_referral, p50 / p95 of {args.saves}",
         p50_p95(saves), "goal p95 <= 15 ms"),
        ("  of which persons.register p50 / p95", p50_p95(person_saves), ""),
        ("  of which cases.new_referral p50 / p95", p50_p95(case_saves), ""),
    ]
    rows += [*save_rows(saved), *search_rows(searched, per_round)]
    rows += [
        (f"same save workload on fresh stores, plain SQLite p50 / p95 ({args.saves})",
         p50_p95(plain_t), ""),
        (f"same save workload on fresh stores, SQLCipher p50 / p95 ({args.saves})",
         p50_p95(enc_t), ""),
        ("SQLCipher / plain SQLite (total time, same workload)",
         f"{sum(enc_t) / sum(plain_t):.2f}x", f"{sum(plain_t) * 1000:.0f} vs "
         f"{sum(enc_t) * 1000:.0f} ms"),
        ("database size (db + wal)", f"{size_mb:.0f} MB", ""),
        ("rotate keys: re-seal 4 slots + PRAGMA rekey + commit", f"{rotate_s:.1f} s",
         f"{reports} progress reports"),
        ("remove user: deactivate + rotate keys without their slot", f"{remove_s:.1f} s", ""),
    ]
    return print_rows(args.cases, rows)


def print_rows(cases: int, rows: list[tuple[str, str, str]]) -> int:
    width = max(len(r[0]) for r in rows)
    load = os.getloadavg()
    print(f"\nStore benchmark, {cases:,} cases, {os.cpu_count()} cores, "
          f"{platform.python_version()}, {datetime.now():%Y-%m-%d %H:%M}, load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>16}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
