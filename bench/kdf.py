"""Argon2id cost on this machine: one command, prints a table.

    .venv/bin/python bench/kdf.py [--repeats 3]

Median seconds of one key derivation (``store/kdf.py``'s ``measure``) for the profiles
considered when the default (128 MiB, t=3, p=4) was chosen; target 250-500 ms. The CPU
time (all threads, mean) moves less with the machine's load than the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ld_desktop.store.kdf import DEFAULT_PROFILE, measure

PROFILES = [(64 * 1024, 3, 4), DEFAULT_PROFILE, (192 * 1024, 3, 4), (256 * 1024, 2, 4)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    load = os.getloadavg()
    print(f"bench/kdf.py: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    for memory, iterations, lanes in PROFILES:
        cpu = time.process_time()
        seconds = measure(memory, iterations, lanes, repeats)
        cpu = (time.process_time() - cpu) / repeats
        mark = "  (default)" if (memory, iterations, lanes) == DEFAULT_PROFILE else ""
        print(f"  Argon2id {memory // 1024:>3} MiB, t={iterations}, p={lanes}: "
              f"median of {repeats} {seconds * 1000:6.0f} ms, CPU (all threads) "
              f"{cpu * 1000:6.0f} ms{mark}")
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
