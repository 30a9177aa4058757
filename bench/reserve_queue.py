"""Pushes queue on the counter's row to reserve their numbers: how long a queue takes.

    .venv/bin/python bench/reserve_queue.py [--old REF] [--threads 10] [--each 50] [--rounds 3]

On a PostgreSQL of the bench's own (`bench/private_postgres.py`, default settings, fsync
on), --threads connections each reserve a block of 50 numbers and give it up
(`seq_reservations.reserve`, then `discard`) --each times, all at once, as the pushes of a
burst do between their merge and their write. Prints the wall time of all of them, this
code's `seq_reservations.py` and, with --old, one from git (e.g. `main`), alternated.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import free_port

from bench import private_postgres
from sync.server import seq_reservations
from sync.server.database import make_engine, migrate


def _old_module(ref: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{ref}:sync/server/seq_reservations.py"],
                            check=True, capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1]).stdout
    path = Path(tempfile.mkdtemp()) / "seq_reservations_old.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("seq_reservations_old", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module            # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="a git ref whose seq_reservations.py is measured beside")
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--each", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ways: dict[str, ModuleType] = {"this code": seq_reservations}
    if args.old:
        ways[f"seq_reservations.py of {args.old}"] = _old_module(args.old)
    with private_postgres.private_postgres(free_port()) as (url, _pid):
        engine = make_engine(url, pool_size=args.threads)
        migrate(engine)

        def queue(module: ModuleType) -> float:
            def work() -> None:
                with engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT")
                    for _ in range(args.each):
                        module.discard(conn, module.reserve(conn, 50))
            threads = [threading.Thread(target=work) for _ in range(args.threads)]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return time.perf_counter() - start

        queue(seq_reservations)                      # connections opened, statements prepared
        walls: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, module in ways.items():
                walls[name].append(queue(module))
        engine.dispose()
    print(f"bench/reserve_queue.py {' '.join(sys.argv[1:])}: "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name, values in walls.items():
        print(f"{name}: {args.threads * args.each} reservations in "
              + " / ".join(f"{v:.2f}" for v in values) + " s")


if __name__ == "__main__":
    main()
