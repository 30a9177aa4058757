"""ld-admin wipe: destroy this workstation's store on purpose (key slots first, then the
database), as a revocation by the sync server does. Asks for confirmation unless --yes.

Exit codes: 0 wiped; 2 not confirmed, no store in the folder, or something other than a file
where the unlock guard belongs (nothing changed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ld_desktop.cli.exit_codes import ExitCode
from ld_desktop.paths import data_dir
from ld_desktop.services.wipe import ON_PURPOSE, wipe_workstation
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import NotAPlainFile

CONFIRMATION = "WIPE"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("wipe", help="destroy this workstation's store (key slots, then data)")
    p.add_argument("--data-dir", type=Path, help="the workstation store (default: user data dir)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts)")
    p.set_defaults(handler=wipe)


def wipe(args: argparse.Namespace) -> int:
    folder = data_dir(args.data_dir)
    if not Workstation(folder).is_initialised:
        print(f"ld-admin: there is no workstation store in {folder}; nothing was changed.",
              file=sys.stderr)
        return ExitCode.INVALID
    if not args.yes:
        print(f"This destroys the workstation store in {folder}: every key slot, then the "
              "encrypted database. Records not yet synced are lost for good.", file=sys.stderr)
        print(f"Type {CONFIRMATION} to go ahead: ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip()
        if answer != CONFIRMATION:
            print("ld-admin: not confirmed; nothing was changed.", file=sys.stderr)
            return ExitCode.INVALID
    try:
        notice = wipe_workstation(folder, ON_PURPOSE)
    except NotAPlainFile as exc:                   # refused before anything was destroyed
        print(f"ld-admin: the wipe was refused: {exc}", file=sys.stderr)
        return ExitCode.INVALID
    print(f"Wiped {folder}: key slots destroyed first, then the database "
          f"({notice.removed} files removed).")
    return ExitCode.OK
