"""ld-admin: scripted deployment and support for a workstation store.

Exit codes: 0 success; 2 usage or invalid input; 3 authentication failed (wrong passphrase,
locked out, role not allowed); 4 integrity check failed or store corrupt; 5 sync server
unreachable (everything kept locally); 1 unexpected error. No traceback for an expected failure.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ld_desktop.cli import admin_commands as commands
from ld_desktop.cli.exit_codes import ExitCode, exit_code_for
from ld_desktop.domain.roles import Role
from ld_desktop.logging_setup import configure_logging
from ld_desktop.paths import data_dir
from ld_desktop.services.errors import StoreError

log = logging.getLogger(__name__)


def _store_args(p: argparse.ArgumentParser, *, acting: bool = True) -> None:
    p.add_argument("--data-dir", type=Path, help="the workstation store (default: user data dir)")
    if acting:
        p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME",
                       help="who is doing this (asked for their passphrase)")
    p.add_argument("--passphrase-stdin", action="store_true",
                   help="read every secret as one line from standard input, in order")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ld-admin", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create a new workstation store")
    _store_args(p, acting=False)
    p.add_argument("--service", default="Liaison and Diversion", help="service name")
    p.add_argument("--site", action="append", required=True, help="a site (repeatable)")
    p.add_argument("--admin", required=True, metavar="USERNAME", help="first administrator")
    p.set_defaults(handler=commands.init)

    p = sub.add_parser("add-user", help="add a user (they type their own passphrase)")
    _store_args(p)
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--name", help="display name")
    p.set_defaults(handler=commands.add_user)

    p = sub.add_parser("remove-user",
                       help="remove a user and re-key the database without their key slot")
    _store_args(p)
    p.add_argument("--username", required=True)
    p.add_argument("--new-recovery-code", action="store_true",
                   help="also replace the recovery code (always done for an administrator)")
    p.set_defaults(handler=commands.remove_user)

    p = sub.add_parser("rotate-keys", help="re-key the database and every key slot (after a "
                       "suspected compromise)")
    _store_args(p)
    p.add_argument("--new-recovery-code", action="store_true",
                   help="also replace the recovery code (the old one stops working)")
    p.set_defaults(handler=commands.rotate_keys)

    p = sub.add_parser("passwd", help="change your own passphrase")
    _store_args(p)
    p.set_defaults(handler=commands.passwd)

    p = sub.add_parser("recover", help="set a new passphrase with the recovery code")
    _store_args(p, acting=False)
    p.add_argument("--username", required=True)
    p.set_defaults(handler=commands.recover)

    for name, handler, text in (
        ("users", commands.users, "list users"),
        ("verify", commands.verify, "check SQLCipher and SQLite integrity and the audit chain"),
    ):
        p = sub.add_parser(name, help=text)
        _store_args(p)
        p.set_defaults(handler=handler)

    p = sub.add_parser("stats", help="counts of records, pending sync ops, audit events")
    _store_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=commands.stats)

    p = sub.add_parser("audit", help="print the audit trail")
    _store_args(p)
    p.add_argument("--case", help="only events for this case id")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(handler=commands.audit)

    p = sub.add_parser("demo", help="add synthetic, obviously fictional cases")
    _store_args(p)
    p.add_argument("--cases", type=int, required=True)
    p.set_defaults(handler=commands.demo)

    _add_optional_commands(sub)
    return parser


def _add_optional_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Command groups that live in their own modules (instruments, sync)."""
    for module_name in ("ld_desktop.cli.instruments", "ld_desktop.cli.sync_commands",
                        "ld_desktop.cli.authority_commands", "ld_desktop.cli.fhir_commands",
                        "ld_desktop.cli.wipe_command", "ld_desktop.cli.report_commands"):
        try:
            module = __import__(module_name, fromlist=["add_parser"])
        except ImportError:
            continue
        module.add_parser(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    handler: Callable[[argparse.Namespace], int] = args.handler
    store_dir = getattr(args, "data_dir", None)
    folder = data_dir(store_dir)
    if folder.is_dir():
        configure_logging(folder)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("Interrupted; nothing more was changed.", file=sys.stderr)
        return ExitCode.UNEXPECTED
    except Exception as exc:  # classify: expected failures get a message, never a traceback
        code = exit_code_for(exc)
        if code == ExitCode.UNEXPECTED and not isinstance(exc, StoreError):
            log.exception("unexpected error in ld-admin")
            print(f"ld-admin: unexpected error ({type(exc).__name__}). "
                  "Please report it to support.", file=sys.stderr)
        else:
            print(f"ld-admin: {exc}", file=sys.stderr)
        return code


if __name__ == "__main__":
    raise SystemExit(main())
