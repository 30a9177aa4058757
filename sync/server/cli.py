"""`ld-sync-server`: serve, enrol-code, admin-code, devices, revoke, audit-check, analyze.

Bad arguments (an expiry out of range, a blank site, an unreachable or unusable database)
are refused with exit 2 and one line on stderr, never a traceback. Names that came from
devices are printed with control characters escaped, so a device cannot drive the
administrator's terminal."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from sync.op_signing import fingerprint
from sync.protocol import normalise_site_name
from sync.server import audit_store, authority, registry
from sync.server.database import analyze, make_engine, migrate
from sync.server.registry import RegistryError
from sync.server.settings import (
    DATABASE_URL_ENV,
    HOME_ENV,
    THREADS_ENV,
    TRAINING_ENV,
    ServerSettings,
    default_data_dir,
)

MAX_EXPIRY_MINUTES = 7 * 24 * 60   # a week: a code is handed over in person, soon after
#: how long uvicorn waits for a worker process to start and to answer its pings before it
#: kills it (its default, 5 s, is less than the imports take on a busy two-core machine:
#: every worker was killed and restarted for ever at load 10, 30/11/2026)
WORKER_HEALTHCHECK_S = 60


class UsageError(Exception):
    """A bad argument or an unusable database: exit 2 with this one-line message."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a refusal is one line (no usage block) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def _minutes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of minutes: {text!r}") from None
    if not 1 <= value <= MAX_EXPIRY_MINUTES:
        raise argparse.ArgumentTypeError(
            f"give between 1 and {MAX_EXPIRY_MINUTES} minutes (a week), not {value}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"give at least 1, not {value}")
    return value


def _site(text: str) -> str:
    if not normalise_site_name(text):
        raise argparse.ArgumentTypeError("a site needs a name (it was blank)")
    return text


def printable(text: str) -> str:
    """``text`` with control and format characters (ANSI escapes, bidi overrides) escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def _settings(args: argparse.Namespace) -> ServerSettings:
    if args.database_url:
        return ServerSettings(database_url=args.database_url)
    return ServerSettings.for_data_dir(Path(args.data_dir) if args.data_dir
                                       else default_data_dir())


def _engine(args: argparse.Namespace) -> Engine:
    try:
        engine = make_engine(_settings(args).database_url)
        migrate(engine)
    except ArgumentError as exc:
        raise UsageError(f"the database URL is not usable ({exc})") from None
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise UsageError(f"cannot use the database: {reason[0] if reason else type(exc).__name__}"
                         ) from None
    return engine


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings(args)
    if (args.tls_cert is None) != (args.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    _engine(args).dispose()   # reachable and migrated before any worker starts
    # Workers import the factory and read the store's location from the environment.
    os.environ[DATABASE_URL_ENV] = settings.database_url
    os.environ[TRAINING_ENV] = "1" if args.training else "0"
    os.environ[THREADS_ENV] = str(args.threads)
    uvicorn.run("sync.server.app:create_app_from_env", factory=True, host=args.host,
                port=args.port, workers=args.workers, ssl_certfile=args.tls_cert,
                ssl_keyfile=args.tls_key, log_level=args.log_level, access_log=False,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)
    return 0


def _enrol_code(args: argparse.Namespace) -> int:
    code = registry.issue_enrol_code(_engine(args), args.site, expires_minutes=args.expires)
    print(f"One-time enrolment code for {', '.join(args.site)} "
          f"(expires in {args.expires} minutes):")
    print(code)
    return 0


def _admin_code(args: argparse.Namespace) -> int:
    try:
        code = authority.issue_admin_code(_engine(args), expires_minutes=args.expires)
    except RegistryError as exc:
        print(exc.detail, file=sys.stderr)
        return 1
    print(f"One-time code to register the first administrator (expires in {args.expires} "
          "minutes); enter it in the first workstation's set-up or `ld-admin authority`:")
    print(code)
    return 0


def _authority(args: argparse.Namespace) -> int:
    root = authority.current_root(_engine(args))
    if root is None:
        print("No first administrator is registered yet (see 'admin-code').")
        return 1
    print(f"First administrator: {printable(root.username)}")
    print(f"Key fingerprint (compare with 'ld-admin authority' or the Admin page on each "
          f"workstation): {fingerprint(root.public_key)}")
    return 0


def _devices(args: argparse.Namespace) -> int:
    devices = registry.list_devices(_engine(args))
    if args.json:
        print(json.dumps([d.model_dump(mode="json") for d in devices], indent=2))
        return 0
    print(f"{'ID':36}  {'NAME':20}  {'SITES':24}  {'ENROLLED':16}  {'LAST SEEN':16}  REVOKED")
    for d in devices:
        sites = printable(", ".join(s.name for s in d.sites))
        name = printable(d.name)
        print(f"{d.device_id:36}  {name[:20]:20}  {sites[:24]:24}  "
              f"{d.enrolled_at:%Y-%m-%d %H:%M}  "
              f"{f'{d.last_seen:%Y-%m-%d %H:%M}' if d.last_seen else '-':16}  "
              f"{f'{d.revoked_at:%Y-%m-%d %H:%M}' if d.revoked_at else 'no'}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    if registry.revoke_device(_engine(args), args.device_id):
        print(f"revoked {printable(args.device_id)}; "
              "it will be told to wipe its store on next contact")
        return 0
    print(f"no active device {printable(args.device_id)}", file=sys.stderr)
    return 1


def _audit_check(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        chains = audit_store.check_chains(engine)
    finally:
        engine.dispose()
    broken = [chain for chain in chains if not chain.intact]
    if args.json:
        print(json.dumps([{"device_id": c.device_id, "name": c.name, "revoked": c.revoked,
                           "events": c.events, "head_seq": c.head_seq,
                           "intact": c.intact, "problems": c.problems} for c in chains],
                         indent=2))
    else:
        for chain in chains:
            state = "intact" if chain.intact else "BROKEN"
            print(f"{chain.device_id}  {printable(chain.name)[:30]:30}  {chain.events:>8} "
                  f"events (to {chain.head_seq})  {state}"
                  + ("  (revoked)" if chain.revoked else ""))
            for problem in chain.problems:
                print(f"    PROBLEM: {problem}")
        print(f"{len(chains)} device(s); {len(broken)} with a broken audit copy.")
    return 1 if broken else 0


def _analyze(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        started = time.perf_counter()
        tables = analyze(engine)
    finally:
        engine.dispose()
    print(f"Statistics gathered for {len(tables)} tables in "
          f"{time.perf_counter() - started:.1f} s: {', '.join(tables)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ld-sync-server", description="L&D Desktop central sync server")
    store = _Parser(add_help=False)
    where = store.add_mutually_exclusive_group()
    where.add_argument("--data-dir", help=f"embedded SQLite store folder (env {HOME_ENV})")
    where.add_argument("--database-url", help="PostgreSQL URL, postgresql+psycopg://...")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", parents=[store], help="run the HTTP(S) server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--tls-cert")
    serve.add_argument("--tls-key")
    serve.add_argument("--workers", type=_positive, default=1,
                       help="server processes (default 1); each has its own threads and "
                            "database connections")
    serve.add_argument("--threads", type=_positive, default=ServerSettings.pool_size,
                       help="worker threads per process, each with one database connection "
                            f"(default {ServerSettings.pool_size}); PostgreSQL's "
                            "max_connections must exceed workers x threads")
    serve.add_argument("--training", action="store_true",
                       help="a training server: enrols training workstations only (and a "
                            "live server never enrols one)")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=_serve)

    code = commands.add_parser("enrol-code", parents=[store], help="issue a one-time code")
    code.add_argument("--site", action="append", required=True, type=_site,
                      help="site name (repeatable)")
    code.add_argument("--expires", type=_minutes, default=60,
                      help=f"minutes, 1 to {MAX_EXPIRY_MINUTES} (default 60)")
    code.set_defaults(func=_enrol_code)

    admin = commands.add_parser("admin-code", parents=[store],
                                help="issue the one-time code that registers the first "
                                     "administrator's key (refused once one exists)")
    admin.add_argument("--expires", type=int, default=60, help="minutes (default 60)")
    admin.set_defaults(func=_admin_code)

    root = commands.add_parser("authority", parents=[store],
                               help="show the first administrator and their key's fingerprint")
    root.set_defaults(func=_authority)

    devices = commands.add_parser("devices", parents=[store], help="list enrolled devices")
    devices.add_argument("--json", action="store_true")
    devices.set_defaults(func=_devices)

    revoke = commands.add_parser("revoke", parents=[store], help="revoke a device")
    revoke.add_argument("device_id")
    revoke.set_defaults(func=_revoke)

    check = commands.add_parser("audit-check", parents=[store],
                                help="check every device's audit copy is continuous "
                                     "(exit 1 on a break)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=_audit_check)

    stats = commands.add_parser("analyze", parents=[store],
                                help="gather the database's statistics now (after a bulk "
                                     "load or a restore; autovacuum does it in time)")
    stats.set_defaults(func=_analyze)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except (UsageError, ValueError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
