"""ld-admin fhir export: a case's signed-off screenings as a FHIR R4 / UK Core Bundle
(JSON), audited as an export."""

from __future__ import annotations

import argparse
import json
import uuid
from pathlib import Path

from ld_desktop.cli.admin_commands import acting_session
from ld_desktop.cli.exit_codes import ExitCode
from ld_desktop.cli.secrets_input import SecretReader
from ld_desktop.services.clinical.fhir_export import FhirExportService


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a record id") from None


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("fhir", help="FHIR R4 / UK Core exports")
    inner = group.add_subparsers(dest="fhir_command", required=True, metavar="ACTION")
    p = inner.add_parser("export", help="a case's signed-off screenings as a FHIR Bundle")
    p.add_argument("--case", dest="case_id", type=_uuid, required=True, metavar="ID")
    p.add_argument("--screening", dest="screening_id", type=_uuid, metavar="ID",
                   help="only this signed-off screening")
    p.add_argument("--out", type=Path, help="write the Bundle here (default: standard output)")
    p.add_argument("--data-dir", type=Path, help="the workstation store")
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME")
    p.add_argument("--passphrase-stdin", action="store_true")
    p.set_defaults(handler=export)


def export(args: argparse.Namespace) -> int:
    if args.out is not None and args.out.exists():
        raise ValueError(f"{args.out} already exists; choose another file name.")
    with acting_session(args, SecretReader(args.passphrase_stdin)) as session:
        bundle = FhirExportService(session).export_case(args.case_id, args.screening_id)
    text = json.dumps(bundle, indent=2, ensure_ascii=False)
    if args.out is None:
        print(text)
    else:
        args.out.write_text(text + "\n", "utf-8")
        print(f"Wrote a FHIR Bundle of {len(bundle['entry'])} resources to {args.out}.")
    return ExitCode.OK
