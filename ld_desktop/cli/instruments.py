"""ld-admin instruments: list, show, score (no store needed) and import (a licensed service's
own definition, recorded in the store)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ld_desktop.cli.exit_codes import ExitCode
from ld_desktop.cli.secrets_input import SecretReader
from ld_desktop.domain.age import YOUTH_MIN_AGE
from ld_desktop.domain.instruments import DefinitionError, InvalidAnswer, evaluate
from ld_desktop.paths import data_dir
from ld_desktop.services.instrument_imports import record_imported_instrument
from ld_desktop.services.instrument_library import InstrumentLibrary, validate_definition_file


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("instruments", help="screening instruments")
    inner = group.add_subparsers(dest="instruments_command", required=True, metavar="ACTION")

    p = inner.add_parser("list", help="the instruments this workstation ships")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=list_instruments)

    p = inner.add_parser("show", help="an instrument's items, scoring and licence")
    p.add_argument("instrument")
    p.set_defaults(handler=show)

    p = inner.add_parser("score", help="score a set of answers without the GUI")
    p.add_argument("instrument")
    p.add_argument("--answer", action="append", default=[], metavar="ID.N=VALUE")
    p.add_argument("--age", type=_age, help=f"age in years, {MIN_AGE} to {MAX_AGE}")
    p.add_argument("--sex", choices=["female", "male"],
                   help="for cut-offs that differ by sex (AUDIT-C)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=score)

    p = inner.add_parser("import", help="install a licensed instrument definition file")
    p.add_argument("file", type=Path)
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME")
    p.add_argument("--passphrase-stdin", action="store_true")
    p.set_defaults(handler=import_definition)


MIN_AGE = YOUTH_MIN_AGE   # L&D sees no one younger: the age of criminal responsibility
MAX_AGE = 120


def _age(text: str) -> int:
    try:
        age = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of years") from None
    if not MIN_AGE <= age <= MAX_AGE:
        raise argparse.ArgumentTypeError(f"{age} is outside {MIN_AGE} to {MAX_AGE}")
    return age


def list_instruments(args: argparse.Namespace) -> int:
    library = InstrumentLibrary.load()
    rows = [{"id": d.id, "version": d.version, "title": d.title, "kind": d.kind,
             "items": len(d.items), "text_shipped": d.licence.text_may_ship,
             "commercial_use": d.licence.commercial_use, "minimum_age": d.minimum_age}
            for d in library.all()]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            text = "" if r["text_shipped"] else "  (wording not shipped)"
            print(f"{r['id']:<8} {r['version']:<5} {r['title']}{text}")
    return ExitCode.OK


def show(args: argparse.Namespace) -> int:
    definition = InstrumentLibrary.load().get(args.instrument)
    print(f"{definition.title} (v{definition.version}, {definition.kind})")
    print(definition.description)
    lic = definition.licence
    print(f"Licence: clinical {lic.clinical_use}, commercial {lic.commercial_use}, research "
          f"{lic.research_use}, wording shipped {lic.text_may_ship}")
    print(f"Source: {lic.citation}")
    for item in definition.items:
        options = ", ".join(f"{o.value}={o.label or o.value}" for o in item.options)
        print(f"  {item.id:<11} {item.text or '(wording supplied by a licensed service)'}")
        if options:
            print(f"              [{options}]")
    for s in definition.scores:
        print(f"Score {s.id}: {s.method} of {len(s.items)} items, range {s.range[0]:g}-"
              f"{s.range[1]:g}")
    return ExitCode.OK


def score(args: argparse.Namespace) -> int:
    definition = InstrumentLibrary.load().get(args.instrument)
    answers: dict[str, object] = {}
    for pair in args.answer:
        if "=" not in pair:
            raise ValueError(f"--answer {pair!r}: use ID.N=VALUE, e.g. phq9.1=2")
        key, value = (part.strip() for part in pair.split("=", 1))
        if key in answers:
            raise ValueError(f"--answer {key} is given twice ({answers[key]} and {value}); "
                             "give each item once.")
        answers[key] = value
    if args.age is not None and not definition.suitable_for(args.age):
        raise ValueError(f"{definition.short_title} is not for someone aged {args.age}.")
    result = evaluate(definition, answers, args.age, context=_context(args))
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(result.summary())
        for flag in result.flags:
            print(f"  [{flag.severity.value}] {flag.words()}")
            if flag.source:
                print(f"      source: {flag.source}")
        for text in result.follow_up_texts:
            print(f"  next: {text}")
    return ExitCode.OK


def _context(args: argparse.Namespace) -> dict[str, str | None]:
    return {"sex": args.sex}


def import_definition(args: argparse.Namespace) -> int:
    definition = validate_definition_file(args.file)
    passphrase = SecretReader(args.passphrase_stdin).read(f"Passphrase for {args.as_user}: ")
    data = json.loads(args.file.read_text("utf-8"))
    record_imported_instrument(data_dir(args.data_dir), args.as_user, passphrase, data)
    print(f"Imported {definition.id} v{definition.version}: {definition.title}.")
    return ExitCode.OK


__all__ = ["DefinitionError", "InvalidAnswer", "add_parser"]
