"""ld-admin enrol / sync: connect this workstation to the central server and sync it.

Exit codes: 0 ok; 5 server unreachable (everything kept locally); 3 device revoked or not
enrolled, or the acting user may not do this; 2 invalid input (e.g. a plain http:// URL to a
remote host)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ld_desktop.cli.admin_commands import acting_session
from ld_desktop.cli.exit_codes import ExitCode
from ld_desktop.cli.secrets_input import SecretReader
from ld_desktop.paths import data_dir

if TYPE_CHECKING:
    from ld_desktop.services.session import UserSession
    from ld_desktop.services.sync_quarantine import QuarantineEntry
    from ld_desktop.services.sync_service import SyncService

# The sync service and the HTTP client are imported by the commands that sync, not when
# ld-admin builds its parser: they were ~0.3 s of every ld-admin command's start-up.


def __getattr__(name: str) -> object:
    """``SyncService`` is this module's attribute, loaded on first use (PEP 562), so that
    tests can still replace ``ld_desktop.cli.sync_commands.SyncService``."""
    if name == "SyncService":
        from ld_desktop.services.sync_service import SyncService

        globals()[name] = SyncService
        return SyncService
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _service(session: UserSession) -> SyncService:
    service_class: type[SyncService] = getattr(sys.modules[__name__], "SyncService")  # noqa: B009
    return service_class(session)

T = TypeVar("T")
Refusals = dict[type[Exception], tuple[ExitCode, str]]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("enrol", help="enrol this workstation with the sync server")
    _common(p)
    p.add_argument("--server", required=True, help="https://... URL of the sync server")
    p.add_argument("--code", required=True, help="one-time enrolment code")
    p.add_argument("--name", help="a name for this workstation")
    p.set_defaults(handler=enrol)

    p = sub.add_parser("sync", help="push local changes, then pull the sites' changes")
    _common(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--retry-set-aside", action="store_true",
                   help="first try again the pulled records this version had set aside")
    p.set_defaults(handler=sync)


def _common(p: argparse.ArgumentParser) -> None:
    from pathlib import Path

    p.add_argument("--data-dir", type=Path)
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME")
    p.add_argument("--passphrase-stdin", action="store_true")


def with_the_server(args: argparse.Namespace, call: Callable[[UserSession], T],
                    refusals: Refusals) -> T | ExitCode:
    """Unlock as ``--as`` (``acting_session``) and run ``call``, which talks to the server.
    An unreachable server, or one of ``refusals`` (type: exit code, words before the
    message), is one line on standard error and an exit code instead of a result."""
    from sync.client import ServerUnreachable

    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        try:
            return call(session)
        except ServerUnreachable as exc:
            print(f"ld-admin: the sync server cannot be reached ({exc}).", file=sys.stderr)
            return ExitCode.UNREACHABLE
        except tuple(refusals) as exc:
            code, words = next(v for t, v in refusals.items() if isinstance(exc, t))
            print(f"ld-admin: {words}{exc}", file=sys.stderr)
            return code


def enrol(args: argparse.Namespace) -> int:
    from sync.client import EnrolmentRefused, InsecureServerUrl

    status = with_the_server(
        args, lambda session: _service(session).enrol(args.server, args.code, args.name),
        {InsecureServerUrl: (ExitCode.INVALID, ""),
         EnrolmentRefused: (ExitCode.AUTH, "enrolment refused: ")})
    if isinstance(status, ExitCode):
        return status
    print(f"Enrolled as device {status.device_id} for: {', '.join(status.site_names)}.")
    return ExitCode.OK


def sync(args: argparse.Namespace) -> int:
    code, wipe_due = _sync(args)   # the session is locked again: the store is closed
    if wipe_due:
        from ld_desktop.services.wipe import REVOKED, wipe_workstation

        notice = wipe_workstation(data_dir(args.data_dir), REVOKED)
        print(f"ld-admin: {notice.explanation} ({notice.removed} files removed)",
              file=sys.stderr)
    return code


def _sync(args: argparse.Namespace) -> tuple[int, bool]:
    """The sync's exit code, and whether the server revoked this workstation."""
    from ld_desktop.services.sync_quarantine import SyncQuarantine
    from ld_desktop.services.sync_service import NotEnrolledHere
    from sync.client import DeviceRevoked, NotEnrolled, ServerRefused, ServerUnreachable

    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        service = _service(session)
        quarantine = SyncQuarantine(session)
        if args.retry_set_aside:
            retried = quarantine.retry()
            print(f"Set-aside records applied: {retried.applied}; still set aside: "
                  f"{retried.still_set_aside}.", file=sys.stderr)
        try:
            report = service.sync()
        except ServerUnreachable as exc:
            pending = service.status().pending_ops
            print(f"ld-admin: the sync server cannot be reached ({exc}). "
                  f"Everything is kept on this workstation ({pending} changes waiting).",
                  file=sys.stderr)
            return ExitCode.UNREACHABLE, False
        except (DeviceRevoked, NotEnrolled) as exc:
            print(f"ld-admin: this workstation may no longer sync: {exc}", file=sys.stderr)
            return ExitCode.AUTH, service.status().wipe_due
        except NotEnrolledHere as exc:
            print(f"ld-admin: {exc}", file=sys.stderr)
            return ExitCode.AUTH, False
        except ServerRefused as exc:
            print(f"ld-admin: the server refused the sync: {exc}", file=sys.stderr)
            return ExitCode.UNEXPECTED, False
        conflicts_waiting = service.status().open_conflicts
        set_aside = quarantine.entries()
    summary = {
        "pushed": report.pushed, "pulled": report.pulled, "conflicts": report.conflicts,
        "conflicts_waiting": conflicts_waiting, "cursor": report.cursor,
        "rejected": report.rejected, "skew_ms": report.skew_ms,
        "quarantined": [_entry_json(entry) for entry in set_aside],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"Pushed {report.pushed}, pulled {report.pulled}, new conflicts "
              f"{report.conflicts} ({conflicts_waiting} waiting for a decision), "
              f"cursor {report.cursor}.")
        if report.rejected:
            print(f"{report.rejected} change(s) refused by the server and kept queued: "
                  + "; ".join(report.rejections))
        if set_aside:
            print(f"{len(set_aside)} pulled record(s) set aside: this version cannot apply "
                  "them (retried after an upgrade, or with --retry-set-aside):")
            for entry in set_aside:
                print(f"  {_printable(entry.entity)} {entry.entity_id}: {entry.reason}")
    return ExitCode.OK, False


def _entry_json(entry: QuarantineEntry) -> dict[str, object]:
    return {"entity": entry.entity, "entity_id": str(entry.entity_id), "seq": entry.seq,
            "reason": entry.reason, "since": entry.first_seen_at.isoformat(),
            "attempts": entry.attempts, "version": entry.reader_version}


def _printable(text: str) -> str:
    """A record type came from the server: escape control characters before printing."""
    return text.encode("unicode_escape").decode("ascii")
