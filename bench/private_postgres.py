"""A PostgreSQL server of the benchmark's own, for figures no other client disturbs.

The postmaster's CPU, with its reaped children's (every backend that ended) and its live
ones', is then exactly what the benchmark cost PostgreSQL. Built with the machine's
`initdb` and `pg_ctl` (found through `pg_config` or under /usr/lib/postgresql); run as the
`postgres` user when the benchmark runs as root, since PostgreSQL refuses root. Settings are
PostgreSQL's defaults (autovacuum on), with room for 200 connections.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def bin_dir() -> Path | None:
    """Where `initdb` and `pg_ctl` are, or None when this machine has no PostgreSQL server."""
    config = shutil.which("pg_config")
    if config:
        found = Path(subprocess.run([config, "--bindir"], capture_output=True, text=True,
                                    check=False).stdout.strip())
        if (found / "initdb").exists():
            return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@contextmanager
def private_postgres(port: int, settings: Sequence[str] = ()) -> Iterator[tuple[str, int]]:
    """Yield (SQLAlchemy URL of its ``postgres`` database, postmaster pid); stopped and
    removed afterwards. ``settings``: more ``name=value`` server settings (a profile's
    ``shared_preload_libraries=pg_stat_statements``, say)."""
    binaries = bin_dir()
    if binaries is None:
        raise RuntimeError("no initdb on this machine: pass --postgres-url")
    folder = Path(tempfile.mkdtemp(prefix="ld-bench-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"

    def run(*argv: str) -> None:
        subprocess.run([*as_user, *argv], check=True, capture_output=True, text=True)

    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
            "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                  "-c max_connections=200"
                  + "".join(f" -c {setting}" for setting in settings), "start")
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", pid
    finally:
        if (data / "postmaster.pid").exists():
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)
