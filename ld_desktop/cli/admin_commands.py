"""The handlers behind ld-admin's subcommands. Each returns an exit code."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from ld_desktop.cli.exit_codes import ExitCode
from ld_desktop.cli.secrets_input import SecretReader
from ld_desktop.domain.roles import Role
from ld_desktop.domain.unlock_backoff import failed_attempts_notice
from ld_desktop.paths import data_dir
from ld_desktop.services.accounts import RotationResult
from ld_desktop.services.audit_server_copy import compare_with_server
from ld_desktop.services.errors import IntegrityFailure
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation


def _workstation(args: argparse.Namespace) -> Workstation:
    return Workstation(data_dir(args.data_dir))


@contextmanager
def acting_session(args: argparse.Namespace, reader: SecretReader, *,
                   check_pages: bool = True) -> Iterator[UserSession]:
    """Unlock as ``--as``; always lock again, even on error. Unless the command checks the
    store itself (verify), a damaged page stops it first (exit 4), so no command reports
    success from a damaged store."""
    ws = _workstation(args)
    passphrase = reader.read(f"Passphrase for {args.as_user}: ")
    session = ws.unlock(args.as_user, passphrase)
    notice = failed_attempts_notice(session.failed_attempts)
    if notice:
        print(f"ld-admin: {notice}", file=sys.stderr)
    try:
        if check_pages:
            session.maintenance.require_undamaged()
        yield session
    finally:
        session.lock("command finished")


def init(args: argparse.Namespace) -> int:
    reader = SecretReader(args.passphrase_stdin)
    ws = _workstation(args)
    passphrase = reader.read_new(f"New passphrase for {args.admin}: ")
    code = ws.initialise(args.service, args.site, args.admin, passphrase)
    print(f"Created the store in {ws.data_dir} with {len(args.site)} site(s).")
    print("Recovery code (shown once: print it and give it to the service lead):")
    print(code)
    return ExitCode.OK


def add_user(args: argparse.Namespace) -> int:
    reader = SecretReader(args.passphrase_stdin)
    with acting_session(args, reader) as session:
        new = reader.read_new(f"New passphrase for {args.username} (they type it): ")
        session.accounts.add_user(args.username, Role(args.role), new, display_name=args.name)
    print(f"Added {args.username} ({Role(args.role).label}).")
    return ExitCode.OK


class ProgressPrinter:
    """Key-rotation progress on standard error: each stage once, then every 10%."""

    def __init__(self) -> None:
        self._last: tuple[str, int] | None = None

    def __call__(self, done: int, total: int, what: str) -> None:
        percent = (100 * done // total) // 10 * 10 if total else 100
        if self._last != (what, percent):
            self._last = (what, percent)
            print(f"{what}: {percent}%", file=sys.stderr, flush=True)


def _report_rotation(result: RotationResult) -> None:
    if result.dropped_unmigrated:
        print("These users had not unlocked since the upgrade, so their old-format key slots "
              "could not be re-sealed and were removed; add them again (they type their "
              f"passphrase): {', '.join(result.dropped_unmigrated)}")
    if result.recovery_code:
        print("New recovery code (shown once: print it and give it to the service lead; "
              "the old one no longer works):")
        print(result.recovery_code)


def remove_user(args: argparse.Namespace) -> int:
    reader = SecretReader(args.passphrase_stdin)
    with acting_session(args, reader) as session:
        result = session.accounts.remove_user(args.username, progress=ProgressPrinter(),
                                              new_recovery_code=args.new_recovery_code)
    print(f"Removed {args.username}: they can no longer unlock this workstation, and the "
          f"database has been re-encrypted with a new key (generation {result.generation}).")
    _report_rotation(result)
    return ExitCode.OK


def rotate_keys(args: argparse.Namespace) -> int:
    reader = SecretReader(args.passphrase_stdin)
    with acting_session(args, reader) as session:
        result = session.accounts.rotate_keys(progress=ProgressPrinter(),
                                              new_recovery_code=args.new_recovery_code)
    print(f"Keys rotated: the database and every key slot now use a new key (generation "
          f"{result.generation}). Copies of old key files open nothing.")
    _report_rotation(result)
    return ExitCode.OK


def passwd(args: argparse.Namespace) -> int:
    reader = SecretReader(args.passphrase_stdin)
    ws = _workstation(args)
    current = reader.read(f"Current passphrase for {args.as_user}: ")
    session = ws.unlock(args.as_user, current)
    try:
        session.maintenance.require_undamaged()
        new = reader.read_new("New passphrase: ")
        session.accounts.change_own_passphrase(current, new)
    finally:
        session.lock("command finished")
    print("Passphrase changed.")
    return ExitCode.OK


def recover(args: argparse.Namespace) -> int:
    reader = SecretReader(args.passphrase_stdin)
    ws = _workstation(args)
    code = reader.read("Recovery code: ")
    new = reader.read_new(f"New passphrase for {args.username}: ")
    ws.recover(args.username, code, new)
    print(f"New passphrase set for {args.username}.")
    return ExitCode.OK


def users(args: argparse.Namespace) -> int:
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        staff = session.accounts.list_users()
        old_format = {name.casefold() for name in session.accounts.unmigrated_users()}
    for member in staff:
        state = "active" if member.active else "removed"
        slot = "" if member.has_key_slot or not member.active else " (no key on this workstation)"
        if member.active and member.username.casefold() in old_format:
            slot = " (old key format until they next unlock; a key rotation would remove it)"
        print(f"{member.username:<20} {member.role.label:<20} {state}{slot}")
    return ExitCode.OK


def stats(args: argparse.Namespace) -> int:
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        counts = session.maintenance.stats()
    if args.json:
        print(json.dumps(counts, indent=2))
    else:
        for name, value in counts.items():
            print(f"{name.replace('_', ' '):<20} {value}")
    return ExitCode.OK


def verify(args: argparse.Namespace) -> int:
    with acting_session(args, SecretReader(args.passphrase_stdin),
                        check_pages=False) as session:
        copy = compare_with_server(session)   # before verify adds its own event
        report = session.maintenance.verify()
    for problem in report.database_problems + report.audit_problems:
        print(f"PROBLEM: {problem}")
    if copy.problem:
        print(f"PROBLEM: {copy.message}")
    else:
        print(copy.message)
    if not report.healthy or copy.problem:
        raise IntegrityFailure(
            "Integrity check failed: stop using this workstation and call support."
        )
    print(f"Database intact; audit chain intact ({report.audit_events} events).")
    return ExitCode.OK


def audit(args: argparse.Namespace) -> int:
    case_id = uuid.UUID(args.case) if args.case else None
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        events = session.maintenance.audit_trail(case_id, args.limit)
    if args.json:
        print(json.dumps([e.__dict__ for e in events], indent=2, default=str))
    else:
        for e in events:
            target = f"{e.entity} {e.entity_id}" if e.entity else ""
            print(f"{e.seq:>6} {e.at:%Y-%m-%d %H:%M:%S} {e.user:<14} {e.action:<18} {target}")
    return ExitCode.OK


def demo(args: argparse.Namespace) -> int:
    from ld_desktop.services.demo_data import seed_demo_cases

    if args.cases < 1 or args.cases > 200_000:
        raise ValueError("--cases must be between 1 and 200000.")
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        made = seed_demo_cases(session, args.cases)
    print(f"Added {made} fictional cases.")
    return ExitCode.OK
