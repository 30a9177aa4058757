"""ld-admin report: the data-quality report and the monthly return to the commissioner.

``report monthly`` shows the data-quality report first; when it is not clean it asks for
confirmation (a line "yes" on standard input, after any passphrase), or ``--yes`` for
scripts. Nothing is written unless it goes ahead.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from ld_desktop.cli.admin_commands import acting_session
from ld_desktop.cli.exit_codes import ExitCode
from ld_desktop.cli.secrets_input import SecretReader
from ld_desktop.services.reports.period import parse_month

if TYPE_CHECKING:
    from ld_desktop.services.session import UserSession

# ReportService (the report queries) is imported by the commands, not when ld-admin builds
# its parser.


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--month", required=True, help="the month, like 2026-10")
    p.add_argument("--site", action="append", metavar="NAME",
                   help="only this site (repeatable; default: all your sites)")
    p.add_argument("--data-dir", type=Path, help="the workstation store")
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME")
    p.add_argument("--passphrase-stdin", action="store_true")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("report", help="data quality and the monthly return")
    inner = group.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    p = inner.add_parser("quality", help="what would make the month's return wrong")
    _common(p)
    p.set_defaults(handler=quality)
    p = inner.add_parser("monthly", help="write the month's MHSDS-aligned return")
    _common(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="an existing folder; the return goes in a new folder inside it")
    p.add_argument("--yes", action="store_true",
                   help="go ahead even if the data-quality report finds problems")
    p.set_defaults(handler=monthly)


def _sites(session: UserSession, names: list[str] | None) -> list[uuid.UUID] | None:
    if not names:
        return None
    by_name = {s.name.casefold(): s.id for s in session.sites}
    unknown = [n for n in names if n.casefold() not in by_name]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not one of your sites: "
                         + ", ".join(s.name for s in session.sites))
    return [by_name[n.casefold()] for n in names]


def quality(args: argparse.Namespace) -> int:
    period = parse_month(args.month)
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        from ld_desktop.services.reports.service import ReportService

        report = ReportService(session).data_quality(period, _sites(session, args.site))
    print("\n".join(report.summary_lines()))
    for finding in report.findings:
        print(f"  {finding.record_kind} {finding.record_id}  {finding.text}")
    return ExitCode.OK


def monthly(args: argparse.Namespace) -> int:
    period = parse_month(args.month)
    if not args.out.is_dir():
        raise ValueError(f"{args.out} is not a folder: create it first, or choose another.")
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        from ld_desktop.services.reports.service import ReportService

        reports = ReportService(session)
        sites = _sites(session, args.site)
        report = reports.data_quality(period, sites)
        print("\n".join(report.summary_lines()))
        confirmed = args.yes
        if not report.is_clean and not confirmed:
            print("Write the return anyway? Type yes to go ahead: ", end="", flush=True)
            answer = sys.stdin.readline().strip().casefold()
            print()
            if answer not in ("yes", "y"):
                print("Nothing was written. Fix the problems above (each line opens in the "
                      "Reports place), or run again and confirm.", file=sys.stderr)
                return ExitCode.INVALID
            confirmed = True
        written = reports.monthly_return(period, args.out, site_ids=sites,
                                         confirm_problems=confirmed, quality=report)
    print(f"Wrote the return for {period.label} to {written.folder}:")
    for item in written.files:
        print(f"  {item.name:<40} {item.rows:>7} row(s)  sha256 {item.sha256[:16]}...")
    print("  manifest.json (row counts, period, sites, codes used, SHA-256 of each file)")
    return ExitCode.OK
