"""Helper for test_crash_safety.py: a writer that is killed with SIGKILL at random moments.

Run as ``python crash_child.py STORE USERNAME PASSPHRASE [rotate]``. It imports the
application once, then for every line read from standard input forks a writer process,
reports ``child <pid>`` and waits for it to die. The writer unlocks the store, says
``ready``, and saves referrals (person + case, two transactions) in a loop, printing each
case id only after its commit. Forking from an already-imported, already-warmed parent keeps
each writer's start to ~0.1 s instead of ~1.5 s, so 50+ kills fit in the time budget; each
writer is still a separate process killed with no clean-up at all.

With ``rotate`` the writer instead rotates the keys in a loop (an administrator's "Rotate
keys": pending generation, ``PRAGMA rekey``, commit), printing ``stage <name>`` as each
stage begins and ``rotated <generation>`` after each commit.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from datetime import date
from pathlib import Path

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.workstation import Workstation


def say(line: str) -> None:
    """One write(2) per line, so a kill never splits one. ``print`` is two writes when
    PYTHONUNBUFFERED is set (as it is in CI here): a writer killed between them left a case
    id without its newline, the helper's "reaped" joined it, and the test waited forever."""
    os.write(1, f"{line}\n".encode())


def write_forever(store: Path, username: str, passphrase: str, round_no: int) -> None:
    session = Workstation(store).unlock(username, passphrase)
    say("ready")
    site = session.site_ids[0]
    n = 0
    while True:
        n += 1
        person = session.persons.register(
            PersonDraft("Crashy", f"Killington{round_no}x{n}", date(1980, 1, 1)), site)
        case = session.cases.new_referral(ReferralDraft(
            person.id, site, "custody-sergeant", "arrested",
            custody_record_number=f"KILL/{round_no}/{n}"))
        say(str(case.id))


def rotate_forever(store: Path, username: str, passphrase: str, round_no: int) -> None:
    session = Workstation(store).unlock(username, passphrase)
    say("ready")
    last = ""

    def progress(done: int, total: int, what: str) -> None:
        nonlocal last
        if what != last:
            last = what
            say(f"stage {what}")

    while True:
        result = session.accounts.rotate_keys(progress=progress)
        last = ""
        say(f"rotated {result.generation}")


def main() -> None:
    store, username, passphrase = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    work = rotate_forever if sys.argv[4:] == ["rotate"] else write_forever
    for round_no, _ in enumerate(sys.stdin):
        if round_no == 0:
            # One unlock before the first fork (not before the first "go": the test may still
            # be seeding the store) configures the ORM mappers and warms the lazy caches,
            # which every writer then inherits: its unlock takes ~0.1 s instead of ~0.2 s.
            # Nothing else is inherited: the session is locked and no thread is left.
            Workstation(store).unlock(username, passphrase).lock()
            if threading.active_count() != 1:
                raise RuntimeError(f"a thread outlived the warm-up: {threading.enumerate()}")
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            try:
                work(store, username, passphrase, round_no)
            except BaseException:
                traceback.print_exc()   # the test fails on any traceback; never swallow one
                sys.stderr.flush()
            finally:
                os._exit(1)
        say(f"child {pid}")
        os.waitpid(pid, 0)
        say("reaped")


if __name__ == "__main__":
    main()
