"""Person records benchmark: the repair that follows every pull page (cases filed against a
merged-away person), a returning person's history, merge and undo merge, at N cases seeded
as bench/store.py does.

    .venv/bin/python bench/person_records.py --cases 100000
    .venv/bin/python bench/person_records.py --keep DIR    # a store bench/store.py --keep seeded
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LD_DESKTOP_KDF_PROFILE", "fast")

from sqlalchemy import select

from bench.store import ADMIN, PRACT, kept_store, make_store, seed
from ld_desktop.domain.roles import Role
from ld_desktop.services.person_history import PersonHistoryService
from ld_desktop.services.person_merge import PersonMergeService
from ld_desktop.services.session import UserSession
from ld_desktop.store.models import Person
from ld_desktop.store.redirect_repair import repair

SENIOR = ("bench.senior", "bench senior passphrase x")


def timed(fn: Callable[[int], object], times: int) -> str:
    took = []
    for i in range(times):
        start = time.perf_counter()
        fn(i)
        took.append(time.perf_counter() - start)
    ordered = sorted(took)
    return (f"p50 {statistics.median(took) * 1000:.2f} ms, "
            f"p95 {ordered[int(0.95 * (times - 1))] * 1000:.2f} ms")


def repair_once(session: UserSession) -> None:
    with session.store.unit_of_work("sync") as uow:
        repair(uow.session, uow.changes, "sync", set(), [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="a store seeded by bench/store.py --keep DIR (used, not seeded; "
                             "the merges are undone, 100 people lose their NHS numbers)")
    args = parser.parse_args()
    cases = args.cases
    if args.keep:
        ws, seeded = kept_store(args.keep)
        if seeded is None:
            parser.error(f"{args.keep} holds no store seeded by bench/store.py --keep")
        cases = len(seeded[0])
    else:
        ws = make_store(Path(tempfile.mkdtemp()) / "store")
    admin = ws.unlock(*ADMIN)
    if SENIOR[0] not in {user.username for user in admin.accounts.list_users()}:
        admin.accounts.add_user(SENIOR[0], Role.SENIOR, SENIOR[1])
    admin.lock()
    if not args.keep:
        practitioner = ws.unlock(*PRACT)
        seed(practitioner, cases, random.Random(1))
        practitioner.lock()
    senior = ws.unlock(*SENIOR)
    with senior.store.unit_of_work("bench") as uow:
        ids = list(uow.session.scalars(select(Person.id).limit(300)))
        for person_id in ids[200:]:   # seeded people all have NHS numbers: let pairs merge
            person = uow.session.get(Person, person_id)
            assert person is not None
            person.nhs_number = None
    history = PersonHistoryService(senior)
    merges = PersonMergeService(senior)
    load = os.getloadavg()
    print(f"{cases:,} cases, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load "
          f"average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (again at the end)")
    print("repair after a pull page, no redirects:", timed(lambda i: repair_once(senior), 50))
    print("a person's history:", timed(lambda i: history.history(ids[i]), 100))
    print("merge (one case moves):",
          timed(lambda i: merges.merge(ids[100 + i], ids[200 + i], "bench"), 50))
    print("repair after a pull page, 50 redirects:", timed(lambda i: repair_once(senior), 50))
    print("undo merge:", timed(lambda i: merges.undo_merge(ids[200 + i], "bench"), 50))
    senior.lock()
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
