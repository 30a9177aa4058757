"""ld-admin commands for the service's authority (issue 12, item 2): register the first
administrator with the server's one-time admin code; show and approve personal keys."""

from __future__ import annotations

import argparse
import sys

from ld_desktop.cli.admin_commands import acting_session
from ld_desktop.cli.exit_codes import ExitCode
from ld_desktop.cli.secrets_input import SecretReader
from ld_desktop.cli.sync_commands import _common, with_the_server

# The authority service and the HTTP client are imported by the commands, not when ld-admin
# builds its parser (~0.3 s of every ld-admin command's start-up).


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("authority", help="show the first administrator this workstation "
                       "trusts (compare with 'ld-sync-server authority'), or with --code "
                       "register this administrator as the first")
    _common(p)
    p.add_argument("--code", help="one-time admin code from 'ld-sync-server admin-code'")
    p.set_defaults(handler=authority)

    p = sub.add_parser("keys", help="show your personal signing key, or approve another "
                       "workstation's key for a user (administrators)")
    _common(p)
    p.add_argument("--approve", metavar="USERNAME", help="the user whose key to approve")
    p.add_argument("--key", help="their public key, as 'ld-admin keys' shows it there")
    p.set_defaults(handler=keys)


def authority(args: argparse.Namespace) -> int:
    from ld_desktop.services.service_authority import AuthorityService

    if args.code is not None:
        return register_first_admin(args)
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        root = AuthorityService(session).trusted_root()
    if root is None:
        print("This workstation trusts no first administrator yet: it pins the server's at "
              "its first sync after one is registered.")
        return ExitCode.OK
    print(f"This workstation trusts {root.username}'s key as the service's first "
          "administrator.")
    print(f"Fingerprint (compare with 'ld-sync-server authority' on the server): "
          f"{root.fingerprint}")
    return ExitCode.OK


def register_first_admin(args: argparse.Namespace) -> int:
    from ld_desktop.services.service_authority import AuthorityService
    from ld_desktop.services.sync_service import NotEnrolledHere
    from sync.client import ServerRefused

    root = with_the_server(
        args, lambda session: AuthorityService(session).register_first_admin(args.code),
        {NotEnrolledHere: (ExitCode.AUTH, ""), ServerRefused: (ExitCode.AUTH,
                                                              "the server refused: ")})
    if isinstance(root, ExitCode):
        return root
    print(f"{root.username} is the service's first administrator; key fingerprint "
          f"{root.fingerprint}.")
    return ExitCode.OK


def keys(args: argparse.Namespace) -> int:
    if (args.approve is None) != (args.key is None):
        print("ld-admin: --approve and --key go together", file=sys.stderr)
        return ExitCode.INVALID
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        if args.approve is not None:
            try:
                print_ = session.accounts.approve_key(args.approve, args.key)
            except ValueError as exc:
                print(f"ld-admin: {exc}", file=sys.stderr)
                return ExitCode.INVALID
            print(f"Approved key {print_} for {args.approve}; it reaches the server at the "
                  "next sync.")
            return ExitCode.OK
        own = session.accounts.own_key()
        if own is None:
            print("ld-admin: no personal key is available", file=sys.stderr)
            return ExitCode.UNEXPECTED
    print(f"Personal key of {args.as_user} on this workstation: {own[0]}")
    print(f"Fingerprint (compare aloud before approving): {own[1]}")
    return ExitCode.OK
